/* Open files of the VFS: regular files, directories and O_PATH files; stat of a vnode. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console/console.h"
#include "core/core.h"
#include "vfs/internal.h"

/* The status flags an open file keeps (F_GETFL shows them; O_LARGEFILE always, as x86_64). */
#define KEPT_FLAGS                                                                                 \
	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_SYNC | O_DSYNC | O_PATH |    \
	 O_LARGEFILE)

unsigned pith_vfs_file_flags(int flags)
{
	return ((unsigned)flags & KEPT_FLAGS) | O_LARGEFILE;
}

/* Reads or writes the iovecs at pos through the vnode; the count, or the error if none moved. */
static long vn_rw(struct pith_vnode *vn, const struct iovec *iov, int iovcnt, size_t total,
		  uint64_t pos, bool write)
{
	size_t done = 0;
	long n = 0;

	if (pos > (uint64_t)INT64_MAX - total)
		return -EINVAL; /* as Linux's rw_verify_area */
	pith_vfs_enter();
	for (int i = 0; i < iovcnt && done < total; i++) {
		size_t len = iov[i].iov_len < total - done ? iov[i].iov_len : total - done;

		if (!len)
			continue;
		n = write ? vn->ops->write(vn, iov[i].iov_base, len, pos + done)
			  : vn->ops->read(vn, iov[i].iov_base, len, pos + done);
		if (n < 0)
			break;
		done += (size_t)n;
		if ((size_t)n < len)
			break;
	}
	pith_vfs_leave();
	return done ? (long)done : n < 0 ? n : 0;
}

/* O_SYNC/O_DSYNC: the data written is durable before the write returns. */
static long sync_if_asked(struct pith_file *f, long n)
{
	struct pith_vnode *vn = f->priv;
	int err;

	if (n <= 0 || !(f->flags & O_DSYNC) || !vn->ops->fsync)
		return n;
	pith_vfs_enter();
	err = vn->ops->fsync(vn, (f->flags & O_SYNC) != O_SYNC);
	pith_vfs_leave();
	return err ? err : n;
}

static long reg_preadv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		       uint64_t pos)
{
	return vn_rw(f->priv, iov, iovcnt, total, pos, false);
}

/* As Linux, a positioned write to an O_APPEND file appends (pwrite(2), BUGS). */
static long reg_pwritev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			uint64_t pos)
{
	struct pith_vnode *vn = f->priv;

	if (f->flags & O_APPEND)
		pos = vn->size;
	return sync_if_asked(f, vn_rw(vn, iov, iovcnt, total, pos, true));
}

static long reg_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	long n = reg_preadv(f, iov, iovcnt, total, f->pos);

	if (n > 0)
		f->pos += (uint64_t)n;
	return n;
}

static long reg_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	struct pith_vnode *vn = f->priv;
	uint64_t pos = f->flags & O_APPEND ? vn->size : f->pos;
	long n = vn_rw(vn, iov, iovcnt, total, pos, true);

	if (n > 0)
		f->pos = pos + (uint64_t)n;
	return sync_if_asked(f, n);
}

long pith_vfs_seek(struct pith_file *f, int64_t off, int whence, uint64_t size)
{
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = (int64_t)size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0 || (uint64_t)off >= size)
			return -ENXIO;
		f->pos = whence == SEEK_DATA ? (uint64_t)off : size; /* all data */
		return (long)f->pos;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (long)f->pos;
}

/* SEEK_DATA/SEEK_HOLE through the filesystem's seek_data when it has one. */
static long reg_lseek(struct pith_file *f, int64_t off, int whence)
{
	struct pith_vnode *vn = f->priv;
	long pos;

	if ((whence != SEEK_DATA && whence != SEEK_HOLE) || !vn->ops->seek_data)
		return pith_vfs_seek(f, off, whence, vn->size);
	if (off < 0 || (uint64_t)off >= vn->size)
		return -ENXIO;
	pith_vfs_enter();
	pos = vn->ops->seek_data(vn, (uint64_t)off, whence == SEEK_HOLE);
	pith_vfs_leave();
	if (pos >= 0)
		f->pos = (uint64_t)pos;
	return pos;
}

long pith_vfs_fionread(unsigned long req, unsigned long arg, uint64_t size, uint64_t pos)
{
	int *p = (int *)arg;
	uint64_t left = pos < size ? size - pos : 0;

	if (req != FIONREAD)
		return -ENOTTY;
	if (!pith_user_writable(p, sizeof(*p)))
		return -EFAULT;
	*p = left > INT32_MAX ? INT32_MAX : (int)left;
	return 0;
}

static long reg_ioctl(struct pith_file *f, unsigned long req, unsigned long arg)
{
	return pith_vfs_fionread(req, arg, ((struct pith_vnode *)f->priv)->size, f->pos);
}

static long vn_stat(struct pith_file *f, struct stat *st)
{
	pith_vfs_stat(f->priv, st);
	return 0;
}

static void vn_release(struct pith_file *f)
{
	pith_vfs_enter();
	pith_vnode_put(f->priv); /* the last reference may free an unlinked file on the disk */
	pith_vfs_leave();
}

static const struct pith_file_ops reg_ops = {
    .name = "file",
    .readv = reg_readv,
    .writev = reg_writev,
    .ioctl = reg_ioctl,
    .release = vn_release,
    .mode = S_IFREG,
    .preadv = reg_preadv,
    .pwritev = reg_pwritev,
    .lseek = reg_lseek,
    .stat = vn_stat,
};

static long dir_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	(void)f, (void)iov, (void)iovcnt, (void)total;
	return -EISDIR;
}

static long dir_preadv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		       uint64_t pos)
{
	(void)pos;
	return dir_readv(f, iov, iovcnt, total);
}

/* A directory's position is a readdir cookie: only set back to one handed out, or to 0. */
static long dir_lseek(struct pith_file *f, int64_t off, int whence)
{
	if (whence == SEEK_CUR && off == 0)
		return (long)f->pos;
	if (whence != SEEK_SET || off < 0)
		return -EINVAL;
	f->pos = (uint64_t)off;
	return off;
}

static const struct pith_file_ops dir_ops = {
    .name = "dir",
    .readv = dir_readv,
    .release = vn_release,
    .mode = S_IFDIR,
    .preadv = dir_preadv,
    .lseek = dir_lseek,
    .stat = vn_stat,
};

/* O_PATH: a handle for *at() calls, fchdir and fstat; I/O on it is -EBADF, as Linux. */
static long path_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	(void)f, (void)iov, (void)iovcnt, (void)total;
	return -EBADF;
}

static long path_preadv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			uint64_t pos)
{
	(void)pos;
	return path_readv(f, iov, iovcnt, total);
}

static long path_lseek(struct pith_file *f, int64_t off, int whence)
{
	(void)f, (void)off, (void)whence;
	return -EBADF;
}

static long path_ioctl(struct pith_file *f, unsigned long req, unsigned long arg)
{
	(void)f, (void)req, (void)arg;
	return -EBADF;
}

static const struct pith_file_ops path_ops = {
    .name = "path",
    .readv = path_readv,
    .writev = path_readv,
    .ioctl = path_ioctl,
    .release = vn_release,
    .mode = 0,
    .preadv = path_preadv,
    .pwritev = path_preadv,
    .lseek = path_lseek,
    .stat = vn_stat,
};

struct pith_vnode *pith_vfs_file_vnode(struct pith_file *f)
{
	if (f->ops == &reg_ops || f->ops == &dir_ops || f->ops == &path_ops)
		return f->priv;
	return pith_vfs_synth_vnode(f);
}

bool pith_vfs_file_is_path(const struct pith_file *f)
{
	return f->ops == &path_ops;
}

long pith_vfs_fd_vnode(int fd, struct pith_vnode **out)
{
	struct pith_file *f = pith_fd_get(fd);

	if (!f)
		return -EBADF;
	*out = pith_vfs_file_vnode(f);
	return *out ? 0 : -EINVAL;
}

static long new_file(const struct pith_file_ops *ops, struct pith_vnode *vn, int flags,
		     struct pith_file **out)
{
	*out = pith_file_new(ops, vn, pith_vfs_file_flags(flags));
	if (!*out)
		return -ENOMEM;
	pith_vnode_hold(vn);
	return 0;
}

/* Checks an open of vn for its access mode: -EISDIR, -EROFS. */
static long open_check(const struct pith_vnode *vn, int flags)
{
	bool writing = (flags & O_ACCMODE) != O_RDONLY;

	if (S_ISDIR(vn->mode) && (writing || (flags & O_TRUNC)))
		return -EISDIR; /* O_TRUNC asks for write access (Linux's build_open_flags) */
	if (S_ISREG(vn->mode) && (writing || (flags & O_TRUNC)))
		return pith_vfs_writable(vn);
	return 0;
}

/* A new open file for vn (the driver's for devices and synthesized files). */
static long open_file(struct pith_vnode *vn, int flags, struct pith_file **out)
{
	long err = flags & O_PATH ? 0 : open_check(vn, flags);

	if (err)
		return err;
	if (flags & O_PATH)
		return new_file(&path_ops, vn, flags & (O_PATH | O_NOFOLLOW | O_DIRECTORY), out);
	switch (vn->mode & S_IFMT) {
	case S_IFREG:
		return pith_vfs_is_synth(vn) ? pith_vfs_synth_open(vn, flags, out)
					     : new_file(&reg_ops, vn, flags, out);
	case S_IFDIR:
		return new_file(&dir_ops, vn, flags, out);
	case S_IFCHR:
		return pith_vfs_dev_open(vn, flags, out);
	case S_IFLNK:
		return -ELOOP;
	default:
		return -ENXIO; /* FIFOs, sockets and block devices cannot be opened */
	}
}

long pith_vfs_open_vnode(struct pith_vnode *vn, int flags)
{
	struct pith_file *f;
	long fd = open_file(vn, flags, &f);

	if (fd)
		return fd;
	fd = pith_fd_install(f, 0, (flags & O_CLOEXEC) != 0);
	pith_file_put(f); /* the fd holds it now (or, on -EMFILE, nothing: released) */
	return fd;
}

void pith_vfs_stat(const struct pith_vnode *vn, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = vn->mnt->dev_id;
	st->st_ino = vn->ino;
	st->st_mode = vn->mode;
	st->st_nlink = vn->nlink;
	st->st_uid = vn->uid;
	st->st_gid = vn->gid;
	st->st_rdev = pith_vfs_is_synth(vn) ? 0 : vn->rdev;
	st->st_size = (off_t)vn->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)vn->blocks;
	st->st_atim = vn->atime;
	st->st_mtim = vn->mtime;
	st->st_ctim = vn->ctime;
}
