/* Pith: musl's __clone is a plain call into the library OS (kernel/sched/clone.c, pith_clone). */
#include <stdarg.h>

#include "pthread_impl.h"

int pith_clone(int (*)(void *), void *, int, void *, int *, void *, int *);

/*
 * As musl's x86_64 clone.s: func(arg) runs on stack in a new thread and its result goes to
 * SYS_exit. Callers that want no thread (posix_spawn's CLONE_VFORK) pass only four arguments:
 * pith_clone refuses their flags before it looks at ptid, tls or ctid.
 */
int __clone(int (*func)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	int *ptid, *ctid;
	void *tls;

	va_start(ap, arg);
	ptid = va_arg(ap, int *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, int *);
	va_end(ap);
	return pith_clone(func, stack, flags, arg, ptid, tls, ctid);
}
