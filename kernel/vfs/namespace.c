/* Names in directories (mkdir, rmdir, unlink, symlink, readlink, *at) and the calls' helpers. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core.h"
#include "mem/mem.h"
#include "mem/pages.h"
#include "syscall/syscall.h"
#include "vfs/internal.h"

/* What a path's last component is when pith_namei reports last_dot (Linux's LAST_* types). */
enum last_kind { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

/*
 * The kind of the last component of a user path that pith_namei has already accepted (so it
 * is mapped, NUL-terminated and shorter than PITH_PATH_MAX). Trailing slashes are ignored.
 */
static enum last_kind last_kind(const char *upath)
{
	size_t end = strnlen(upath, PITH_PATH_MAX), start;

	while (end > 0 && upath[end - 1] == '/')
		end--;
	if (end == 0)
		return upath[0] == '/' ? LAST_ROOT : LAST_NORM;
	start = end;
	while (start > 0 && upath[start - 1] != '/')
		start--;
	if (end - start == 1 && upath[start] == '.')
		return LAST_DOT;
	if (end - start == 2 && upath[start] == '.' && upath[start + 1] == '.')
		return LAST_DOTDOT;
	return LAST_NORM;
}

/*
 * The checks every creation (mkdir, symlink, link) makes on its PARENT lookup, in Linux's
 * order (filename_create): "." / ".." / "/" and an existing entry are -EEXIST, a missing entry
 * named with a trailing slash -ENOENT (unless a directory is being made), then -EROFS.
 */
int pith_vfs_may_create(const struct pith_nameidata *nd, bool is_dir)
{
	if (nd->last_dot || nd->vn)
		return -EEXIST;
	if (nd->trailing_slash && !is_dir)
		return -ENOENT;
	return pith_vfs_writable(nd->dir);
}

/* Whether vn is a mount's root or has a mount on it (it cannot be removed or renamed). */
bool pith_vfs_busy(const struct pith_vnode *vn)
{
	return vn->mounted || vn == vn->mnt->root;
}

struct pith_file *pith_vfs_fd_file(int fd)
{
	struct pith_file *f = pith_fd_get(fd);

	return f && !pith_vfs_file_is_path(f) ? f : NULL;
}

/*
 * Looks up path (pith_namei's flags) and runs fn on the result, all inside one filesystem
 * operation (pith_vfs_enter): the lookup's error, or fn's answer.
 */
long pith_vfs_at(int dirfd, const char *path, unsigned flags,
		 long (*fn)(struct pith_nameidata *nd, void *ctx), void *ctx)
{
	struct pith_nameidata nd;
	long err;

	pith_vfs_enter();
	err = pith_namei(dirfd, path, flags, &nd);
	if (!err) {
		err = fn(&nd, ctx);
		pith_nameidata_done(&nd);
	}
	pith_vfs_leave();
	return err;
}

/* ctx: the mode. Linux keeps only the permission and sticky bits, less the umask. */
static long mkdir_nd(struct pith_nameidata *nd, void *ctx)
{
	uint32_t mode = *(uint32_t *)ctx & 01777 & ~pith_vfs_umask;
	struct pith_vnode *vn;
	long err = pith_vfs_may_create(nd, true);

	if (!err)
		err = nd->dir->ops->mkdir(nd->dir, nd->name, nd->len, mode, &vn);
	if (!err)
		pith_vnode_put(vn);
	return err;
}

static long do_mkdir(int dirfd, const char *path, uint32_t mode)
{
	return pith_vfs_at(dirfd, path, PITH_LOOKUP_PARENT, mkdir_nd, &mode);
}

PITH_SYSCALL2(mkdir, const char *, path, unsigned, mode)
{
	return do_mkdir(AT_FDCWD, path, mode);
}

PITH_SYSCALL3(mkdirat, int, dirfd, const char *, path, unsigned, mode)
{
	return do_mkdir(dirfd, path, mode);
}

/* rmdir's answer for "." (-EINVAL), ".." (-ENOTEMPTY) and "/" (-EBUSY), as Linux's do_rmdir. */
static long rmdir_dots(const char *path)
{
	switch (last_kind(path)) {
	case LAST_DOT:
		return -EINVAL;
	case LAST_DOTDOT:
		return -ENOTEMPTY;
	default:
		return -EBUSY;
	}
}

/* ctx: the user's path (for the kind of a last "." or ".."). */
static long rmdir_nd(struct pith_nameidata *nd, void *ctx)
{
	long err;

	if (nd->last_dot)
		return rmdir_dots(ctx);
	err = pith_vfs_writable(nd->dir);
	if (err)
		return err;
	if (!nd->vn)
		return -ENOENT;
	if (!S_ISDIR(nd->vn->mode))
		return -ENOTDIR; /* a symlink too: the last component is not followed */
	if (pith_vfs_busy(nd->vn))
		return -EBUSY;
	return nd->dir->ops->rmdir(nd->dir, nd->name, nd->len, nd->vn);
}

static long do_rmdir(int dirfd, const char *path)
{
	return pith_vfs_at(dirfd, path, PITH_LOOKUP_PARENT, rmdir_nd, (void *)path);
}

/* The error for an entry named with a trailing slash that is not a directory (Linux). */
static long unlink_slashes(const struct pith_vnode *vn)
{
	if (!vn)
		return -ENOENT;
	return S_ISDIR(vn->mode) ? -EISDIR : -ENOTDIR;
}

static long unlink_nd(struct pith_nameidata *nd, void *ctx)
{
	long err;

	(void)ctx;
	if (nd->last_dot)
		return -EISDIR;
	err = pith_vfs_writable(nd->dir);
	if (err)
		return err;
	if (nd->trailing_slash || !nd->vn || S_ISDIR(nd->vn->mode))
		return unlink_slashes(nd->vn);
	return nd->dir->ops->unlink(nd->dir, nd->name, nd->len, nd->vn);
}

static long do_unlink(int dirfd, const char *path)
{
	return pith_vfs_at(dirfd, path, PITH_LOOKUP_PARENT, unlink_nd, NULL);
}

PITH_SYSCALL1(rmdir, const char *, path)
{
	return do_rmdir(AT_FDCWD, path);
}

PITH_SYSCALL1(unlink, const char *, path)
{
	return do_unlink(AT_FDCWD, path);
}

PITH_SYSCALL3(unlinkat, int, dirfd, const char *, path, int, flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return flags ? do_rmdir(dirfd, path) : do_unlink(dirfd, path);
}

/*
 * Copies a user string (a symlink's target) into buf (PITH_PATH_MAX bytes): its length, or
 * -EFAULT, -ENAMETOOLONG (no NUL within PITH_PATH_MAX), -ENOENT for "" (Linux's getname).
 * Readability is checked one page at a time as the copy reaches it.
 */
static long copy_user_string(const char *u, char *buf)
{
	for (size_t i = 0; i < PITH_PATH_MAX; i++) {
		if ((i == 0 || ((uintptr_t)(u + i) & (PITH_PAGE - 1)) == 0) &&
		    !pith_user_readable(u + i, 1))
			return -EFAULT;
		buf[i] = u[i];
		if (!buf[i])
			return i ? (long)i : -ENOENT;
	}
	return -ENAMETOOLONG;
}

/* A symlink's target, copied in. */
struct target {
	const char *s;
	size_t len;
};

static long symlink_nd(struct pith_nameidata *nd, void *ctx)
{
	struct target *t = ctx;
	struct pith_vnode *vn;
	long err = pith_vfs_may_create(nd, false);

	if (!err)
		err = nd->dir->ops->symlink(nd->dir, nd->name, nd->len, t->s, t->len, &vn);
	if (!err)
		pith_vnode_put(vn);
	return err;
}

static long do_symlink(const char *utarget, int dirfd, const char *path)
{
	char *target = pith_kmalloc(PITH_PATH_MAX);
	long len;

	if (!target)
		return -ENOMEM;
	len = copy_user_string(utarget, target);
	if (len > 0)
		len = pith_vfs_at(dirfd, path, PITH_LOOKUP_PARENT, symlink_nd,
				  &(struct target){target, (size_t)len});
	pith_kfree(target, PITH_PATH_MAX);
	return len;
}

PITH_SYSCALL2(symlink, const char *, target, const char *, path)
{
	return do_symlink(target, AT_FDCWD, path);
}

PITH_SYSCALL3(symlinkat, const char *, target, int, dirfd, const char *, path)
{
	return do_symlink(target, dirfd, path);
}

/* Reads vn's target into the user's buffer (at most cap bytes): its length or -errno. */
static long readlink_vnode(struct pith_vnode *vn, char *ubuf, size_t cap)
{
	char *k = pith_kmalloc(PITH_PATH_MAX);
	long n;

	if (!k)
		return -ENOMEM;
	n = vn->ops->readlink(vn, k, cap < PITH_PATH_MAX ? cap : PITH_PATH_MAX);
	if (n > 0 && !pith_user_writable(ubuf, (size_t)n))
		n = -EFAULT;
	else if (n > 0)
		memcpy(ubuf, k, (size_t)n);
	pith_kfree(k, PITH_PATH_MAX);
	return n;
}

/* readlink's arguments. */
struct readlink_args {
	const char *path;
	char *buf;
	size_t cap;
};

static long readlink_nd(struct pith_nameidata *nd, void *ctx)
{
	struct readlink_args *a = ctx;

	if (S_ISLNK(nd->vn->mode))
		return readlink_vnode(nd->vn, a->buf, a->cap);
	return a->path[0] ? -EINVAL : -ENOENT; /* "" names dirfd: Linux says ENOENT */
}

static long do_readlink(int dirfd, const char *path, char *buf, int bufsiz)
{
	if (bufsiz <= 0)
		return -EINVAL;
	return pith_vfs_at(dirfd, path, PITH_LOOKUP_EMPTY, readlink_nd,
			   &(struct readlink_args){path, buf, (size_t)bufsiz});
}

PITH_SYSCALL3(readlink, const char *, path, char *, buf, int, bufsiz)
{
	return do_readlink(AT_FDCWD, path, buf, bufsiz);
}

PITH_SYSCALL4(readlinkat, int, dirfd, const char *, path, char *, buf, int, bufsiz)
{
	return do_readlink(dirfd, path, buf, bufsiz);
}
