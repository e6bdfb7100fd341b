/* Host test: console writes and writev batching (hypercalls replaced by a recorder). */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "console/console.h"
#include "syscall/syscall.h"
#include "test.h"

long pith_sys_write(long a, long b, long c, long d, long e, long f);
long pith_sys_writev(long a, long b, long c, long d, long e, long f);
long pith_sys_read(long a, long b, long c, long d, long e, long f);

/* The kernel symbols rw.c uses, as the test provides them. */
uint64_t pith_user_end = UINT64_MAX;
int pith_trace_enabled;

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a, long b, long c,
			long d, long e, long f)
{
	(void)nr, (void)kinds, (void)retkind, (void)ret, (void)a, (void)b, (void)c, (void)d,
	    (void)e, (void)f;
}

int pith_console_check(int fd, int mode)
{
	return fd == 0		    ? (mode == PITH_CONSOLE_READ ? 0 : -EBADF)
	       : fd == 1 || fd == 2 ? (mode == PITH_CONSOLE_WRITE ? 0 : -EBADF)
				    : -EBADF;
}

/* Every "hypercall": how many, and the bytes they carried, in order. */
static int calls;
static char out[1 << 16];
static size_t out_len;

void pith_console_out(int fd, const void *buf, size_t len)
{
	(void)fd;
	calls++;
	memcpy(out + out_len, buf, len);
	out_len += len;
}

static void reset(void)
{
	calls = 0;
	out_len = 0;
}

static long writev_(int fd, struct iovec *iov, int n)
{
	return pith_sys_writev(fd, (long)iov, n, 0, 0, 0);
}

static void test_batching(void)
{
	static char big[10000];
	struct iovec small[3] = {{"ab", 2}, {NULL, 0}, {"cde", 3}};
	struct iovec mixed[4] = {{"x", 1}, {big, sizeof(big)}, {"y", 1}, {"z", 1}};

	reset();
	CHECK(writev_(1, small, 3) == 5 && calls == 1 && out_len == 5 && !memcmp(out, "abcde", 5));
	memset(big, 'B', sizeof(big));
	reset();
	CHECK(writev_(2, mixed, 4) == 10003);
	CHECK(calls == 3 && out_len == 10003); /* "x", big directly, then "yz" together */
	CHECK(out[0] == 'x' && out[1] == 'B' && out[10000] == 'B' && !memcmp(out + 10001, "yz", 2));
	reset();
	CHECK(writev_(1, mixed + 1, 1) == 10000 && calls == 1); /* one iovec: no copy, one call */
}

static void test_errors(void)
{
	struct iovec iov[1] = {{"a", 1}};
	struct iovec bad_len[1] = {{"a", (size_t)-1}};

	reset();
	CHECK(writev_(0, iov, 1) == -EBADF && writev_(5, iov, 1) == -EBADF);
	CHECK(writev_(1, iov, -1) == -EINVAL && writev_(1, iov, 1025) == -EINVAL);
	CHECK(writev_(1, bad_len, 1) == -EINVAL);
	CHECK(writev_(1, NULL, 1) == -EFAULT && writev_(1, iov, 0) == 0 &&
	      writev_(1, NULL, 0) == 0);
	CHECK(pith_sys_write(1, 0, 3, 0, 0, 0) == -EFAULT);
	CHECK(pith_sys_write(1, (long)"", 0, 0, 0, 0) == 0);
	CHECK(pith_sys_read(0, (long)out, 10, 0, 0, 0) == 0);
	CHECK(pith_sys_read(1, (long)out, 10, 0, 0, 0) == -EBADF);
	CHECK(calls == 0);
}

int main(void)
{
	test_batching();
	test_errors();
	return test__done();
}
