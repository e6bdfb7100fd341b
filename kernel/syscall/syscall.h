/* The syscall component's interface: the PITH_SYSCALLn definition macros, tracing, dispatch. */
#ifndef PITH_SYSCALL_H
#define PITH_SYSCALL_H

#include <stdint.h>

#include <pith/abi.h>

#include "core/kstate.h"

/* pith_sys_<name>_nr and pith_sys_<name>_nargs, from the one list. */
#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) pith_sys_##name##_nr = nr,
enum {
#include "syscall/syscalls.def"
};
#undef PITH_SYSCALL_DEF
#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) pith_sys_##name##_nargs = nargs,
enum {
#include "syscall/syscalls.def"
};
#undef PITH_SYSCALL_DEF

/* How the tracer prints an argument (2 bits each, argument i at bits 2i..2i+1). */
#define PITH_ARG_SIGNED	  0
#define PITH_ARG_UNSIGNED 1
#define PITH_ARG_POINTER  2 /* hex, NULL for 0 */
#define PITH_ARG_HEX	  3

/* How the tracer prints the result. */
#define PITH_RET_INT  0 /* decimal, or -1 ENAME (message) for -4095..-1 */
#define PITH_RET_ADDR 1 /* hex, or the error as above */
#define PITH_RET_NONE 2 /* the call does not return: traced before it runs, "= ?" */

/* clang-format off */
#define PITH_ARG_KIND(type)                                                                        \
	_Generic((type)0, char: PITH_ARG_SIGNED, signed char: PITH_ARG_SIGNED,                      \
		 short: PITH_ARG_SIGNED, int: PITH_ARG_SIGNED, long: PITH_ARG_SIGNED,              \
		 long long: PITH_ARG_SIGNED, _Bool: PITH_ARG_UNSIGNED,                             \
		 unsigned char: PITH_ARG_UNSIGNED, unsigned short: PITH_ARG_UNSIGNED,              \
		 unsigned int: PITH_ARG_UNSIGNED, unsigned long: PITH_ARG_UNSIGNED,                \
		 unsigned long long: PITH_ARG_UNSIGNED, default: PITH_ARG_POINTER)
/* clang-format on */

#define PITH_K(i, type) (PITH_ARG_KIND(type) << (2 * (i)))

/* Set at boot from PITH_BOOT_TRACE; the untraced path tests only this. */
extern int pith_trace_enabled;

/*
 * Print one strace-style line for syscall nr to stderr (through the console hypercall). The
 * arguments come by value, and only those the syscall takes (the rest 0), so the untraced path
 * keeps no more of them alive than its body does.
 */
__attribute__((cold)) void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a,
					      long b, long c, long d, long e, long f);

/* -ENOSYS for a syscall the image does not have (traced as such when tracing is on). */
long pith_syscall_enosys(long nr, long a, long b, long c, long d, long e, long f);

/* The runtime dispatcher (musl's __syscallN with a non-constant number, the compat entry). */
long pith_syscall(long nr, long a, long b, long c, long d, long e, long f);

/* musl's syscall(2): like pith_syscall, but links every syscall Pith has. */
long pith_syscall_any(long nr, long a, long b, long c, long d, long e, long f);

/* Called by core at boot. */
void pith_syscall_init(const struct pith_boot_info *bi);

/*
 * PITH_SYSCALLn(name, type1, arg1, ..., typen, argn) { body }
 * defines long pith_sys_<name>(long a, long b, long c, long d, long e, long f), which converts
 * its arguments to the given types, runs the body and traces the call when tracing is on. The
 * number of arguments must match syscalls.def (checked at compile time). PITH_SYSCALL_RETn takes
 * the result kind (PITH_RET_*) first.
 *
 * The name is pasted into pith_sys_<name> at the first macro level: libc headers define some
 * syscall names as macros (musl's `#define prlimit64 prlimit` under _GNU_SOURCE), and an
 * argument passed on unpasted would be expanded.
 */
#define PITH_SYSCALL_(fn, n, retkind, kinds, params, args, targs)                                  \
	static long fn##_impl params;                                                              \
	_Static_assert(fn##_nargs == n, #fn ": argument count differs from syscalls.def");         \
	long fn(long a, long b, long c, long d, long e, long f);                                   \
	long fn(long a, long b, long c, long d, long e, long f)                                    \
	{                                                                                          \
		long ret;                                                                          \
		(void)a, (void)b, (void)c, (void)d, (void)e, (void)f;                              \
		pith_kernel_enter();                                                               \
		if ((retkind) == PITH_RET_NONE && __builtin_expect(pith_trace_enabled, 0))         \
			pith_trace_syscall(fn##_nr, kinds, retkind, 0, targs);                     \
		do                                                                                 \
			ret = pith_kernel_leave(fn##_impl args);                                   \
		while (ret == -PITH_ERESTARTSYS);                                                  \
		if ((retkind) != PITH_RET_NONE && __builtin_expect(pith_trace_enabled, 0))         \
			pith_trace_syscall(fn##_nr, kinds, retkind, ret, targs);                   \
		return ret;                                                                        \
	}                                                                                          \
	static long fn##_impl params

#define PITH_SYSCALL0_(rk, fn) PITH_SYSCALL_(fn, 0, rk, 0, (void), (), PITH_TARGS(0, 0, 0, 0, 0, 0))
#define PITH_SYSCALL1_(rk, fn, t1, a1)                                                             \
	PITH_SYSCALL_(fn, 1, rk, PITH_K(0, t1), (t1 a1), ((t1)a),                                  \
		      PITH_TARGS((long)(t1)a, 0, 0, 0, 0, 0))
#define PITH_SYSCALL2_(rk, fn, t1, a1, t2, a2)                                                     \
	PITH_SYSCALL_(fn, 2, rk, PITH_K(0, t1) | PITH_K(1, t2), (t1 a1, t2 a2), ((t1)a, (t2)b),    \
		      PITH_TARGS((long)(t1)a, (long)(t2)b, 0, 0, 0, 0))
#define PITH_SYSCALL3_(rk, fn, t1, a1, t2, a2, t3, a3)                                             \
	PITH_SYSCALL_(fn, 3, rk, PITH_K(0, t1) | PITH_K(1, t2) | PITH_K(2, t3),                    \
		      (t1 a1, t2 a2, t3 a3), ((t1)a, (t2)b, (t3)c),                                \
		      PITH_TARGS((long)(t1)a, (long)(t2)b, (long)(t3)c, 0, 0, 0))
#define PITH_SYSCALL4_(rk, fn, t1, a1, t2, a2, t3, a3, t4, a4)                                     \
	PITH_SYSCALL_(fn, 4, rk, PITH_K(0, t1) | PITH_K(1, t2) | PITH_K(2, t3) | PITH_K(3, t4),    \
		      (t1 a1, t2 a2, t3 a3, t4 a4), ((t1)a, (t2)b, (t3)c, (t4)d),                  \
		      PITH_TARGS((long)(t1)a, (long)(t2)b, (long)(t3)c, (long)(t4)d, 0, 0))
#define PITH_SYSCALL5_(rk, fn, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)                             \
	PITH_SYSCALL_(                                                                             \
	    fn, 5, rk,                                                                             \
	    PITH_K(0, t1) | PITH_K(1, t2) | PITH_K(2, t3) | PITH_K(3, t4) | PITH_K(4, t5),         \
	    (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5), ((t1)a, (t2)b, (t3)c, (t4)d, (t5)e),              \
	    PITH_TARGS((long)(t1)a, (long)(t2)b, (long)(t3)c, (long)(t4)d, (long)(t5)e, 0))
#define PITH_SYSCALL6_(rk, fn, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6)                     \
	PITH_SYSCALL_(fn, 6, rk,                                                                   \
		      PITH_K(0, t1) | PITH_K(1, t2) | PITH_K(2, t3) | PITH_K(3, t4) |              \
			  PITH_K(4, t5) | PITH_K(5, t6),                                           \
		      (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6),                                  \
		      ((t1)a, (t2)b, (t3)c, (t4)d, (t5)e, (t6)f),                                  \
		      PITH_TARGS((long)(t1)a, (long)(t2)b, (long)(t3)c, (long)(t4)d, (long)(t5)e,  \
				 (long)(t6)f))

/*
 * The six trace arguments as one macro argument, each converted to its declared type first (so an
 * unsigned int that musl passed sign-extended is traced as the kernel sees it).
 */
#define PITH_TARGS(a, b, c, d, e, f) a, b, c, d, e, f

#define PITH_SYSCALL0(name)	 PITH_SYSCALL0_(PITH_RET_INT, pith_sys_##name)
#define PITH_SYSCALL1(name, ...) PITH_SYSCALL1_(PITH_RET_INT, pith_sys_##name, __VA_ARGS__)
#define PITH_SYSCALL2(name, ...) PITH_SYSCALL2_(PITH_RET_INT, pith_sys_##name, __VA_ARGS__)
#define PITH_SYSCALL3(name, ...) PITH_SYSCALL3_(PITH_RET_INT, pith_sys_##name, __VA_ARGS__)
#define PITH_SYSCALL4(name, ...) PITH_SYSCALL4_(PITH_RET_INT, pith_sys_##name, __VA_ARGS__)
#define PITH_SYSCALL5(name, ...) PITH_SYSCALL5_(PITH_RET_INT, pith_sys_##name, __VA_ARGS__)
#define PITH_SYSCALL6(name, ...) PITH_SYSCALL6_(PITH_RET_INT, pith_sys_##name, __VA_ARGS__)

#define PITH_SYSCALL_RET1(rk, name, ...) PITH_SYSCALL1_(rk, pith_sys_##name, __VA_ARGS__)
#define PITH_SYSCALL_RET5(rk, name, ...) PITH_SYSCALL5_(rk, pith_sys_##name, __VA_ARGS__)
#define PITH_SYSCALL_RET6(rk, name, ...) PITH_SYSCALL6_(rk, pith_sys_##name, __VA_ARGS__)

#endif
