/* Kernel timers, the monitor timer requests (PITH_HC_TIMER) and the timer event: preemption. */
#include "arch/x86_64/cpu.h"
#include "core/counter.h"
#include "sched/internal.h"
#include "time/time.h"
#include "time/wait.h"

PITH_COUNTER(sched_timer_hypercalls);
PITH_COUNTER(sched_preemptions);

void pith_ktimer_arm(struct pith_ktimer *t, uint64_t deadline_ns)
{
	if (t->armed)
		pith_ktimerq_remove(&pith_sched.timers, t);
	t->deadline = deadline_ns;
	pith_ktimerq_insert(&pith_sched.timers, t);
	pith_sched_timer_sync();
}

void pith_ktimer_cancel(struct pith_ktimer *t)
{
	if (t->armed)
		pith_ktimerq_remove(&pith_sched.timers, t);
}

void pith_sched_run_timers(uint64_t now)
{
	struct pith_ktimer *t;

	while ((t = pith_ktimerq_pop_due(&pith_sched.timers, now)))
		t->fn(t, now);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * When the scheduler next needs to run while a thread computes: the earliest kernel timer or
 * sleeper deadline, the end of the current slice if another thread is runnable, and the next
 * device poll if threads wait for I/O (so a reader wakes while another thread computes).
 */
static uint64_t timer_needed(void)
{
	uint64_t n =
	    min_u64(pith_ktimerq_first(&pith_sched.timers), pith_sleepq_first(&pith_sched.sleepq));

	if (!pith_runq_empty(&pith_sched.runq))
		n = min_u64(n, pith_sched.current->slice_start + pith_sched.slice_ns);
	if (pith_sched.io_waiters)
		n = min_u64(n, pith_sched.last_poll + pith_sched.slice_ns);
	return n;
}

/*
 * Asks for a timer upcall only when the one armed (if any) comes later than needed: a request
 * costs an exit, and an early upcall costs one too, so nothing is ever cancelled. The idle loop
 * sleeps in the monitor with its own timeout instead.
 */
void pith_sched_timer_sync(void)
{
	uint64_t need, now;
	struct pith_hc_timer call = {0};

	if (!pith_sched.upcalls || pith_sched.idle)
		return;
	need = timer_needed();
	if (need >= pith_sched.armed)
		return;
	now = pith_time_monotonic_ns();
	call.timeout_ns = need > now ? need - now : 1;
	PITH_COUNT(sched_timer_hypercalls);
	pith_hypercall(PITH_HC_TIMER, &call);
	if (call.status == 0)
		pith_sched.armed = need;
}

/* Devices are polled at least once a slice while threads wait for I/O; true on progress. */
static bool poll_for_io_waiters(uint64_t now)
{
	if (!pith_sched.io_waiters || now < pith_sched.last_poll + pith_sched.slice_ns)
		return false;
	pith_sched.last_poll = now;
	if (!pith_io_poll())
		return false;
	pith_sched_wake_io();
	return true;
}

void pith_sched_timer_event(bool can_switch)
{
	uint64_t now = pith_time_monotonic_ns();
	bool woke;

	pith_sched.armed = UINT64_MAX; /* it fired */
	pith_sched_run_timers(now);
	woke = pith_sched_wake_sleepers(now);
	woke |= poll_for_io_waiters(now);
	if (can_switch && !pith_runq_empty(&pith_sched.runq) &&
	    (woke || now - pith_sched.current->slice_start >= pith_sched.slice_ns)) {
		PITH_COUNT(sched_preemptions);
		pith_sched_yield_now();
	}
	pith_sched_timer_sync();
}
