/* read/write and their vector and positioned forms on the console fds. */
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "console/console.h"
#include "core/core.h"
#include "syscall/syscall.h"

/* Small writev pieces are gathered here so that one hypercall (~25 us) carries them all. */
#define BATCH_SIZE 4096
static char batch[BATCH_SIZE];

/*
 * Faults: a range that fails Linux's access_ok (past the user address space) is -EFAULT before
 * anything else. Otherwise the kernel checks every byte it is about to send before it sends any
 * (the monitor only ever sees checked ranges): an unmapped byte anywhere in the transfer gives
 * -EFAULT and writes nothing, as a Linux pipe or terminal does when the fault lies in its first
 * chunk. Linux would write the chunks before the fault of a larger write; Pith writes none.
 */
static long console_write(int fd, const void *buf, size_t count)
{
	int err = pith_console_check(fd, PITH_CONSOLE_WRITE);

	if (err)
		return err;
	if (!pith_user_access_ok(buf, count))
		return -EFAULT;
	if (count == 0)
		return 0;
	if (count > PITH_MAX_RW_COUNT)
		count = PITH_MAX_RW_COUNT;
	if (!pith_user_readable(buf, count))
		return -EFAULT;
	pith_console_out(fd, buf, count);
	return (long)count;
}

/* stdin is an empty input: every read is at end of file (the buffer is never touched). */
static long console_read(int fd, const void *buf, size_t count)
{
	int err = pith_console_check(fd, PITH_CONSOLE_READ);

	if (err)
		return err;
	return pith_user_access_ok(buf, count) ? 0 : -EFAULT;
}

/* A piece's length once the transfer is capped at PITH_MAX_RW_COUNT, total bytes before it. */
static size_t iov_clamp(const struct iovec *v, size_t total)
{
	size_t room = (size_t)PITH_MAX_RW_COUNT - total;

	return v->iov_len < room ? v->iov_len : room;
}

/*
 * Checks an iovec array as Linux's import_iovec does: the array must be readable, every length
 * non-negative (-EINVAL first), every piece, clamped so that the total stays within
 * PITH_MAX_RW_COUNT, must pass access_ok (-EFAULT). Returns the clamped total or -errno.
 */
static long iov_import(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	if (iovcnt < 0 || iovcnt > PITH_IOV_MAX)
		return -EINVAL;
	if (iovcnt && !pith_user_readable(iov, (size_t)iovcnt * sizeof(*iov)))
		return -EFAULT;
	for (int i = 0; i < iovcnt; i++)
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		size_t len = iov_clamp(&iov[i], total);

		if (!pith_user_access_ok(iov[i].iov_base, len))
			return -EFAULT;
		total += len;
	}
	return (long)total;
}

/* Whether every byte of the first `total` bytes of the iovecs is mapped readable. */
static bool iov_readable(const struct iovec *iov, size_t total)
{
	size_t done = 0;

	for (int i = 0; done < total; i++) {
		size_t len = iov_clamp(&iov[i], done);

		if (!pith_user_readable(iov[i].iov_base, len))
			return false;
		done += len;
	}
	return true;
}

/* Writes the first `total` bytes of the iovecs with as few hypercalls as possible. */
static void write_gathered(int fd, const struct iovec *iov, size_t total)
{
	size_t used = 0;

	for (int i = 0; total; i++) {
		size_t len = iov[i].iov_len < total ? iov[i].iov_len : total;

		total -= len;
		if (!len)
			continue;
		if (used && len > BATCH_SIZE - used) {
			pith_console_out(fd, batch, used);
			used = 0;
		}
		if (used == 0 && (len >= BATCH_SIZE || total == 0)) {
			pith_console_out(fd, iov[i].iov_base, len); /* no copy needed */
			continue;
		}
		memcpy(batch + used, iov[i].iov_base, len);
		used += len;
	}
	if (used)
		pith_console_out(fd, batch, used);
}

PITH_SYSCALL3(read, int, fd, void *, buf, size_t, count)
{
	return console_read(fd, buf, count);
}

PITH_SYSCALL3(write, int, fd, const void *, buf, size_t, count)
{
	return console_write(fd, buf, count);
}

PITH_SYSCALL4(pread64, int, fd, void *, buf, size_t, count, long, offset)
{
	long err = console_read(fd, buf, count);

	return err ? err : offset < 0 ? -EINVAL : 0;
}

PITH_SYSCALL4(pwrite64, int, fd, const void *, buf, size_t, count, long, offset)
{
	long err = pith_console_check(fd, PITH_CONSOLE_WRITE);

	if (err)
		return err;
	if (offset < 0)
		return -EINVAL;
	return console_write(fd, buf, count);
}

PITH_SYSCALL3(readv, int, fd, const struct iovec *, iov, int, iovcnt)
{
	long err = pith_console_check(fd, PITH_CONSOLE_READ);
	long total = err ? err : iov_import(iov, iovcnt);

	return total < 0 ? total : 0;
}

PITH_SYSCALL3(writev, int, fd, const struct iovec *, iov, int, iovcnt)
{
	long err = pith_console_check(fd, PITH_CONSOLE_WRITE);
	long total = err ? err : iov_import(iov, iovcnt);

	if (total <= 0)
		return total;
	if (!iov_readable(iov, (size_t)total))
		return -EFAULT;
	write_gathered(fd, iov, (size_t)total);
	return total;
}
