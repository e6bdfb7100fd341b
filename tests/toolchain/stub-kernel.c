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

/*
 * The image's entry. The real kernel prepares the initial stack and enters musl's _start; the
 * stand-in only references it, so that --gc-sections keeps main and what it calls.
 */
void _start(void);

void pith_start(void)
{
	_start();
}
