/* The exit hypercall: the guest is done; `pith run` exits with its status. */
#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "vm.h"

static int exit__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_exit *e = arg;

	(void)vm; /* the handler signature of every hypercall */
	if (e->reserved)
		return crash__guest_error("exit hypercall with a non-zero reserved field");
	return e->status & 0xff;
}

HYPERCALL(PITH_HC_EXIT, exit, struct pith_hc_exit, exit__handle);
