/* The wait hypercall: sleep in the host, using no CPU, until the timeout or a device's wake-up. */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <pith/abi.h>

#include "blk.h"
#include "hypercall.h"
#include "net.h"
#include "net_io.h"
#include "stop.h"
#include "vm.h"

/*
 * With disks: one ppoll on the disks' wake eventfd and, with a NIC, on the NIC's too; every
 * eventfd that fired is drained, so that the next wait sleeps again.
 */
static void wait__devices(struct vm *vm, uint64_t timeout_ns)
{
	struct pollfd p[2] = {{.fd = blk_dev__wake_fd(vm), .events = POLLIN},
			      {.fd = vm->net ? vm->net->io.wake_fd : -1, .events = POLLIN}};
	struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000u),
			      .tv_nsec = (long)(timeout_ns % 1000000000u)};
	uint64_t v;

	if (ppoll(p, vm->net ? 2 : 1, &ts, NULL) <= 0)
		return; /* the timeout, or a signal (a stop ends the next KVM_RUN) */
	for (unsigned i = 0; i < 2; i++)
		if ((p[i].revents & POLLIN) && read(p[i].fd, &v, sizeof(v)) < 0)
			continue; /* another wake-up drained it: nothing to do */
}

static int wait__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_wait *w = arg;
	struct timespec ts = {.tv_sec = (time_t)(w->timeout_ns / 1000000000u),
			      .tv_nsec = (long)(w->timeout_ns % 1000000000u)};

	if (vm->blk) {
		wait__devices(vm, w->timeout_ns);
		return HC_RESUME;
	}
	if (vm->net) {
		net_dev__wait(vm, w->timeout_ns);
		return HC_RESUME;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR && !stop__requested())
		;
	return HC_RESUME; /* after a stop signal, the next KVM_RUN returns at once (vmm/stop.c) */
}

HYPERCALL(PITH_HC_WAIT, wait, struct pith_hc_wait, wait__handle);
