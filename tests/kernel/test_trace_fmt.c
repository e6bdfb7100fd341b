/* Host test: strace-style trace lines (arguments by kind, results, errors, truncation). */
#include <errno.h>
#include <string.h>

#include "syscall/syscall.h"
#include "syscall/trace_fmt.h"
#include "test.h"

static const char *line(const char *name, long nr, int nargs, unsigned kinds, int retkind, long ret,
			const long *args)
{
	static char buf[256];

	pith_trace_format(buf, sizeof(buf), nr, name, nargs, kinds, retkind, ret, args);
	return buf;
}

static void test_lines(void)
{
	const long rd[6] = {0, 0x7ffc1000, 4096};
	const long mm[6] = {0, 8192, 3, 0x22, -1, 0};
	const unsigned rd_kinds = PITH_K(0, int) | PITH_K(1, void *) | PITH_K(2, size_t);
	const unsigned mm_kinds = PITH_K(0, void *) | PITH_K(1, size_t) | PITH_K(2, int) |
				  PITH_K(3, int) | PITH_K(4, int) | PITH_K(5, long);
	const long ex[6] = {3};

	CHECK_STR(line("read", 0, 3, rd_kinds, PITH_RET_INT, 0, rd),
		  "read(0, 0x7ffc1000, 4096) = 0\n");
	CHECK_STR(line("read", 0, 3, rd_kinds, PITH_RET_INT, -EBADF, rd),
		  "read(0, 0x7ffc1000, 4096) = -1 EBADF (Bad file descriptor)\n");
	CHECK_STR(line("mmap", 9, 6, mm_kinds, PITH_RET_ADDR, 0x3fffe000, mm),
		  "mmap(NULL, 8192, 3, 34, -1, 0) = 0x3fffe000\n");
	CHECK_STR(line("mmap", 9, 6, mm_kinds, PITH_RET_ADDR, -ENOMEM, mm),
		  "mmap(NULL, 8192, 3, 34, -1, 0) = -1 ENOMEM (Cannot allocate memory)\n");
	CHECK_STR(line("exit_group", 231, 1, PITH_K(0, int), PITH_RET_NONE, 0, ex),
		  "exit_group(3) = ?\n");
	CHECK_STR(line("getpid", 39, 0, 0, PITH_RET_INT, 1, ex), "getpid() = 1\n");
	CHECK_STR(line(NULL, 456, 6, 0xfff, PITH_RET_INT, -ENOSYS, mm),
		  "syscall_456(0, 0x2000, 0x3, 0x22, 0xffffffffffffffff, 0) = -1 ENOSYS "
		  "(Function not implemented)\n");
	CHECK_STR(line("x", 1, 0, 0, PITH_RET_INT, -4000, ex), "x() = -1 errno 4000\n");
	CHECK_STR(line("x", 1, 0, 0, PITH_RET_INT, -4096, ex), "x() = -4096\n");
	CHECK_STR(line("x", 1, 1, PITH_K(0, unsigned long), PITH_RET_INT, 0, (const long[]){-1}),
		  "x(18446744073709551615) = 0\n");
}

static void test_truncation(void)
{
	char buf[16];
	const long args[6] = {123456789};
	size_t n = pith_trace_format(buf, sizeof(buf), 1, "write", 1, 0, PITH_RET_INT, 5, args);

	CHECK_U64(n, 15);
	CHECK_STR(buf, "write(12345678\n");
	CHECK_U64(pith_trace_format(buf, 0, 1, "write", 1, 0, PITH_RET_INT, 5, args), 0);
}

static void test_errno_table(void)
{
	CHECK_STR(pith_errno_name(ENOENT), "ENOENT");
	CHECK_STR(pith_errno_msg(ENOTTY), "Inappropriate ioctl for device");
	CHECK(pith_errno_name(0) == NULL && pith_errno_name(-1) == NULL);
	CHECK(pith_errno_name(4000) == NULL && pith_errno_name(41) == NULL);
}

int main(void)
{
	test_lines();
	test_truncation();
	test_errno_table();
	return test__done();
}
