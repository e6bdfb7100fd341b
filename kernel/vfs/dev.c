/* The device files: /dev/null, zero, full, random, urandom, stdin, stdout, stderr. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mem/mem.h"
#include "random/random.h"
#include "vfs/internal.h"

#define STDIO_MAJOR (PITH_VFS_SYNTH_MAJOR + 1) /* Pith-local: minor = the fd */

/* Fills the first total bytes of the iovecs with zeros or random bytes. */
static long fill(const struct iovec *iov, int iovcnt, size_t total, bool random)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < total; i++) {
		size_t len = iov[i].iov_len < total - done ? iov[i].iov_len : total - done;

		if (random)
			pith_random_bytes(iov[i].iov_base, len);
		else
			memset(iov[i].iov_base, 0, len);
		done += len;
	}
	return (long)done;
}

static long zero_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	(void)f;
	return fill(iov, iovcnt, total, false);
}

static long random_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	(void)f;
	return fill(iov, iovcnt, total, true);
}

/* Writes to null, zero and the random devices are accepted and dropped. */
static long sink_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	(void)f, (void)iov, (void)iovcnt;
	return (long)total;
}

static long full_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	(void)f, (void)iov, (void)iovcnt, (void)total;
	return -ENOSPC;
}

/* As Linux's null_lseek and the others: the position stays 0. */
static long dev_lseek(struct pith_file *f, int64_t off, int whence)
{
	(void)f, (void)off, (void)whence;
	return 0;
}

static long dev_stat(struct pith_file *f, struct stat *st)
{
	pith_vfs_stat(f->priv, st);
	return 0;
}

static void dev_release(struct pith_file *f)
{
	pith_vnode_put(f->priv);
}

#define DEV_OPS(name_, readv_, writev_)                                                            \
	{                                                                                          \
		.name = name_, .readv = readv_, .writev = writev_, .release = dev_release,         \
		.mode = S_IFCHR, .lseek = dev_lseek, .stat = dev_stat,                             \
	}

static const struct pith_file_ops null_ops = DEV_OPS("null", NULL, sink_writev);
static const struct pith_file_ops zero_ops = DEV_OPS("zero", zero_readv, sink_writev);
static const struct pith_file_ops full_ops = DEV_OPS("full", zero_readv, full_writev);
static const struct pith_file_ops random_ops = DEV_OPS("random", random_readv, sink_writev);

/* Linux's numbers (devices.txt: major 1, memory devices). */
static const struct {
	const char *path;
	unsigned minor;
	const struct pith_file_ops *ops;
} mem_devs[] = {
    {"/dev/null", 3, &null_ops},     {"/dev/zero", 5, &zero_ops},      {"/dev/full", 7, &full_ops},
    {"/dev/random", 8, &random_ops}, {"/dev/urandom", 9, &random_ops},
};

static const char *const stdio_paths[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};

/* One device node; a non-directory where /dev should be is left alone. */
static int make_dev(const char *path, uint32_t mode, unsigned maj, unsigned min)
{
	int err = pith_vfs_create_at(path, S_IFCHR | mode, makedev(maj, min), NULL);

	return err == -ENOTDIR ? 0 : err;
}

int pith_vfs_dev_boot(void)
{
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(mem_devs) / sizeof(mem_devs[0]); i++)
		err = make_dev(mem_devs[i].path, 0666, 1, mem_devs[i].minor);
	for (unsigned i = 0; !err && i < 3; i++)
		err = make_dev(stdio_paths[i], 0620, STDIO_MAJOR, i);
	return err;
}

/* /dev/stdin, stdout, stderr: the file of fd 0, 1 or 2 itself (-ENXIO if it is closed). */
static long stdio_open(unsigned fd, struct pith_file **out)
{
	struct pith_file *f = pith_fd_get((int)fd);

	if (fd > 2 || !f)
		return -ENXIO;
	pith_file_get(f);
	*out = f;
	return 0;
}

long pith_vfs_dev_open(struct pith_vnode *vn, int flags, struct pith_file **out)
{
	unsigned maj = major(vn->rdev), min = minor(vn->rdev);

	if (maj == STDIO_MAJOR)
		return stdio_open(min, out);
	for (size_t i = 0; maj == 1 && i < sizeof(mem_devs) / sizeof(mem_devs[0]); i++) {
		if (mem_devs[i].minor != min)
			continue;
		*out = pith_file_new(mem_devs[i].ops, vn, pith_vfs_file_flags(flags));
		if (!*out)
			return -ENOMEM;
		pith_vnode_hold(vn);
		return 0;
	}
	return -ENXIO; /* no driver for that device number, as Linux */
}
