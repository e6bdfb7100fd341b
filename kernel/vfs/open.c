/* open, openat and creat: lookup, creation, the open flags' checks and O_TRUNC. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "syscall/syscall.h"
#include "vfs/internal.h"

/* Flags open(2) accepts but Pith ignores (no effect with one process and no page cache). */
#define LINUX_O_TMPFILE_MASK (O_TMPFILE & ~O_DIRECTORY)

/* O_TRUNC on an opened regular file (even O_RDONLY, as Linux): size 0, or the open fails. */
static long open_truncate(struct pith_vnode *vn, long fd)
{
	int err;

	if (fd < 0 || !S_ISREG(vn->mode) || pith_vfs_is_synth(vn))
		return fd;
	err = vn->ops->truncate ? vn->ops->truncate(vn, 0) : -EINVAL;
	if (!err)
		return fd;
	pith_fd_close((int)fd);
	return err;
}

/* Opens the file the lookup found, with open(2)'s checks on it. */
static long open_found(struct pith_vnode *vn, int flags)
{
	long fd;

	if (S_ISLNK(vn->mode) && !(flags & O_PATH))
		return -ELOOP; /* O_NOFOLLOW */
	if ((flags & O_DIRECTORY) && !S_ISDIR(vn->mode))
		return -ENOTDIR;
	fd = pith_vfs_open_vnode(vn, flags);
	return flags & O_TRUNC && !(flags & O_PATH) ? open_truncate(vn, fd) : fd;
}

/* A new regular file in nd's directory (mode & ~umask), opened. */
static long open_new(struct pith_nameidata *nd, int flags, unsigned mode)
{
	struct pith_vnode *vn;
	long err = pith_vfs_writable(nd->dir);

	if (err)
		return err;
	mode = S_IFREG | (mode & 07777 & ~pith_vfs_umask);
	err = nd->dir->ops->create(nd->dir, nd->name, nd->len, mode, 0, &vn);
	if (err)
		return err;
	err = pith_vfs_open_vnode(vn, flags & ~O_TRUNC);
	pith_vnode_put(vn);
	return err;
}

/*
 * O_CREAT, in the order Linux checks: "." or ".." or a trailing slash (-EISDIR), an existing
 * entry (-EEXIST with O_EXCL, which never follows a final symlink, dangling or not; a directory
 * -EISDIR), else a new file. Without O_EXCL and O_NOFOLLOW a final symlink is followed, and a
 * dangling one creates its target.
 */
static long open_create(int dirfd, const char *path, int flags, unsigned mode)
{
	unsigned lf = PITH_LOOKUP_PARENT | (flags & (O_EXCL | O_NOFOLLOW) ? 0 : PITH_LOOKUP_FOLLOW);
	struct pith_nameidata nd;
	long err = pith_namei(dirfd, path, lf, &nd);

	if (err)
		return err;
	if (nd.last_dot || nd.trailing_slash)
		err = -EISDIR;
	else if (nd.vn && (flags & O_EXCL))
		err = -EEXIST;
	else if (nd.vn && S_ISDIR(nd.vn->mode))
		err = -EISDIR;
	else if (nd.vn)
		err = open_found(nd.vn, flags);
	else
		err = open_new(&nd, flags, mode);
	pith_nameidata_done(&nd);
	return err;
}

static long do_open(int dirfd, const char *path, int flags, unsigned mode)
{
	struct pith_nameidata nd;
	long err;

	if ((flags & LINUX_O_TMPFILE_MASK) == LINUX_O_TMPFILE_MASK)
		return -EOPNOTSUPP; /* O_TMPFILE: no filesystem here supports it */
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL; /* as Linux 6.4 and later */
	if (flags & O_CREAT)
		return open_create(dirfd, path, flags, mode);
	err = pith_namei(dirfd, path, flags & O_NOFOLLOW ? 0 : PITH_LOOKUP_FOLLOW, &nd);
	if (err)
		return err;
	err = open_found(nd.vn, flags);
	pith_nameidata_done(&nd);
	return err;
}

PITH_SYSCALL3(open, const char *, path, int, flags, unsigned, mode)
{
	return do_open(AT_FDCWD, path, flags, mode);
}

PITH_SYSCALL4(openat, int, dirfd, const char *, path, int, flags, unsigned, mode)
{
	return do_open(dirfd, path, flags, mode);
}

PITH_SYSCALL2(creat, const char *, path, unsigned, mode)
{
	return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}
