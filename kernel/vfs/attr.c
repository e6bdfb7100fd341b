/* Attributes: chmod, chown and their forms, umask, utimensat. Stored, never enforced (root). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core.h"
#include "syscall/syscall.h"
#include "vfs/internal.h"

/* The attributes the VFS changes itself, saved so a failed setattr leaves vn as it was. */
struct attrs {
	uint32_t mode, uid, gid;
	struct timespec atime, mtime, ctime;
};

static void attrs_save(const struct pith_vnode *vn, struct attrs *a)
{
	*a = (struct attrs){vn->mode, vn->uid, vn->gid, vn->atime, vn->mtime, vn->ctime};
}

static void attrs_restore(struct pith_vnode *vn, const struct attrs *a)
{
	vn->mode = a->mode;
	vn->uid = a->uid;
	vn->gid = a->gid;
	vn->atime = a->atime;
	vn->mtime = a->mtime;
	vn->ctime = a->ctime;
}

/* Stamps ctime and stores the change; on failure puts the old attributes back. */
static long commit(struct pith_vnode *vn, const struct attrs *old)
{
	long err;

	pith_vfs_now(&vn->ctime);
	pith_vfs_enter();
	err = vn->ops->setattr(vn);
	pith_vfs_leave();
	if (err)
		attrs_restore(vn, old);
	return err;
}

static long set_mode(struct pith_vnode *vn, uint32_t mode)
{
	struct attrs old;
	long err = pith_vfs_writable(vn);

	if (err)
		return err;
	attrs_save(vn, &old);
	vn->mode = (vn->mode & S_IFMT) | (mode & 07777);
	return commit(vn, &old);
}

/*
 * uid/gid (uint32_t)-1: unchanged. As Linux's chown_common for root: a non-directory always
 * loses S_ISUID, and S_ISGID when group execute is set (without it, S_ISGID is not "set-group-
 * ID" but a mandatory-locking mark and stays), even when nothing else changes.
 */
static long set_owner(struct pith_vnode *vn, uint32_t uid, uint32_t gid)
{
	struct attrs old;
	long err = pith_vfs_writable(vn);

	if (err)
		return err;
	attrs_save(vn, &old);
	if (uid != (uint32_t)-1)
		vn->uid = uid;
	if (gid != (uint32_t)-1)
		vn->gid = gid;
	if (!S_ISDIR(vn->mode)) {
		vn->mode &= ~(uint32_t)S_ISUID;
		if (vn->mode & S_IXGRP)
			vn->mode &= ~(uint32_t)S_ISGID;
	}
	return commit(vn, &old);
}

/*
 * The vnode behind fd for the f* calls: 0 with *vn; -EBADF if fd is not open or is O_PATH;
 * 1 if fd is not a VFS file (a pipe, socket or the console: Linux changes their in-memory
 * inode and succeeds; Pith has no inode to change for them, so the call succeeds and nothing
 * is stored).
 */
static long fd_target(int fd, struct pith_vnode **vn)
{
	struct pith_file *f = pith_vfs_fd_file(fd);

	if (!f)
		return -EBADF;
	*vn = pith_vfs_file_vnode(f);
	return *vn ? 0 : 1;
}

PITH_SYSCALL2(fchmod, int, fd, unsigned, mode)
{
	struct pith_vnode *vn;
	long err = fd_target(fd, &vn);

	return err ? (err > 0 ? 0 : err) : set_mode(vn, mode);
}

PITH_SYSCALL3(fchown, int, fd, unsigned, uid, unsigned, gid)
{
	struct pith_vnode *vn;
	long err = fd_target(fd, &vn);

	return err ? (err > 0 ? 0 : err) : set_owner(vn, uid, gid);
}

static long chmod_nd(struct pith_nameidata *nd, void *ctx)
{
	return set_mode(nd->vn, *(uint32_t *)ctx);
}

static long chmod_at(int dirfd, const char *path, uint32_t mode)
{
	return pith_vfs_at(dirfd, path, PITH_LOOKUP_FOLLOW, chmod_nd, &mode);
}

PITH_SYSCALL2(chmod, const char *, path, unsigned, mode)
{
	return chmod_at(AT_FDCWD, path, mode);
}

PITH_SYSCALL3(fchmodat, int, dirfd, const char *, path, unsigned, mode)
{
	return chmod_at(dirfd, path, mode);
}

/* pith_namei's flags for the *at calls' AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. */
static unsigned at_lookup(int flags)
{
	unsigned lookup = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : PITH_LOOKUP_FOLLOW;

	return (flags & AT_EMPTY_PATH) ? lookup | PITH_LOOKUP_EMPTY : lookup;
}

static long chown_nd(struct pith_nameidata *nd, void *ctx)
{
	const uint32_t *ids = ctx;

	return set_owner(nd->vn, ids[0], ids[1]);
}

static long chown_at(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return pith_vfs_at(dirfd, path, at_lookup(flags), chown_nd, (uint32_t[2]){uid, gid});
}

PITH_SYSCALL3(chown, const char *, path, unsigned, uid, unsigned, gid)
{
	return chown_at(AT_FDCWD, path, uid, gid, 0);
}

PITH_SYSCALL3(lchown, const char *, path, unsigned, uid, unsigned, gid)
{
	return chown_at(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

PITH_SYSCALL5(fchownat, int, dirfd, const char *, path, unsigned, uid, unsigned, gid, int, flags)
{
	return chown_at(dirfd, path, uid, gid, flags);
}

PITH_SYSCALL1(umask, unsigned, mask)
{
	uint32_t old = pith_vfs_umask;

	pith_vfs_umask = mask & 0777;
	return old;
}

/* ---- utimensat ---- */

static bool nsec_valid(long nsec)
{
	return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec <= 999999999);
}

/* One of the two times: NULL request or UTIME_NOW = now; UTIME_OMIT = unchanged. */
static void pick_time(struct timespec *dst, const struct timespec *req, const struct timespec *now)
{
	if (!req || req->tv_nsec == UTIME_NOW)
		*dst = *now;
	else if (req->tv_nsec != UTIME_OMIT)
		*dst = *req;
}

/* times: the two requests (kernel copy, validated) or NULL for "both now". */
static long set_times(struct pith_vnode *vn, const struct timespec *times)
{
	struct attrs old;
	struct timespec now;
	long err = pith_vfs_writable(vn);

	if (err)
		return err;
	attrs_save(vn, &old);
	pith_vfs_now(&now);
	pick_time(&vn->atime, times ? &times[0] : NULL, &now);
	pick_time(&vn->mtime, times ? &times[1] : NULL, &now);
	return commit(vn, &old);
}

/* futimens: utimensat with a NULL path names dirfd itself (flags must be 0, as Linux). */
static long utimens_fd(int fd, const struct timespec *times, int flags)
{
	struct pith_vnode *vn;
	long err;

	if (flags)
		return -EINVAL;
	err = fd_target(fd, &vn);
	return err ? (err > 0 ? 0 : err) : set_times(vn, times);
}

static long utimens_nd(struct pith_nameidata *nd, void *ctx)
{
	return set_times(nd->vn, ctx);
}

static long utimens_path(int dirfd, const char *path, const struct timespec *times, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return pith_vfs_at(dirfd, path, at_lookup(flags), utimens_nd, (void *)times);
}

/* Linux's do_utimes order: the times are checked first, and two UTIME_OMITs do nothing. */
PITH_SYSCALL4(utimensat, int, dirfd, const char *, path, const struct timespec *, utimes, int,
	      flags)
{
	struct timespec t[2];

	if (utimes) {
		if (!pith_user_readable(utimes, sizeof(t)))
			return -EFAULT;
		memcpy(t, utimes, sizeof(t));
		if (!nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec))
			return -EINVAL;
		if (t[0].tv_nsec == UTIME_OMIT && t[1].tv_nsec == UTIME_OMIT)
			return 0;
	}
	if (!path && dirfd != AT_FDCWD)
		return utimens_fd(dirfd, utimes ? t : NULL, flags);
	return utimens_path(dirfd, path, utimes ? t : NULL, flags);
}
