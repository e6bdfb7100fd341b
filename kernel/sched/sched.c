/* The scheduler: blocking, wake-ups, switching, the idle loop; holds the sched component's note. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/counter.h"
#include "core/kstate.h"
#include "core/note.h"
#include "mem/mem.h"
#include "sched/internal.h"
#include "time/time.h"
#include "time/wait.h"

PITH_COMPONENT_NOTE(sched);

PITH_COUNTER(sched_switches);
PITH_COUNTER(sched_idle_waits);

struct pith_sched pith_sched;

/* Here, in the object every user of sched links (ops.c alone would not be pulled in). */
PITH_INIT_HOOK(sched, pith_sched_init);

/* Atomically take the given bits of pith_shared.pending. */
static uint32_t take_pending(uint32_t bits)
{
	return __atomic_fetch_and(&pith_shared.pending, ~bits, __ATOMIC_SEQ_CST) & bits;
}

static void io_remove(struct pith_thread *t)
{
	struct pith_thread **p = &pith_sched.io_waiters;

	while (*p && *p != t)
		p = &(*p)->io_next;
	if (*p)
		*p = t->io_next;
	t->io_next = NULL;
	t->block_flags &= ~PITH_BLOCK_IO;
}

void pith_sched_make_runnable(struct pith_thread *t)
{
	t->state = PITH_THREAD_RUNNABLE;
	pith_runq_push(&pith_sched.runq, t);
	pith_sched_timer_sync();
}

/* Ends t's block with result: off the sleep queue and the io list, onto the run queue. */
static void unblock(struct pith_thread *t, int result)
{
	if (t->deadline != UINT64_MAX)
		pith_sleepq_remove(&pith_sched.sleepq, t);
	if (t->block_flags & PITH_BLOCK_IO)
		io_remove(t);
	t->block_result = result;
	pith_sched_make_runnable(t);
}

void pith_sched_wakeup(struct pith_thread *t)
{
	if (t->state == PITH_THREAD_BLOCKED)
		unblock(t, 0);
}

void pith_sched_signal_wakeup(struct pith_thread *t)
{
	if (t == pith_sched.current && t->state == PITH_THREAD_RUNNING)
		__atomic_fetch_or(&pith_shared.pending, PITH_PENDING_SIGNAL, __ATOMIC_SEQ_CST);
	else if (t->state == PITH_THREAD_BLOCKED && (t->block_flags & PITH_BLOCK_INTR))
		unblock(t, -EINTR);
}

bool pith_sched_wake_sleepers(uint64_t now)
{
	struct pith_thread *t;
	bool woke = false;

	while ((t = pith_sleepq_pop_due(&pith_sched.sleepq, now))) {
		t->deadline = UINT64_MAX; /* off the queue already */
		unblock(t, -ETIMEDOUT);
		woke = true;
	}
	return woke;
}

void pith_sched_wake_io(void)
{
	while (pith_sched.io_waiters)
		unblock(pith_sched.io_waiters, 0);
}

void pith_sched_after_switch(void)
{
	struct pith_thread *z = pith_sched.zombie;

	if (z && z != pith_sched.current) {
		pith_sched.zombie = NULL;
		if (pith_signal_thread_exit)
			pith_signal_thread_exit(z); /* its queued signals free their slots */
		pith_kfree(z, sizeof(*z));
	}
	if (pith_signal_deliverable && pith_signal_deliverable(pith_sched.current))
		__atomic_fetch_or(&pith_shared.pending, PITH_PENDING_SIGNAL, __ATOMIC_SEQ_CST);
}

/* Makes next the running thread: its FS base, a new slice, then the register switch. */
static void switch_to(struct pith_thread *next)
{
	struct pith_thread *prev = pith_sched.current;

	next->state = PITH_THREAD_RUNNING;
	next->slice_start = pith_time_monotonic_ns();
	pith_sched.current = next;
	pith_sched_timer_sync();
	if (next == prev)
		return;
	prev->fs_base = pith_rdfsbase();
	pith_wrfsbase(next->fs_base);
	PITH_COUNT(sched_switches);
	pith_ctx_switch(&prev->rsp, next->rsp);
	pith_sched_after_switch();
}

/* Timers, sleepers and upcall events, until a thread is runnable; false if none became. */
static bool idle_events(uint64_t now)
{
	uint32_t bits = take_pending(PITH_UPCALL_TIMER | PITH_UPCALL_SIGNAL);

	if (bits & PITH_UPCALL_TIMER)
		pith_sched.armed = UINT64_MAX;
	if (bits & PITH_UPCALL_SIGNAL)
		pith_sched_pending(PITH_UPCALL_SIGNAL, false);
	pith_sched_run_timers(now);
	pith_sched_wake_sleepers(now);
	return !pith_runq_empty(&pith_sched.runq);
}

/*
 * No thread can run: run what is due, poll the devices and sleep in the monitor until the
 * earliest deadline (kernel timers, sleepers, the pollers' own) or device news; every thread in
 * io_wait is woken after a sleep (it re-checks its condition). Runs on the stack of the thread
 * that stopped (blocked, or dead on the reaper stack).
 */
static void idle_until_runnable(void)
{
	pith_sched.idle = true;
	while (!idle_events(pith_time_monotonic_ns())) {
		uint64_t wake = pith_ktimerq_first(&pith_sched.timers);

		if (pith_sleepq_first(&pith_sched.sleepq) < wake)
			wake = pith_sleepq_first(&pith_sched.sleepq);
		PITH_COUNT(sched_idle_waits);
		pith_io_sleep(wake);
		pith_sched.last_poll = pith_time_monotonic_ns();
		pith_sched_wake_io();
	}
	pith_sched.idle = false;
}

void pith_sched_schedule(void)
{
	if (pith_runq_empty(&pith_sched.runq))
		idle_until_runnable();
	switch_to(pith_runq_pop(&pith_sched.runq));
}

void pith_sched_yield_now(void)
{
	struct pith_thread *t = pith_sched.current;

	if (pith_runq_empty(&pith_sched.runq))
		return;
	t->state = PITH_THREAD_RUNNABLE;
	pith_runq_push(&pith_sched.runq, t);
	pith_sched_schedule();
}

int pith_sched_block(uint64_t deadline_ns, unsigned flags)
{
	struct pith_thread *t = pith_sched.current;

	if ((flags & PITH_BLOCK_INTR) && pith_signal_deliverable && pith_signal_deliverable(t))
		return -EINTR;
	if (deadline_ns != UINT64_MAX && deadline_ns <= pith_time_monotonic_ns())
		return -ETIMEDOUT;
	t->state = PITH_THREAD_BLOCKED;
	t->block_flags = flags;
	t->block_result = 0;
	t->deadline = deadline_ns;
	if (deadline_ns != UINT64_MAX)
		pith_sleepq_insert(&pith_sched.sleepq, t);
	if (flags & PITH_BLOCK_IO) {
		t->io_next = pith_sched.io_waiters;
		pith_sched.io_waiters = t;
	}
	pith_sched_schedule();
	t->deadline = UINT64_MAX;
	return t->block_result;
}

/* The host signals the monitor recorded, to the signal component (dropped without it). */
static void host_signals(void)
{
	uint64_t bits = __atomic_exchange_n(&pith_shared.host_signals, 0, __ATOMIC_SEQ_CST);

	if (bits && pith_signal_host)
		pith_signal_host(bits);
}

void pith_sched_pending(uint32_t bits, bool can_switch)
{
	if (bits & PITH_UPCALL_TIMER)
		pith_sched_timer_event(can_switch);
	if (bits & PITH_UPCALL_SIGNAL)
		host_signals();
	if ((bits & PITH_PENDING_RESCHED) && can_switch)
		pith_sched_yield_now();
}

/* ---- The thread list ------------------------------------------------------------------------ */

void pith_thread_link(struct pith_thread *t)
{
	t->all_prev = NULL;
	t->all_next = pith_sched.all;
	if (pith_sched.all)
		pith_sched.all->all_prev = t;
	pith_sched.all = t;
	pith_sched.count++;
}

void pith_thread_unlink(struct pith_thread *t)
{
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		pith_sched.all = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	t->all_next = t->all_prev = NULL;
	pith_sched.count--;
}

struct pith_thread *pith_thread_current(void)
{
	return pith_sched.current;
}

struct pith_thread *pith_thread_find(int tid)
{
	struct pith_thread *t = pith_sched.all;

	while (t && t->tid != tid)
		t = t->all_next;
	return t;
}

struct pith_thread *pith_thread_next(struct pith_thread *t)
{
	return t ? t->all_next : pith_sched.all;
}

int pith_thread_tid(const struct pith_thread *t)
{
	return t->tid;
}

struct pith_sigthread *pith_thread_sig(struct pith_thread *t)
{
	return &t->sig;
}

unsigned pith_thread_count(void)
{
	return pith_sched.count;
}
