/* What sched plugs into core (struct pith_sched_ops) and its start-up: thread 1, upcalls. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/counter.h"
#include "core/kstate.h"
#include "mem/mem.h"
#include "proc/proc.h"
#include "sched/internal.h"
#include "time/time.h"
#include "time/wait.h"

PITH_COUNTER(sched_yields);

#define DEFAULT_SLICE_NS 10000000ull /* 10 ms, if the monitor gave none */

/*
 * The syscall-exit slow path (masked == 1): act on every pending bit, deliver the current
 * thread's signals, until nothing is pending.
 */
static long sched_leave(long ret)
{
	uint32_t bits;

	while ((bits = __atomic_exchange_n(&pith_shared.pending, 0, __ATOMIC_SEQ_CST))) {
		pith_sched_pending(bits, true);
		if ((bits & PITH_PENDING_SIGNAL) && pith_signal_leave)
			ret = pith_signal_leave(ret);
	}
	return ret;
}

/*
 * Park the thread until I/O news (pollers' progress, pith_io_notify, a monitor wait), the
 * deadline or a signal. A poll that makes progress returns at once: the caller re-checks.
 */
static int sched_io_wait(uint64_t deadline_ns, bool intr)
{
	int r;

	if (pith_io_poll()) {
		pith_sched.last_poll = pith_time_monotonic_ns();
		pith_sched_wake_io();
		return 0;
	}
	r = pith_sched_block(deadline_ns, (intr ? PITH_BLOCK_INTR : 0) | PITH_BLOCK_IO);
	return r == -EINTR ? -EINTR : 0;
}

static int sched_tid(void)
{
	return pith_sched.current->tid;
}

static void sched_yield(void)
{
	PITH_COUNT(sched_yields);
	pith_sched_yield_now();
}

static void sched_set_tid_address(uint64_t addr)
{
	pith_sched.current->clear_child_tid = addr;
}

static const struct pith_sched_ops sched_ops = {
    .leave = sched_leave,
    .io_wait = sched_io_wait,
    .io_notify = pith_sched_wake_io,
    .tid = sched_tid,
    .thread_exit = pith_sched_thread_exit,
    .yield = sched_yield,
    .futex = pith_sched_futex,
    .set_tid_address = sched_set_tid_address,
};

/* The boot thread becomes thread 1, with the clear_child_tid proc recorded for it. */
static void init_thread1(void)
{
	struct pith_thread *t = pith_kmalloc(sizeof(*t));

	PITH_ASSERT_MSG(t, "no memory for thread 1");
	t->tid = 1;
	t->state = PITH_THREAD_RUNNING;
	t->fs_base = pith_rdfsbase();
	t->clear_child_tid = pith_proc_take_clear_tid();
	t->deadline = UINT64_MAX;
	t->slice_start = pith_time_monotonic_ns();
	pith_thread_link(t);
	pith_sched.current = t;
	pith_sched.next_tid = 2;
	pith_sched_max_tid = 1;
}

void pith_sched_init(void)
{
	uint64_t slice = pith_boot_info->timeslice_ns;

	pith_sched.slice_ns = slice ? slice : DEFAULT_SLICE_NS;
	pith_sched.armed = UINT64_MAX;
	pith_sched.last_poll = pith_time_monotonic_ns();
	init_thread1();
	pith_sched.upcalls = pith_upcall_setup();
	pith_sched_ops = &sched_ops;
}
