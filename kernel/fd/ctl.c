/* fcntl (record locks granted), flock, ioctl and fstat on any fd; the rest through the ops. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "core/core.h"
#include "fd/internal.h"
#include "syscall/syscall.h"
#include "time/time.h"

/* The status flags F_SETFL may change (Linux's SETFL_MASK); the others are ignored. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

#define LINUX_LOCK_MAND                                                                            \
	32 /* flock's obsolete "mandatory" bit (include/uapi/asm-generic/fcntl.h)                  \
	    */

/*
 * Record locks (F_GETLK, F_SETLK, F_SETLKW and the F_OFD_ ones): with one process there is
 * nobody to conflict with, so every lock is granted and F_GETLK answers F_UNLCK. The request is
 * still checked as Linux does: the struct must be readable (-EFAULT), the type and whence valid
 * (-EINVAL), an OFD lock's l_pid 0 (-EINVAL), and the file open for reading (read lock) or
 * writing (write lock) (-EBADF).
 */
static long record_lock(struct pith_file *f, int cmd, struct flock *ufl)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	unsigned mode = f->flags & O_ACCMODE;
	struct flock fl;

	if (!pith_user_readable(ufl, sizeof(fl)) || (get && !pith_user_writable(ufl, sizeof(fl))))
		return -EFAULT;
	memcpy(&fl, ufl, sizeof(fl));
	if ((fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK) ||
	    (unsigned)fl.l_whence > SEEK_END || (ofd && fl.l_pid))
		return -EINVAL;
	if (get) {
		if (fl.l_type == F_UNLCK)
			return -EINVAL; /* as Linux's fcntl_getlk */
		ufl->l_type = F_UNLCK;
		return 0;
	}
	if ((fl.l_type == F_RDLCK && mode == O_WRONLY) ||
	    (fl.l_type == F_WRLCK && mode == O_RDONLY))
		return -EBADF;
	return 0;
}

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
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return record_lock(f, cmd, (struct flock *)arg);
	default:
		return -EINVAL;
	}
}

/* flock(2): granted at once (the only process); the operation is checked as Linux does. */
PITH_SYSCALL2(flock, int, fd, unsigned, op)
{
	unsigned kind = op & ~(unsigned)LOCK_NB;

	if (!pith_fd_get(fd))
		return -EBADF;
	if (op & LINUX_LOCK_MAND)
		return 0; /* Linux ignores the obsolete LOCK_MAND (with a warning) */
	return kind == LOCK_SH || kind == LOCK_EX || kind == LOCK_UN ? 0 : -EINVAL;
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
	if (f->ops->stat)
		return f->ops->stat(f, st);
	fill_stat(st, f);
	return 0;
}
