/* fcntl, ioctl and fstat on any fd: the generic parts here, the rest through the file's ops. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "core/core.h"
#include "fd/internal.h"
#include "syscall/syscall.h"
#include "time/time.h"

/* The status flags F_SETFL may change (Linux's SETFL_MASK); the others are ignored. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

size_t pith_synth_size(const struct pith_file *f) __attribute__((weak));

static long dupfd(struct pith_file *f, unsigned long min, bool cloexec)
{
	if (min >= PITH_FD_MAX)
		return -EINVAL; /* Linux: at or above RLIMIT_NOFILE */
	return pith_fd_install(f, (int)min, cloexec);
}

PITH_SYSCALL3(fcntl, int, fd, int, cmd, unsigned long, arg)
{
	struct pith_file *f = pith_fd_get(fd);

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
		return dupfd(f, arg, false);
	case F_DUPFD_CLOEXEC:
		return dupfd(f, arg, true);
	case F_GETFD:
		return pith_fd_cloexec(fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		pith_fd_set_cloexec(fd, arg & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~SETFL_MASK) | ((unsigned)arg & SETFL_MASK);
		return 0;
	default:
		return -EINVAL;
	}
}

/* FIONBIO and FIOASYNC take an int flag from user memory. */
static long int_arg(const void *arg, int *v)
{
	const int *p = arg;

	if (!pith_user_readable(p, sizeof(*p)))
		return -EFAULT;
	*v = *p;
	return 0;
}

/*
 * The ioctls Linux handles for any file (FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC) are answered
 * here; the rest go to the file's ioctl (FIONREAD on pipes and sockets), or fail with ENOTTY as
 * Linux answers for a file without them (the console is not a terminal: TIOCGWINSZ is ENOTTY).
 * FIOASYNC is accepted and ignored: there are no signals yet.
 */
PITH_SYSCALL3(ioctl, int, fd, unsigned long, request, void *, arg)
{
	struct pith_file *f = pith_fd_get(fd);
	int v;

	if (!f)
		return -EBADF;
	switch (request) {
	case FIOCLEX:
	case FIONCLEX:
		pith_fd_set_cloexec(fd, request == FIOCLEX);
		return 0;
	case FIONBIO:
		if (int_arg(arg, &v))
			return -EFAULT;
		f->flags = v ? f->flags | O_NONBLOCK : f->flags & ~(unsigned)O_NONBLOCK;
		return 0;
	case FIOASYNC:
		return int_arg(arg, &v);
	default:
		return f->ops->ioctl ? f->ops->ioctl(f, request, (unsigned long)arg) : -ENOTTY;
	}
}

/* Permission bits as Linux shows them for each kind of file. */
static unsigned mode_bits(unsigned type)
{
	switch (type) {
	case S_IFSOCK:
		return 0777;
	case S_IFCHR:
		return 0620; /* a terminal's */
	case S_IFREG:
		return 0444; /* synthesized files are read-only */
	default:
		return 0600; /* pipes, and anonymous inodes (eventfd, epoll) with no type */
	}
}

static void fill_stat(struct stat *st, const struct pith_file *f)
{
	uint64_t now = pith_time_realtime_ns();

	memset(st, 0, sizeof(*st));
	st->st_dev = 0xd;
	st->st_ino = (ino_t)((uintptr_t)f >> 4); /* unique while the file is open */
	st->st_mode = f->ops->mode | mode_bits(f->ops->mode);
	st->st_nlink = 1;
	st->st_blksize = 4096;
	if (pith_synth_size && f->ops->mode == S_IFREG) {
		st->st_size = (off_t)pith_synth_size(f);
		st->st_blocks = (st->st_size + 511) / 512;
	}
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)(now / 1000000000);
	st->st_atim.tv_nsec = st->st_mtim.tv_nsec = st->st_ctim.tv_nsec = (long)(now % 1000000000);
}

PITH_SYSCALL2(fstat, int, fd, struct stat *, st)
{
	struct pith_file *f = pith_fd_get(fd);

	if (!f)
		return -EBADF;
	if (!pith_user_writable(st, sizeof(*st)))
		return -EFAULT;
	fill_stat(st, f);
	return 0;
}
