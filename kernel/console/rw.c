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

static long console_write(int fd, const void *buf, size_t count)
{
	int err = pith_console_check(fd, PITH_CONSOLE_WRITE);

	if (err)
		return err;
	if (count == 0)
		return 0;
	if (count > PITH_MAX_RW_COUNT)
		count = PITH_MAX_RW_COUNT;
	if (!pith_user_readable(buf, count))
		return -EFAULT;
	pith_console_out(fd, buf, count);
	return (long)count;
}

/* stdin is an empty input: every read is at end of file. */
static long console_read(int fd)
{
	return pith_console_check(fd, PITH_CONSOLE_READ);
}

/* Checks an iovec array as Linux does; returns the total length (capped) or -errno. */
static long iov_total(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	if (iovcnt < 0 || iovcnt > PITH_IOV_MAX)
		return -EINVAL;
	if (iovcnt && !pith_user_readable(iov, (size_t)iovcnt * sizeof(*iov)))
		return -EFAULT;
	for (int i = 0; i < iovcnt; i++) {
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
		if (iov[i].iov_len > (size_t)PITH_MAX_RW_COUNT - total)
			return (long)PITH_MAX_RW_COUNT; /* Linux truncates the transfer */
		if (iov[i].iov_len && !pith_user_readable(iov[i].iov_base, iov[i].iov_len))
			return -EFAULT; /* an empty iovec's base is never looked at */
		total += iov[i].iov_len;
	}
	return (long)total;
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
	(void)buf;
	(void)count;
	return console_read(fd);
}

PITH_SYSCALL3(write, int, fd, const void *, buf, size_t, count)
{
	return console_write(fd, buf, count);
}

PITH_SYSCALL4(pread64, int, fd, void *, buf, size_t, count, long, offset)
{
	(void)buf;
	(void)count;
	long err = console_read(fd);

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
	long err = console_read(fd);
	long total = err ? err : iov_total(iov, iovcnt);

	return total < 0 ? total : 0;
}

PITH_SYSCALL3(writev, int, fd, const struct iovec *, iov, int, iovcnt)
{
	long err = pith_console_check(fd, PITH_CONSOLE_WRITE);
	long total = err ? err : iov_total(iov, iovcnt);

	if (total > 0)
		write_gathered(fd, iov, (size_t)total);
	return total;
}
