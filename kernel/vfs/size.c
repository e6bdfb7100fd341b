/* A file's size and allocation: truncate, ftruncate, fallocate (mode 0), fadvise64. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "syscall/syscall.h"
#include "vfs/internal.h"

/* fallocate's mode bits Linux knows (FALLOC_FL_SUPPORTED_MASK): others are -EOPNOTSUPP. */
#define FALLOC_KNOWN 0x7f

/* The file at fd if it is open for writing: -EBADF otherwise. */
static long writable_file(int fd, struct pith_file **out)
{
	struct pith_file *f = pith_vfs_fd_file(fd);

	if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	*out = f;
	return 0;
}

static long truncate_vnode(struct pith_vnode *vn, uint64_t size)
{
	long err = pith_vfs_writable(vn);

	if (err)
		return err;
	pith_vfs_enter();
	err = vn->ops->truncate(vn, size);
	pith_vfs_leave();
	return err;
}

/* ctx: the new size. Linux's vfs_truncate order: -EISDIR, -EINVAL, -EROFS. */
static long truncate_nd(struct pith_nameidata *nd, void *ctx)
{
	if (S_ISDIR(nd->vn->mode))
		return -EISDIR;
	if (!S_ISREG(nd->vn->mode))
		return -EINVAL;
	return truncate_vnode(nd->vn, *(uint64_t *)ctx);
}

PITH_SYSCALL2(truncate, const char *, path, long, length)
{
	uint64_t size = (uint64_t)length;

	if (length < 0)
		return -EINVAL;
	return pith_vfs_at(AT_FDCWD, path, PITH_LOOKUP_FOLLOW, truncate_nd, &size);
}

/* Linux: -EINVAL for a negative length, then -EBADF, then -EINVAL unless a regular file open
   for writing (a pipe, socket or terminal included). */
PITH_SYSCALL2(ftruncate, int, fd, long, length)
{
	struct pith_file *f = pith_vfs_fd_file(fd);
	struct pith_vnode *vn;

	if (length < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	vn = pith_vfs_file_vnode(f);
	if (!vn || !S_ISREG(vn->mode) || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	return truncate_vnode(vn, (uint64_t)length);
}

/* fallocate's checks on the file, in Linux's order (vfs_fallocate). */
static long fallocate_target(int fd, struct pith_vnode **out)
{
	struct pith_file *f;
	struct pith_vnode *vn;
	long err = writable_file(fd, &f);

	if (err)
		return err;
	vn = pith_vfs_file_vnode(f);
	if (!vn)
		return S_ISFIFO(f->ops->mode) ? -ESPIPE : -ENODEV;
	if (S_ISDIR(vn->mode))
		return -EISDIR;
	if (!S_ISREG(vn->mode))
		return -ENODEV;
	*out = vn;
	return 0;
}

PITH_SYSCALL4(fallocate, int, fd, int, mode, long, offset, long, len)
{
	struct pith_vnode *vn;
	long err;

	if (offset < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~FALLOC_KNOWN)
		return -EOPNOTSUPP;
	err = fallocate_target(fd, &vn);
	if (err)
		return err;
	if (offset > INT64_MAX - len)
		return -EFBIG;
	if (mode || !vn->ops->fallocate)
		return -EOPNOTSUPP; /* only mode 0: allocate, growing the size */
	err = pith_vfs_writable(vn);
	if (err)
		return err;
	pith_vfs_enter();
	err = vn->ops->fallocate(vn, (uint64_t)offset, (uint64_t)len);
	pith_vfs_leave();
	return err;
}

/* Advice is checked and accepted; the block cache holds metadata only, so none applies. */
PITH_SYSCALL4(fadvise64, int, fd, long, offset, long, len, int, advice)
{
	struct pith_file *f = pith_vfs_fd_file(fd);

	(void)offset; /* Linux accepts any offset */
	if (!f)
		return -EBADF;
	if (S_ISFIFO(f->ops->mode))
		return -ESPIPE;
	if (len < 0 || advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE)
		return -EINVAL;
	return 0;
}
