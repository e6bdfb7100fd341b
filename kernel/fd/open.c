/* open/openat of the synthesized read-only files (PITH_SYNTH_FILE); every other path: ENOENT. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "fd/internal.h"
#include "vfs/vfs.h"
#include "mem/mem.h"
#include "syscall/syscall.h"

#define PATH_CAP 4096 /* Linux's PATH_MAX, the terminating NUL included */

/* Weak: an image whose components register no synthesized file has no such section. */
extern const struct pith_synth_file __start_pith_synth_files[] __attribute__((weak));
extern const struct pith_synth_file __stop_pith_synth_files[] __attribute__((weak));

/* One open synthesized file: its contents, filled at open time, and the read position. */
struct synth {
	size_t len;
	uint64_t pos;
	char data[PITH_PAGE - 2 * sizeof(uint64_t)];
};

static long synth_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	return pith_synth_pread(f, iov, iovcnt, total, ((struct synth *)f->priv)->pos, true);
}

/* FIONREAD: the bytes left to read, as Linux answers for a regular file. */
static long synth_ioctl(struct pith_file *f, unsigned long req, unsigned long arg)
{
	struct synth *s = f->priv;
	int *p = (int *)arg;

	if (req != FIONREAD)
		return -ENOTTY;
	if (!pith_user_writable(p, sizeof(*p)))
		return -EFAULT;
	*p = s->pos < s->len ? (int)(s->len - s->pos) : 0;
	return 0;
}

static void synth_release(struct pith_file *f)
{
	pith_kfree(f->priv, sizeof(struct synth));
}

static const struct pith_file_ops synth_ops = {
    .name = "synth",
    .readv = synth_readv,
    .ioctl = synth_ioctl,
    .release = synth_release,
    .mode = S_IFREG,
};

bool pith_synth_is(const struct pith_file *f)
{
	return f->ops == &synth_ops;
}

size_t pith_synth_size(const struct pith_file *f)
{
	return ((const struct synth *)f->priv)->len;
}

long pith_synth_pread(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		      uint64_t pos, bool advance)
{
	struct synth *s = f->priv;
	size_t n = pos < s->len ? s->len - pos : 0;

	n = pith_iov_to(iov, iovcnt, 0, s->data + (n ? pos : 0), n < total ? n : total);
	if (advance)
		s->pos += n;
	return (long)n;
}

long pith_synth_lseek(struct pith_file *f, long off, int whence)
{
	struct synth *s = f->priv;
	long base = whence == SEEK_SET	 ? 0
		    : whence == SEEK_CUR ? (long)s->pos
		    : whence == SEEK_END ? (long)s->len
					 : -1;

	if (base < 0 || (off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	s->pos = (uint64_t)(base + off);
	return (long)s->pos;
}

/* Copies the user's path (NUL-terminated) into buf: -EFAULT, -ENAMETOOLONG, -ENOENT (""). */
static long path_copy(const char *path, char *buf)
{
	for (size_t i = 0; i < PATH_CAP; i++) {
		if (!pith_user_readable(path + i, 1))
			return -EFAULT;
		buf[i] = path[i];
		if (!buf[i])
			return i ? 0 : -ENOENT;
	}
	return -ENAMETOOLONG;
}

static const struct pith_synth_file *synth_find(const char *path)
{
	const struct pith_synth_file *s = __start_pith_synth_files;

	for (; s && s < __stop_pith_synth_files; s++)
		if (strlen(s->path) == strlen(path) && !memcmp(s->path, path, strlen(path)))
			return s;
	return NULL;
}

/* A new open file for s, filled now; -ENOMEM when memory ran out. */
static long synth_open(const struct pith_synth_file *sf, int flags)
{
	struct synth *s = pith_kmalloc(sizeof(*s));
	struct pith_file *f =
	    s ? pith_file_new(&synth_ops, s, O_RDONLY | (flags & O_NONBLOCK)) : NULL;
	long fd;

	if (!f) {
		pith_kfree(s, sizeof(*s));
		return -ENOMEM;
	}
	s->len = sf->fill(s->data, sizeof(s->data));
	if (s->len > sizeof(s->data))
		s->len = sizeof(s->data);
	fd = pith_fd_install(f, 0, (flags & O_CLOEXEC) != 0);
	pith_file_put(f); /* the fd holds it now (or, on -EMFILE, nothing: released) */
	return fd;
}

/*
 * As Linux on a read-only file system holding only these files: an existing file opened for
 * writing or truncation is -EROFS (O_CREAT|O_EXCL: -EEXIST first), a missing one is -ENOENT,
 * or -EROFS with O_CREAT (it could not be created). Relative paths start at "/".
 */
static long open_path(const char *upath, int flags)
{
	char path[PATH_CAP + 1] = "/";
	const struct pith_synth_file *sf;
	long err = path_copy(upath, path + 1);

	if (err)
		return err;
	sf = synth_find(path[1] == '/' ? path + 1 : path);
	if (!sf)
		return flags & O_CREAT ? -EROFS : -ENOENT;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -EROFS;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	return synth_open(sf, flags);
}

PITH_SYSCALL3(open, const char *, path, int, flags, unsigned, mode)
{
	(void)mode;
	return open_path(path, flags);
}

/* No directories exist: a relative path needs AT_FDCWD (the root); an open dirfd is ENOTDIR. */
PITH_SYSCALL4(openat, int, dirfd, const char *, path, int, flags, unsigned, mode)
{
	char first;

	(void)mode;
	if (!pith_user_readable(path, 1))
		return -EFAULT;
	first = *path;
	if (first != '/' && first && dirfd != AT_FDCWD)
		return pith_fd_get(dirfd) ? -ENOTDIR : -EBADF;
	return open_path(path, flags);
}
