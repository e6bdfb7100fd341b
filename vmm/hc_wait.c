/* The wait hypercall: sleep in the host, using no CPU, until the timeout, news or a signal. */
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <pith/abi.h>

#include "blk.h"
#include "hypercall.h"
#include "net.h"
#include "net_io.h"
#include "stop.h"
#include "upcall.h"
#include "vm.h"

/* The devices' wake eventfds (the disks', the NIC's): 0 to 2 of them. */
static unsigned wait__fds(struct vm *vm, struct pollfd p[2])
{
	unsigned n = 0;

	if (vm->blk)
		p[n++] = (struct pollfd){.fd = blk_dev__wake_fd(vm), .events = POLLIN};
	if (vm->net)
		p[n++] = (struct pollfd){.fd = vm->net->io.wake_fd, .events = POLLIN};
	return n;
}

/*
 * One ppoll with the stop and timer signals unblocked (they are blocked on the vCPU thread
 * outside KVM_RUN: vmm/stop.h), so the upcall timer and host signals end the wait too. Every
 * eventfd that fired is drained, so that the next wait sleeps again.
 */
static void wait__sleep(struct vm *vm, uint64_t timeout_ns)
{
	struct pollfd p[2];
	unsigned n = wait__fds(vm, p);
	struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000u),
			      .tv_nsec = (long)(timeout_ns % 1000000000u)};
	uint64_t v;

	if (ppoll(n ? p : NULL, n, &ts, stop__wait_mask()) <= 0)
		return; /* the timeout, or a signal */
	for (unsigned i = 0; i < n; i++)
		if ((p[i].revents & POLLIN) && read(p[i].fd, &v, sizeof(v)) < 0)
			continue; /* another wake-up drained it: nothing to do */
}

/*
 * A stop signal before the upcall setup makes the next KVM_RUN return at once (vmm/stop.c).
 * After it, what interrupted the wait goes to the guest: into shared->pending (the guest's
 * kernel waits with masked > 0), seen on its way out of the kernel.
 */
static int wait__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_wait *w = arg;

	wait__sleep(vm, w->timeout_ns);
	return vm->upcall ? upcall__events(vm, false) : HC_RESUME;
}

HYPERCALL(PITH_HC_WAIT, wait, struct pith_hc_wait, wait__handle);
