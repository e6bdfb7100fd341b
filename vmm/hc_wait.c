/* The wait hypercall: sleep in the host, using no CPU, until the timeout or the NIC's wake-up. */
#include <errno.h>
#include <time.h>

#include <pith/abi.h>

#include "hypercall.h"
#include "net.h"
#include "stop.h"
#include "vm.h"

static int wait__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_wait *w = arg;
	struct timespec ts = {.tv_sec = (time_t)(w->timeout_ns / 1000000000u),
			      .tv_nsec = (long)(w->timeout_ns % 1000000000u)};

	if (vm->net) {
		net_dev__wait(vm, w->timeout_ns);
		return HC_RESUME;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR && !stop__requested())
		;
	return HC_RESUME; /* after a stop signal, the next KVM_RUN returns at once (vmm/stop.c) */
}

HYPERCALL(PITH_HC_WAIT, wait, struct pith_hc_wait, wait__handle);
