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

#endif
