/* Pith's syscall(2) for musl: any syscall number, through the kernel's pith_syscall_any. */
/*
 * Replaces musl's src/misc/syscall.c (musl builds src/<dir>/x86_64/<name>.c instead of
 * src/<dir>/<name>.c). pith_syscall_any references every syscall Pith implements strongly, so a
 * program that calls syscall(2) links all of them; it returns -errno on failure, which
 * __syscall_ret turns into errno and -1.
 */
#define _BSD_SOURCE
#include <unistd.h>
#include <stdarg.h>
#include "syscall.h"

#undef syscall

long pith_syscall_any(long n, long a, long b, long c, long d, long e, long f);

long syscall(long n, ...)
{
	va_list ap;
	syscall_arg_t a, b, c, d, e, f;

	va_start(ap, n);
	a = va_arg(ap, syscall_arg_t);
	b = va_arg(ap, syscall_arg_t);
	c = va_arg(ap, syscall_arg_t);
	d = va_arg(ap, syscall_arg_t);
	e = va_arg(ap, syscall_arg_t);
	f = va_arg(ap, syscall_arg_t);
	va_end(ap);
	return __syscall_ret(pith_syscall_any(n, a, b, c, d, e, f));
}
