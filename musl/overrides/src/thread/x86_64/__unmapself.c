/* Pith: a detached thread's last call; the library OS unmaps the stack after leaving it. */
#include "pthread_impl.h"

_Noreturn void pith_unmapself(void *, size_t);

/* As musl's x86_64 __unmapself.s: munmap(base, size), then exit the thread, never returning. */
void __unmapself(void *base, size_t size)
{
	pith_unmapself(base, size);
}
