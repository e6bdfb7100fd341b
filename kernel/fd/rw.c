/* read/write and their vector and positioned forms on any fd; lseek; the generic transfer. */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "console/console.h"
#include "core/core.h"
#include "fd/internal.h"
#include "syscall/syscall.h"

/*
 * Whether every byte of the first `total` bytes of the iovecs is mapped (readable for a write,
 * writable for a read). Faults: the kernel checks every byte it is about to transfer before it
 * moves any: an unmapped byte anywhere gives -EFAULT and nothing is transferred, as Linux does
 * when the fault lies in the first chunk (Linux would transfer the chunks before a later fault).
 */
static bool iov_mapped(const struct iovec *iov, size_t total, bool write_side)
{
	size_t done = 0;

	for (int i = 0; done < total; i++) {
		size_t left = total - done, len = iov[i].iov_len < left ? iov[i].iov_len : left;

		if (write_side ? !pith_user_readable(iov[i].iov_base, len)
			       : !pith_user_writable(iov[i].iov_base, len))
			return false;
		done += len;
	}
	return true;
}

/* Runs the operation; in blocking mode waits (up to SO_RCVTIMEO/SO_SNDTIMEO) while -EAGAIN. */
static long file_transfer(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			  bool write_side)
{
	long (*op)(struct pith_file *, const struct iovec *, int, size_t) =
	    write_side ? f->ops->writev : f->ops->readv;
	uint64_t timeout = write_side ? f->snd_timeout_ns : f->rcv_timeout_ns;

	if (!op)
		return write_side ? -EINVAL : 0; /* a NULL readv is always at end of file */
	if (!iov_mapped(iov, total, write_side))
		return -EFAULT;
	for (;;) {
		long n = op(f, iov, iovcnt, total), err;

		if (n == -EPIPE && write_side)
			pith_raise_sigpipe(); /* write(2): a pipe or socket with no reader */
		if (n != -EAGAIN || (f->flags & O_NONBLOCK))
			return n;
		err = pith_file_wait(f, write_side ? EPOLLOUT : EPOLLIN, timeout);
		if (err == -EINTR) /* nothing moved: restarted with SA_RESTART, unless a socket
				      timeout is set (signal(7)) */
			return timeout ? -EINTR : -PITH_ERESTARTSYS;
		if (err)
			return -EAGAIN;
	}
}

long pith_fd_transfer(int fd, const struct iovec *iov, int iovcnt, bool write_side)
{
	struct pith_file *f = pith_fd_for(fd, write_side);
	long total;

	if (!f)
		return -EBADF;
	total = pith_iov_import(iov, iovcnt, write_side);
	if (total < 0)
		return total;
	return file_transfer(f, iov, iovcnt, (size_t)total, write_side);
}

/* read/write: access_ok on the whole count first (as Linux), then capped at MAX_RW_COUNT. */
static long rw_one(int fd, void *buf, size_t count, bool write_side)
{
	struct pith_file *f = pith_fd_for(fd, write_side);
	struct iovec iov = {buf, count < PITH_MAX_RW_COUNT ? count : (size_t)PITH_MAX_RW_COUNT};

	if (!f)
		return -EBADF;
	if (!pith_user_access_ok(buf, count))
		return -EFAULT;
	return file_transfer(f, &iov, 1, iov.iov_len, write_side);
}

PITH_SYSCALL3(read, int, fd, void *, buf, size_t, count)
{
	return rw_one(fd, buf, count, false);
}

PITH_SYSCALL3(write, int, fd, const void *, buf, size_t, count)
{
	return rw_one(fd, (void *)buf, count, true);
}

PITH_SYSCALL3(readv, int, fd, const struct iovec *, iov, int, iovcnt)
{
	return pith_fd_transfer(fd, iov, iovcnt, false);
}

PITH_SYSCALL3(writev, int, fd, const struct iovec *, iov, int, iovcnt)
{
	return pith_fd_transfer(fd, iov, iovcnt, true);
}

/*
 * The file for a positioned transfer, in Linux's order of checks: a negative offset (-EINVAL),
 * no such fd (-EBADF), no positioned operation (-ESPIPE; a character device without one, the
 * console or /dev/null, ignores the offset as a terminal does), the access mode (-EBADF).
 */
static long positioned_file(int fd, long offset, bool write_side, struct pith_file **out)
{
	struct pith_file *f = pith_fd_get(fd);

	if (offset < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (!(write_side ? f->ops->pwritev : f->ops->preadv) && f->ops->mode != S_IFCHR)
		return -ESPIPE;
	*out = pith_fd_for(fd, write_side);
	return *out ? 0 : -EBADF;
}

/* Transfers the first total bytes of the (imported) iovecs at offset. */
static long positioned(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		       long offset, bool write_side)
{
	long (*op)(struct pith_file *, const struct iovec *, int, size_t, uint64_t) =
	    write_side ? f->ops->pwritev : f->ops->preadv;

	if (!op)
		return file_transfer(f, iov, iovcnt, total, write_side);
	if (!iov_mapped(iov, total, write_side))
		return -EFAULT;
	return op(f, iov, iovcnt, total, (uint64_t)offset);
}

/* pread/pwrite: access_ok on the whole count (as Linux), then capped at MAX_RW_COUNT. */
static long positioned_one(int fd, void *buf, size_t count, long offset, bool write_side)
{
	struct iovec iov = {buf, count < PITH_MAX_RW_COUNT ? count : (size_t)PITH_MAX_RW_COUNT};
	struct pith_file *f;
	long err = positioned_file(fd, offset, write_side, &f);

	if (err)
		return err;
	if (!pith_user_access_ok(buf, count))
		return -EFAULT;
	return positioned(f, &iov, 1, iov.iov_len, offset, write_side);
}

static long positioned_vec(int fd, const struct iovec *iov, int iovcnt, long offset,
			   bool write_side)
{
	struct pith_file *f;
	long total = positioned_file(fd, offset, write_side, &f);

	if (!total)
		total = pith_iov_import(iov, iovcnt, write_side);
	if (total < 0)
		return total;
	return positioned(f, iov, iovcnt, (size_t)total, offset, write_side);
}

PITH_SYSCALL4(pread64, int, fd, void *, buf, size_t, count, long, offset)
{
	return positioned_one(fd, buf, count, offset, false);
}

PITH_SYSCALL4(pwrite64, int, fd, const void *, buf, size_t, count, long, offset)
{
	return positioned_one(fd, (void *)buf, count, offset, true);
}

/* x86_64 passes the whole offset in pos_l (musl adds pos_h = offset >> 32, unused here). */
PITH_SYSCALL4(preadv, int, fd, const struct iovec *, iov, int, iovcnt, long, offset)
{
	return positioned_vec(fd, iov, iovcnt, offset, false);
}

PITH_SYSCALL4(pwritev, int, fd, const struct iovec *, iov, int, iovcnt, long, offset)
{
	return positioned_vec(fd, iov, iovcnt, offset, true);
}

/* Seekable files move their position; pipes, sockets and the console are -ESPIPE. */
PITH_SYSCALL3(lseek, int, fd, long, offset, int, whence)
{
	struct pith_file *f = pith_fd_get(fd);

	if (!f)
		return -EBADF;
	return f->ops->lseek ? f->ops->lseek(f, offset, whence) : -ESPIPE;
}
