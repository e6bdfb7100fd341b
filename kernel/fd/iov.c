/* iovec helpers: Linux's import_iovec checks, and copies between kernel buffers and iovecs. */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "console/console.h"
#include "core/core.h"
#include "fd/fd.h"

/* A piece's length once the transfer is capped at PITH_MAX_RW_COUNT, total bytes before it. */
static size_t iov_clamp(const struct iovec *v, size_t total)
{
	size_t room = (size_t)PITH_MAX_RW_COUNT - total;

	return v->iov_len < room ? v->iov_len : room;
}

/*
 * As Linux's import_iovec: the array must be readable, every length non-negative (-EINVAL
 * first), every piece, clamped so that the total stays within PITH_MAX_RW_COUNT, must pass
 * access_ok (-EFAULT). Whether the pieces are mapped is the caller's next check.
 */
long pith_iov_import(const struct iovec *iov, int iovcnt, bool write_side)
{
	size_t total = 0;

	(void)write_side;
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

/* Copies n bytes between buf and the iovecs after skipping `skip` of their bytes. */
static size_t iov_copy(const struct iovec *iov, int iovcnt, size_t skip, char *buf, size_t n,
		       bool to_iov)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < n; i++) {
		size_t len = iov[i].iov_len;
		char *at;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		at = (char *)iov[i].iov_base + skip;
		len -= skip;
		len = len < n - done ? len : n - done;
		if (to_iov)
			memcpy(at, buf + done, len);
		else
			memcpy(buf + done, at, len);
		done += len;
		skip = 0;
	}
	return done;
}

size_t pith_iov_to(const struct iovec *iov, int iovcnt, size_t skip, const void *src, size_t n)
{
	return iov_copy(iov, iovcnt, skip, (char *)(uintptr_t)src, n, true);
}

size_t pith_iov_from(const struct iovec *iov, int iovcnt, size_t skip, void *dst, size_t n)
{
	return iov_copy(iov, iovcnt, skip, dst, n, false);
}
