/* The sched component's interface: threads on the one vCPU, blocking, kernel timers, upcalls. */
#ifndef PITH_SCHED_H
#define PITH_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <pith/abi.h>

#include "signal/sigstate.h"

/*
 * Threads are scheduled cooperatively inside the kernel (pith_shared.masked > 0 whenever a
 * switch happens) and preempted at user level through the monitor's timer upcall. Kernel code
 * never runs concurrently with other kernel code: between two blocking points it owns the CPU.
 */
struct pith_thread;

/* The running thread (never NULL once sched's init hook ran). */
struct pith_thread *pith_thread_current(void);

/* A live thread by id, or NULL. */
struct pith_thread *pith_thread_find(int tid);

/* Iterate over live threads: pass NULL for the first; NULL after the last. */
struct pith_thread *pith_thread_next(struct pith_thread *t);

int pith_thread_tid(const struct pith_thread *t);

/* The signal component's per-thread state (kernel/signal/sigstate.h). */
struct pith_sigthread *pith_thread_sig(struct pith_thread *t);

/* Number of live threads. */
unsigned pith_thread_count(void);

/* ---- Blocking ------------------------------------------------------------------------------ */

#define PITH_BLOCK_INTR 1u /* a signal deliverable to the thread ends the block with -EINTR */

/*
 * Park the calling thread until pith_sched_wakeup(it), the deadline (CLOCK_MONOTONIC ns;
 * UINT64_MAX: none) or, with PITH_BLOCK_INTR, a deliverable signal. Runs other threads, or
 * sleeps in the monitor when none is runnable. Returns 0 (woken), -ETIMEDOUT or -EINTR.
 * Callers put themselves on their own wait list before, and take themselves off after.
 */
int pith_sched_block(uint64_t deadline_ns, unsigned flags);

/* Make t runnable if it is blocked (its pith_sched_block returns 0); otherwise nothing. */
void pith_sched_wakeup(struct pith_thread *t);

/*
 * Called by the signal component when t has a new deliverable signal: if t is blocked with
 * PITH_BLOCK_INTR (or in io_wait), its block ends with -EINTR; if t is the running thread,
 * PITH_PENDING_SIGNAL is set so the exit path delivers it.
 */
void pith_sched_signal_wakeup(struct pith_thread *t);

/* ---- Kernel timers -------------------------------------------------------------------------- */

/*
 * A callback at a monotonic deadline, run by the scheduler with the kernel entered (from the
 * idle loop, a timer upcall or the exit path), at most once per arming. The sched component
 * asks the monitor for a timer upcall at the earliest armed deadline.
 */
struct pith_ktimer {
	uint64_t deadline; /* monotonic ns */
	void (*fn)(struct pith_ktimer *t, uint64_t now_ns);
	struct pith_ktimer *next; /* sched's */
	bool armed;		  /* sched's */
};

void pith_ktimer_arm(struct pith_ktimer *t, uint64_t deadline_ns);
void pith_ktimer_cancel(struct pith_ktimer *t);

/* ---- Upcall contexts (for the signal component) -------------------------------------------- */

/*
 * Resume a user context: the registers of f (a struct pith_upcall_frame anywhere in memory,
 * e.g. built from a ucontext), the extended state in xsave_area (an area of
 * pith_boot_info->xsave_size bytes, 64-byte aligned; NULL: leave the current one), and the
 * current thread's FS base. Called with the kernel left (masked == 0). Does not return.
 */
__attribute__((noreturn)) void pith_context_resume(const struct pith_upcall_frame *f,
						   const void *xsave_area);

/*
 * Call fn(a, b, c) on the stack whose top is stack_top (16-byte aligned by the callee), with the
 * kernel left (masked == 0 during the call); back on the caller's stack and with masked as it
 * was when fn returns. Used to run signal handlers, possibly on the alternate stack.
 */
void pith_call_on_stack(void (*fn)(long, long, long), long a, long b, long c, uint64_t stack_top);

/* The vCPU's fault stack (PITH_HC_SCHED_SETUP): [base, top). */
void pith_sched_fault_stack(uint64_t *base, uint64_t *top);

#endif
