/* Host SIGINT/SIGTERM/SIGHUP to the monitor: leave KVM_RUN and end the run cleanly. */
#include "stop.h"

#include <signal.h>
#include <stddef.h>

#include <linux/kvm.h>

static struct kvm_run *stop_run;
static volatile sig_atomic_t stop_signal;

/*
 * Async-signal-safe: records the signal and sets the run area's immediate_exit, so that a
 * KVM_RUN about to start returns at once with EINTR too (KVM API, "immediate_exit"); a KVM_RUN
 * in progress returns EINTR because the signal interrupted it.
 */
static void stop__handler(int sig)
{
	stop_signal = sig;
	if (stop_run)
		stop_run->immediate_exit = 1;
}

int stop__install(struct kvm_run *run)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = stop__handler}; /* no SA_RESTART: waits end too */

	stop_run = run;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

int stop__requested(void)
{
	return stop_signal;
}
