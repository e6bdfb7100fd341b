/* Host unit test of Pith's musl syscall layer: syscall_arch.h, __syscall_cp_asm and syscall(). */
/*
 * Built and run on the host by tests/toolchain/run.sh with -I musl -I kernel/syscall and linked
 * with syscall_cp.o and syscall.o taken from Pith's libc.a. Every kernel entry point is defined
 * here as a recorder: the test checks which one each path calls and with which arguments.
 */
#include <stdio.h>
#include <string.h>

#include "syscall_arch.h"

#define NO_CALL "(none)"

static const char *called = NO_CALL; /* kernel function last called */
static long args[7];		     /* its arguments (syscall number first for dispatchers) */
static int passed, failed;

static long record(const char *name, long n, long a, long b, long c, long d, long e, long f)
{
	long v[7] = {n, a, b, c, d, e, f};

	called = name;
	memcpy(args, v, sizeof args);
	return 42;
}

#define PITH_SYSCALL_DEF(nr, name, nargs, comp, link)                                              \
	long pith_sys_##name(long a, long b, long c, long d, long e, long f)                       \
	{                                                                                          \
		return record("pith_sys_" #name, nr, a, b, c, d, e, f);                            \
	}
#include "syscalls.def"
#undef PITH_SYSCALL_DEF

long pith_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	return record("pith_syscall", n, a, b, c, d, e, f);
}

long pith_syscall_any(long n, long a, long b, long c, long d, long e, long f)
{
	return record("pith_syscall_any", n, a, b, c, d, e, f);
}

/* musl's internals that the objects under test call. */
long __cancel(void)
{
	return record("__cancel", 0, 0, 0, 0, 0, 0, 0);
}

long __syscall_ret(unsigned long r)
{
	return (long)r + 1000;
}

long __syscall_cp_asm(volatile int *cancel, long nr, long u, long v, long w, long x, long y,
		      long z);
long syscall(long n, ...);

static void expect(int ok, const char *what)
{
	if (ok) {
		passed++;
		printf("PASS: %s\n", what);
	} else {
		failed++;
		printf("FAIL: %s (called %s)\n", what, called);
	}
	called = NO_CALL;
}

static int got(const char *name, long n, long a, long b, long c, long d, long e, long f)
{
	long v[7] = {n, a, b, c, d, e, f};
	return strcmp(called, name) == 0 && memcmp(args, v, sizeof v) == 0;
}

/* Each listed syscall, called with its number as a constant, reaches its own function. */
static void test_every_listed_syscall_is_direct(void)
{
	int all = 1;

#define PITH_SYSCALL_DEF(nr, name, nargs, comp, link)                                              \
	__syscall2(nr, 7, 8);                                                                      \
	if (!got("pith_sys_" #name, nr, 7, 8, 0, 0, 0, 0)) {                                       \
		printf("    " #nr " " #name ": called %s\n", called);                              \
		all = 0;                                                                           \
	}                                                                                          \
	called = NO_CALL;
#include "syscalls.def"
#undef PITH_SYSCALL_DEF
	expect(all, "every syscall in syscalls.def with a constant number is a direct call");
}

static void test_syscall_arch(void)
{
	volatile long runtime_nr = 39;
	long r;

	r = __syscall0(39);
	expect(r == 42 && got("pith_sys_getpid", 39, 0, 0, 0, 0, 0, 0),
	       "__syscall0(getpid) calls pith_sys_getpid with zero arguments");
	__syscall3(1, 10, 20, 30);
	expect(got("pith_sys_write", 1, 10, 20, 30, 0, 0, 0),
	       "__syscall3(write) passes three arguments and zeros");
	__syscall6(9, 1, 2, 3, 4, 5, 6);
	expect(got("pith_sys_mmap", 9, 1, 2, 3, 4, 5, 6), "__syscall6(mmap) passes six arguments");
	__syscall1(runtime_nr, 5);
	expect(got("pith_syscall", 39, 5, 0, 0, 0, 0, 0),
	       "a runtime syscall number goes through pith_syscall");
	__syscall2(57, 1, 2);
	expect(got("pith_syscall", 57, 1, 2, 0, 0, 0, 0),
	       "a constant number Pith does not list goes through pith_syscall");
	test_every_listed_syscall_is_direct();
}

static void test_syscall_cp_asm(void)
{
	volatile int cancel = 0;
	long r;

	r = __syscall_cp_asm(&cancel, 0, 11, 12, 13, 14, 15, 16);
	expect(r == 42 && got("pith_syscall", 0, 11, 12, 13, 14, 15, 16),
	       "__syscall_cp_asm passes the number and six arguments to pith_syscall");
	cancel = 1;
	__syscall_cp_asm(&cancel, 0, 11, 12, 13, 14, 15, 16);
	expect(got("__cancel", 0, 0, 0, 0, 0, 0, 0),
	       "__syscall_cp_asm with a pending cancel calls __cancel, not the syscall");
}

static void test_syscall_function(void)
{
	long r = syscall(39, 1L, 2L, 3L, 4L, 5L, 6L);

	expect(got("pith_syscall_any", 39, 1, 2, 3, 4, 5, 6),
	       "syscall() passes the number and six arguments to pith_syscall_any");
	expect(r == 1042, "syscall() returns through musl's __syscall_ret");
}

int main(void)
{
	test_syscall_arch();
	test_syscall_cp_asm();
	test_syscall_function();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
