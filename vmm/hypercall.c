/* Hypercall registry and dispatch: handlers register themselves, keyed by port, in a section. */
#include "hypercall.h"

#include <string.h>

#include "crash.h"
#include "vm.h"

/* The linker defines these around the section that HYPERCALL() fills. */
extern const struct hypercall __start_pith_hypercalls[], __stop_pith_hypercalls[];

static const struct hypercall *hypercall__find(uint16_t port)
{
	for (const struct hypercall *h = __start_pith_hypercalls; h < __stop_pith_hypercalls; h++)
		if (h->port == port)
			return h;
	return NULL;
}

static int hypercall__bad_access(const struct hypercall *h, const struct kvm_run *run)
{
	return crash__guest_error(
	    "%s hypercall with a %u-byte %s%s (a hypercall is one 4-byte out)", h->name,
	    run->io.size, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
	    run->io.count != 1 ? " string" : "");
}

/*
 * Copy the struct in (the guest cannot change it under the handler's checks) and run the handler
 * on the copy. No call of this ABI has OUT fields, so nothing is copied back: guest memory the
 * guest itself cannot write (the boot info) stays untouched even if the struct points there. A
 * call with OUT fields would copy back only those, after checking the guest may write them.
 */
static int hypercall__call(struct vm *vm, const struct hypercall *h, uint32_t addr)
{
	_Alignas(16) unsigned char arg[HC_ARG_MAX];
	const void *p = guest_mem__ptr(&vm->mem, addr, h->arg_size);

	if (!p)
		return crash__guest_error("%s hypercall with an invalid address %#x (len %u)",
					  h->name, addr, h->arg_size);
	memcpy(arg, p, h->arg_size);
	return h->handle(vm, arg);
}

int hypercall__dispatch(struct vm *vm, const struct kvm_run *run)
{
	const struct hypercall *h = hypercall__find(run->io.port);
	uint32_t addr;

	if (!h)
		return crash__guest_error("port I/O to port %#x, which is not a hypercall port",
					  run->io.port);
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1)
		return hypercall__bad_access(h, run);
	memcpy(&addr, (const uint8_t *)run + run->io.data_offset, sizeof(addr));
	return hypercall__call(vm, h, addr);
}
