/* The NIC setup hypercall: check the guest's two rings, bind the doorbell, start the I/O thread. */
#include <stddef.h>
#include <string.h>

#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "net.h"
#include "vm.h"

/*
 * This call has an OUT field. The dispatcher runs handlers on a private copy, so the status is
 * written back here, to the struct the `outl` named (its address is still in the exit's data),
 * and only there, and only if the guest could write it itself (guest_mem__ptr_rw: not the boot
 * info, not its code or read-only data).
 */
static int net_setup__reply(struct vm *vm, int32_t status)
{
	const struct kvm_run *run = vm->kvm.run;
	uint32_t addr;
	uint8_t *p;

	memcpy(&addr, (const uint8_t *)run + run->io.data_offset, sizeof(addr));
	p = guest_mem__ptr_rw(&vm->mem, addr, sizeof(struct pith_hc_net_setup));
	if (!p)
		return crash__guest_error("net_setup hypercall with its struct at %#x, where the "
					  "guest cannot write",
					  addr);
	memcpy(p + offsetof(struct pith_hc_net_setup, status), &status, sizeof(status));
	return HC_RESUME;
}

static int net_setup__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_net_setup *s = arg;

	if (s->reserved)
		return crash__guest_error("net_setup hypercall with a non-zero reserved field");
	return net_setup__reply(vm, net_dev__setup(vm, s->tx_ring, s->rx_ring));
}

HYPERCALL(PITH_HC_NET_SETUP, net_setup, struct pith_hc_net_setup, net_setup__handle);
