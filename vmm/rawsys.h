/* System calls without libc, for code that runs in the helper process (no errno, no locks). */
#ifndef VMM_RAWSYS_H
#define VMM_RAWSYS_H

/* Returns the kernel's result: >= 0, or -errno. */
static inline long rawsys__call3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

/* The same with five arguments (the kernel checks unused ones of some calls, e.g. prctl). */
static inline long rawsys__call5(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

#endif
