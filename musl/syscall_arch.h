/* Pith's arch/x86_64/syscall_arch.h for musl: every syscall is a plain C call into the kernel. */
/*
 * musl's own x86_64 header issues a `syscall` instruction in each __syscallN. A Pith guest runs
 * its library OS in the same address space and privilege level as the program, so here each
 * __syscallN calls a C function instead:
 *   - a syscall number known at compile time that kernel/syscall/syscalls.def lists becomes a
 *     direct call of pith_sys_<name>(a, b, c, d, e, f): the linker pulls in only the kernel
 *     components a program can reach;
 *   - any other number (a runtime value, or one Pith does not implement) goes through the
 *     kernel's runtime dispatcher pith_syscall(n, a, b, c, d, e, f), which answers -ENOSYS for
 *     numbers it does not know.
 *   - musl's cancellation points (read, write, nanosleep, ...) call __syscall_cp, which is
 *     defined below as an inline function too, so that their constant numbers also become direct
 *     calls (see the comment there).
 * Missing arguments are passed as 0. Built with -I<repo>/kernel/syscall.
 */

/* 64-bit arguments fit one register on x86_64 (kept from musl's original header). */
#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

/* x86_64 Linux takes SysV IPC commands without the IPC_64 flag (kept from musl's header). */
#define IPC_64 0

/*
 * VDSO_USEFUL and the VDSO_*_SYM names are deliberately not defined: a Pith guest has no vDSO,
 * so clock_gettime goes straight to pith_sys_clock_gettime.
 */

#define PITH_SYSCALL_DEF(nr, name, nargs, comp, link)                                              \
	long pith_sys_##name(long, long, long, long, long, long);
#include "syscalls.def"
#undef PITH_SYSCALL_DEF

long pith_syscall(long, long, long, long, long, long, long);

/* Always inlined, so that __builtin_constant_p sees the caller's constant number. */
#define __PITH_INLINE static __inline __attribute__((__always_inline__))

/*
 * PITH_RUNTIME_SYSCALLS: set by musl/build.sh for the few musl files whose syscalls run only on
 * paths a Pith guest never takes (__libc_start_main's AT_SECURE branch, which polls fds 0-2 and
 * opens /dev/null). Their calls go through the weak dispatch table, so they link nothing.
 */
#ifdef PITH_RUNTIME_SYSCALLS
#define __PITH_DIRECT 0
#else
#define __PITH_DIRECT 1
#endif

__PITH_INLINE long __pith_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	if (__PITH_DIRECT && __builtin_constant_p(n)) {
		switch (n) {
#define PITH_SYSCALL_DEF(nr, name, nargs, comp, link)                                              \
	case nr:                                                                                   \
		return pith_sys_##name(a, b, c, d, e, f);
#include "syscalls.def"
#undef PITH_SYSCALL_DEF
		}
	}
	return pith_syscall(n, a, b, c, d, e, f);
}

__PITH_INLINE long __syscall0(long n)
{
	return __pith_syscall6(n, 0, 0, 0, 0, 0, 0);
}

__PITH_INLINE long __syscall1(long n, long a1)
{
	return __pith_syscall6(n, a1, 0, 0, 0, 0, 0);
}

__PITH_INLINE long __syscall2(long n, long a1, long a2)
{
	return __pith_syscall6(n, a1, a2, 0, 0, 0, 0);
}

__PITH_INLINE long __syscall3(long n, long a1, long a2, long a3)
{
	return __pith_syscall6(n, a1, a2, a3, 0, 0, 0);
}

__PITH_INLINE long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	return __pith_syscall6(n, a1, a2, a3, a4, 0, 0);
}

__PITH_INLINE long __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
	return __pith_syscall6(n, a1, a2, a3, a4, a5, 0);
}

__PITH_INLINE long __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return __pith_syscall6(n, a1, a2, a3, a4, a5, a6);
}

/*
 * musl's cancellation points call __syscall_cp(n, ...) with a constant n. musl declares it in
 * src/internal/syscall.h, after including this header, as an external function (defined in
 * src/thread/__syscall_cp.c) that would hide the constant: every program with one cancellation
 * point would reach the kernel's whole dispatch table. Defined here first as static inline, the
 * later declaration takes its internal linkage (C11 6.2.2p4-5), and each call folds to a direct
 * call like __syscallN. Pith replaces src/thread/__syscall_cp.c (musl/overrides) accordingly.
 * Cancellation is not checked here: Pith has no second thread that could cancel this one.
 */
__PITH_INLINE long __syscall_cp(long n, long a, long b, long c, long d, long e, long f)
{
	return __pith_syscall6(n, a, b, c, d, e, f);
}
