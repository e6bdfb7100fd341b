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
		return crash__guest_error("console hypercall with stream %u (must be 1 or 2)",
					  c->stream);
	if (c->reserved)
		return crash__guest_error("console hypercall with a non-zero reserved field");
	data = guest_mem__ptr(&vm->mem, c->data, c->len);
	if (!data)
		return crash__guest_error(
		    "console hypercall with an invalid address %#llx (len %llu)",
		    (unsigned long long)c->data, (unsigned long long)c->len);
	/*
	 * Deliberately as for a native program: writing to a pipe whose reader has gone raises
	 * SIGPIPE, which ends pith with status 128 + 13 = 141 (docs/usage.md); the helper process
	 * dies with it (parent-death signal), so nothing keeps the pipe open. Other write errors
	 * (and EPIPE when SIGPIPE was ignored by whoever started pith) drop the output: the guest
	 * goes on, as a program that ignores write(2) errors would.
	 */
	print__write((int)c->stream, data, c->len);
	return HC_RESUME;
}

HYPERCALL(PITH_HC_CONSOLE, console, struct pith_hc_console, console__handle);
