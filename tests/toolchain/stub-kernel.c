/* A stand-in kernel archive for tests/toolchain: every symbol libc.a needs, returning -ENOSYS. */
/*
 * It lets the test link images with pith-cc whether or not the real kernel archives are built.
 * The images are inspected, never run. Built with -I kernel/syscall.
 */
#define STUB_ENOSYS 38

#define PITH_SYSCALL_DEF(nr, name, nargs, comp, link)                                              \
	long pith_sys_##name(long a, long b, long c, long d, long e, long f)                       \
	{                                                                                          \
		(void)a, (void)b, (void)c, (void)d, (void)e, (void)f;                              \
		return -STUB_ENOSYS;                                                               \
	}
#include "syscalls.def"
#undef PITH_SYSCALL_DEF

long pith_syscall(long n, long a, long b, long c, long d, long e, long f)
{
	(void)n, (void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
	return -STUB_ENOSYS;
}

long pith_syscall_any(long n, long a, long b, long c, long d, long e, long f)
{
	return pith_syscall(n, a, b, c, d, e, f);
}

/* musl's __clone and __unmapself call the scheduler directly (musl/overrides). */
int pith_clone(int (*fn)(void *), void *stack, int flags, void *arg, int *ptid, void *tls,
	       int *ctid)
{
	(void)fn, (void)stack, (void)flags, (void)arg, (void)ptid, (void)tls, (void)ctid;
	return -STUB_ENOSYS;
}

void pith_unmapself(void *base, unsigned long size)
{
	(void)base, (void)size;
	for (;;)
		;
}

/*
 * The image's entry. The real kernel prepares the initial stack and enters musl's _start; the
 * stand-in only references it, so that --gc-sections keeps main and what it calls.
 */
void _start(void);

void pith_start(void)
{
	_start();
}
