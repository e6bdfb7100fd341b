/* The console hypercall: write guest bytes to the host's stdout or stderr. */
#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "print.h"
#include "vm.h"

static int console__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_console *c = arg;
	const void *data;

	if (c->stream != 1 && c->stream != 2)
		return crash__guest_error(vm, "console hypercall with stream %u (must be 1 or 2)",
					  c->stream);
	if (c->reserved)
		return crash__guest_error(vm, "console hypercall with a non-zero reserved field");
	data = guest_mem__ptr(&vm->mem, c->data, c->len);
	if (!data)
		return crash__guest_error(
		    vm, "console hypercall with an invalid address %#llx (len %llu)",
		    (unsigned long long)c->data, (unsigned long long)c->len);
	print__write((int)c->stream, data, c->len); /* a closed stdout is not the guest's fault */
	return HC_RESUME;
}

HYPERCALL(PITH_HC_CONSOLE, console, struct pith_hc_console, console__handle);
