/* The panic hypercall: a fatal guest error with a message; the monitor prints a crash report. */
#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "vm.h"

#define PANIC_MSG_MAX 4096

static int panic__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_panic *p = arg;
	uint64_t len = p->len < PANIC_MSG_MAX ? p->len : PANIC_MSG_MAX;
	const char *msg = guest_mem__ptr(&vm->mem, p->msg, len);

	if (!msg)
		return crash__guest_error(
		    "panic hypercall with an invalid address %#llx (len %llu)",
		    (unsigned long long)p->msg, (unsigned long long)p->len);
	return crash__panic(vm, msg, (size_t)len);
}

HYPERCALL(PITH_HC_PANIC, panic, struct pith_hc_panic, panic__handle);
