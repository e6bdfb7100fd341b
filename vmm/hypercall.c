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

static int hypercall__bad_access(struct vm *vm, const struct hypercall *h,
				 const struct kvm_run *run)
{
	return crash__guest_error(
	    vm, "%s hypercall with a %u-byte %s%s (a hypercall is one 4-byte out)", h->name,
	    run->io.size, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
	    run->io.count != 1 ? " string" : "");
}

/* Copy the struct in, run the handler on the copy, copy it back (for OUT fields). */
static int hypercall__call(struct vm *vm, const struct hypercall *h, uint32_t addr)
{
	_Alignas(16) unsigned char arg[HC_ARG_MAX];
	void *p = guest_mem__ptr(&vm->mem, addr, h->arg_size);
	int rc;

	if (!p)
		return crash__guest_error(vm, "%s hypercall with an invalid address %#x (len %u)",
					  h->name, addr, h->arg_size);
	memcpy(arg, p, h->arg_size);
	rc = h->handle(vm, arg);
	memcpy(p, arg, h->arg_size);
	return rc;
}

int hypercall__dispatch(struct vm *vm, const struct kvm_run *run)
{
	const struct hypercall *h = hypercall__find(run->io.port);
	uint32_t addr;

	if (!h)
		return crash__guest_error(vm, "port I/O to port %#x, which is not a hypercall port",
					  run->io.port);
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1)
		return hypercall__bad_access(vm, h, run);
	memcpy(&addr, (const uint8_t *)run + run->io.data_offset, sizeof(addr));
	return hypercall__call(vm, h, addr);
}
