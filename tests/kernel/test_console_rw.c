/* Host test: console fds through the fd layer, writev batching (hypercalls recorded). */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "console/console.h"
#include "fd/internal.h"
#include "syscall/syscall.h"
#include "test.h"

long pith_sys_write(long a, long b, long c, long d, long e, long f);
long pith_sys_writev(long a, long b, long c, long d, long e, long f);
long pith_sys_read(long a, long b, long c, long d, long e, long f);
long pith_sys_readv(long a, long b, long c, long d, long e, long f);
long pith_sys_close(long a, long b, long c, long d, long e, long f);
long pith_sys_dup(long a, long b, long c, long d, long e, long f);
long pith_sys_dup2(long a, long b, long c, long d, long e, long f);

/* "Unmapped" memory: the first page and this array; everything else counts as mapped. */
static char hole[4096];

static bool mapped(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, h = (uintptr_t)hole;

	if (!len)
		return true;
	return a >= 4096 && a + len >= a && !(a < h + sizeof(hole) && h < a + len);
}

bool pith_user_readable(const void *p, size_t len)
{
	return mapped(p, len);
}

bool pith_user_writable(const void *p, size_t len)
{
	return mapped(p, len);
}

/* Every "hypercall": how many, and the bytes they carried, in order. */
static int calls;
static char out[1 << 16];
static size_t out_len;

void pith_console_out(int fd, const void *buf, size_t len)
{
	(void)fd;
	calls++;
	if (len <= sizeof(out) - out_len)
		memcpy(out + out_len, buf, len); /* huge writes are counted, not copied */
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

/* Bad iov_base pieces: EFAULT before any hypercall, never an unchecked pointer sent on. */
static void test_bad_pieces(void)
{
	char *kernel = (char *)0xffff800000000000UL;
	struct iovec huge[2] = {{"hi\n", 3}, {NULL, 1UL << 62}};
	struct iovec null1[2] = {{"hi\n", 3}, {NULL, 1}};
	struct iovec in_hole[2] = {{"hi\n", 3}, {hole + 100, 1UL << 40}};
	struct iovec ends_in_hole[2] = {{"hi\n", 3}, {hole - 5, 10}};
	struct iovec kernel0[2] = {{"ab", 2}, {kernel, 0}};
	struct iovec neg[3] = {{"ab", 2}, {kernel, 0}, {"c", (size_t)-1}};

	reset();
	CHECK(writev_(1, huge, 2) == -EFAULT && writev_(1, null1, 2) == -EFAULT);
	CHECK(writev_(1, null1 + 1, 1) == -EFAULT && writev_(1, in_hole, 2) == -EFAULT);
	CHECK(writev_(1, ends_in_hole, 2) == -EFAULT && writev_(1, kernel0, 2) == -EFAULT);
	CHECK(writev_(1, neg, 3) == -EINVAL); /* lengths are checked before addresses */
	CHECK(pith_sys_write(1, (long)hole, 1, 0, 0, 0) == -EFAULT);
	CHECK(pith_sys_write(1, (long)(hole - 1), 2, 0, 0, 0) == -EFAULT);
	CHECK(pith_sys_write(1, 4096, 1L << 62, 0, 0, 0) == -EFAULT); /* past TASK_SIZE */
	CHECK(calls == 0);
	/* readv at end of file copies nothing: only the lengths and access_ok count */
	CHECK(pith_sys_readv(0, (long)null1, 2, 0, 0, 0) == 0);
	CHECK(pith_sys_readv(0, (long)huge, 2, 0, 0, 0) == 0); /* clamped: NULL + MAX is fine */
	CHECK(pith_sys_readv(0, (long)kernel0, 2, 0, 0, 0) == -EFAULT);
	CHECK(pith_sys_readv(0, (long)neg, 3, 0, 0, 0) == -EINVAL);
	CHECK(pith_sys_read(0, 0, 5, 0, 0, 0) == 0 &&
	      pith_sys_read(0, 0, 1L << 62, 0, 0, 0) == -EFAULT);
}

/* The transfer is capped at PITH_MAX_RW_COUNT: later pieces are clamped, even to nothing. */
static void test_clamp(void)
{
	static char src[16] = "0123456789abcdef";
	char *kernel = (char *)0xffff800000000000UL, *far = (char *)(1UL << 40); /* never read */
	struct iovec big[3] = {{src, 16}, {far, (size_t)PITH_MAX_RW_COUNT}, {kernel, 0}};
	struct iovec after[3] = {{src, 16}, {far, (size_t)PITH_MAX_RW_COUNT}, {hole, 5}};

	reset();
	CHECK(writev_(1, after, 3) == PITH_MAX_RW_COUNT && out_len == PITH_MAX_RW_COUNT);
	CHECK(writev_(1, big, 3) == -EFAULT); /* access_ok still applies to a clamped piece */
	reset();
	CHECK(pith_sys_write(2, (long)far, 1L << 40, 0, 0, 0) == PITH_MAX_RW_COUNT && calls == 1);
}

/* The console files live in the fd table: dup, close and dup2 move them like any file. */
static void test_fds(void)
{
	reset();
	CHECK(pith_sys_dup(1, 0, 0, 0, 0, 0) == 3);
	CHECK(pith_sys_write(3, (long)"x", 1, 0, 0, 0) == 1 && calls == 1 && out[0] == 'x');
	CHECK(pith_sys_close(1, 0, 0, 0, 0, 0) == 0);
	CHECK(pith_sys_write(1, (long)"x", 1, 0, 0, 0) == -EBADF && calls == 1);
	CHECK(pith_sys_close(1, 0, 0, 0, 0, 0) == -EBADF);
	CHECK(pith_sys_dup2(3, 1, 0, 0, 0, 0) == 1 && pith_sys_close(3, 0, 0, 0, 0, 0) == 0);
	CHECK(pith_sys_write(1, (long)"yz", 2, 0, 0, 0) == 2 && calls == 2 && out[2] == 'z');
	CHECK(pith_sys_read(3, (long)out, 1, 0, 0, 0) == -EBADF);
}

int main(void)
{
	pith_fd_init();
	test_batching();
	test_errors();
	test_bad_pieces();
	test_clamp();
	test_fds();
	return test__done();
}
