/* The one place the guest sleeps: run the pollers, arm them, then PITH_HC_WAIT until news. */
#include "arch/x86_64/cpu.h"
#include "core/kstate.h"
#include "time/time.h"
#include "time/wait.h"

/* Weak: an image without pollers (hello) has no such section. */
extern const struct pith_poller __start_pith_pollers[] __attribute__((weak));
extern const struct pith_poller __stop_pith_pollers[] __attribute__((weak));

bool pith_io_poll(void)
{
	const struct pith_poller *p = __start_pith_pollers;
	uint64_t now = pith_time_monotonic_ns();
	bool progress = false;

	for (; p && p < __stop_pith_pollers; p++)
		if (p->poll && p->poll(now))
			progress = true;
	return progress;
}

/* The earliest of deadline and every poller's own deadline. */
static uint64_t wake_time(uint64_t deadline)
{
	const struct pith_poller *p = __start_pith_pollers;

	for (; p && p < __stop_pith_pollers; p++) {
		uint64_t d = p->deadline ? p->deadline() : UINT64_MAX;

		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

/* Asks every poller to end the sleep on news; false if one already has work. */
static bool arm_all(void)
{
	const struct pith_poller *p = __start_pith_pollers;

	for (; p && p < __stop_pith_pollers; p++)
		if (p->arm && !p->arm())
			return false;
	return true;
}

void pith_io_sleep(uint64_t deadline_ns)
{
	uint64_t wake, now;

	if (pith_io_poll())
		return;
	wake = wake_time(deadline_ns);
	if (!arm_all()) {
		pith_io_poll();
		return;
	}
	now = pith_time_monotonic_ns();
	if (now < wake) {
		struct pith_hc_wait call = {.timeout_ns = wake - now};

		pith_hypercall(PITH_HC_WAIT, &call);
	}
	pith_io_poll();
}

int pith_io_wait(uint64_t deadline_ns)
{
	if (pith_sched_ops)
		return pith_sched_ops->io_wait(deadline_ns, true);
	pith_io_sleep(deadline_ns);
	return 0;
}

void pith_io_wait_uninterruptible(uint64_t deadline_ns)
{
	if (pith_sched_ops)
		pith_sched_ops->io_wait(deadline_ns, false);
	else
		pith_io_sleep(deadline_ns);
}
