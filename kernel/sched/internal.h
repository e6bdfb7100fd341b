/* The sched component's own declarations: the thread struct, the queues, the switch, timers. */
#ifndef PITH_SCHED_INTERNAL_H
#define PITH_SCHED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "sched/sched.h"
#include "signal/signal.h"
#include "signal/sigstate.h"

/* The signal component may be absent (sched is linked by threads alone): weak references. */
#pragma weak pith_signal_thread_init
#pragma weak pith_signal_thread_exit
#pragma weak pith_signal_deliverable
#pragma weak pith_signal_leave
#pragma weak pith_signal_upcall
#pragma weak pith_signal_host
#pragma weak pith_signal_fault

enum pith_thread_state {
	PITH_THREAD_RUNNING,  /* the current thread */
	PITH_THREAD_RUNNABLE, /* on the run queue */
	PITH_THREAD_BLOCKED,  /* in pith_sched_block (maybe on the sleep queue, the io list) */
	PITH_THREAD_DEAD,     /* exited; freed once another thread runs */
};

/* Block flags of sched's own (beside PITH_BLOCK_INTR). */
#define PITH_BLOCK_IO 0x100u /* in io_wait: on the io list */

struct pith_thread {
	int tid;
	enum pith_thread_state state;
	uint64_t rsp;		  /* saved by pith_ctx_switch while not running */
	uint64_t fs_base;	  /* saved at each switch away */
	uint64_t clear_child_tid; /* CLONE_CHILD_CLEARTID, set_tid_address */
	uint64_t slice_start;	  /* monotonic ns when it last started to run */
	/* Block state (pith_sched_block). */
	uint64_t deadline; /* monotonic ns, UINT64_MAX: none */
	unsigned block_flags;
	int block_result; /* 0, -ETIMEDOUT, -EINTR */
	/* Links. */
	struct pith_thread *run_next;		 /* run queue (FIFO) */
	struct pith_thread *sleep_next;		 /* sleep queue (by deadline) */
	struct pith_thread *io_next;		 /* threads in io_wait */
	struct pith_thread *all_next, *all_prev; /* every live thread */
	struct pith_upcall_frame fault_frame;	 /* a fault upcall's frame, off the fault stack */
	struct pith_sigthread sig;		 /* the signal component's */
};

/* ---- Queues (queue.c: pure list logic, tested on the host) -------------------------------- */

/* FIFO of runnable threads. */
struct pith_runq {
	struct pith_thread *head, *tail;
};

void pith_runq_push(struct pith_runq *q, struct pith_thread *t);
struct pith_thread *pith_runq_pop(struct pith_runq *q);

static inline bool pith_runq_empty(const struct pith_runq *q)
{
	return q->head == NULL;
}

/* Blocked threads with a deadline, earliest first (FIFO among equal deadlines). */
struct pith_sleepq {
	struct pith_thread *head;
};

void pith_sleepq_insert(struct pith_sleepq *q, struct pith_thread *t);
/* Removes t if it is queued; true if it was. */
bool pith_sleepq_remove(struct pith_sleepq *q, struct pith_thread *t);
/* The first thread whose deadline is <= now, taken off the queue; NULL if none. */
struct pith_thread *pith_sleepq_pop_due(struct pith_sleepq *q, uint64_t now);

static inline uint64_t pith_sleepq_first(const struct pith_sleepq *q)
{
	return q->head ? q->head->deadline : UINT64_MAX;
}

/* Armed kernel timers, earliest first (FIFO among equal deadlines). */
struct pith_ktimerq {
	struct pith_ktimer *head;
};

void pith_ktimerq_insert(struct pith_ktimerq *q, struct pith_ktimer *t);
void pith_ktimerq_remove(struct pith_ktimerq *q, struct pith_ktimer *t);
/* The first timer due at now, taken off the queue and disarmed; NULL if none. */
struct pith_ktimer *pith_ktimerq_pop_due(struct pith_ktimerq *q, uint64_t now);

static inline uint64_t pith_ktimerq_first(const struct pith_ktimerq *q)
{
	return q->head ? q->head->deadline : UINT64_MAX;
}

/* ---- The scheduler's state (sched.c) ------------------------------------------------------ */

struct pith_sched {
	struct pith_thread *current;
	struct pith_runq runq;
	struct pith_sleepq sleepq;
	struct pith_ktimerq timers;
	struct pith_thread *io_waiters; /* io_next list */
	struct pith_thread *all;	/* all_next list */
	struct pith_thread *zombie;	/* exited, to free after the switch away from it */
	unsigned count;			/* live threads */
	int next_tid;
	bool idle;	    /* in the idle loop: no thread runs */
	uint64_t slice_ns;  /* boot info timeslice_ns */
	uint64_t last_poll; /* monotonic ns of the last poll of the devices */
	uint64_t armed;	    /* expiry of the monitor timer we asked for, UINT64_MAX: none */
	bool upcalls;	    /* PITH_HC_SCHED_SETUP succeeded: timer requests work */
};

extern struct pith_sched pith_sched;

/* The highest thread id given so far (1: only the boot thread ever existed); for --trace. */
extern int pith_sched_max_tid;

/* The boot hook (ops.c): thread 1, upcalls, pith_sched_ops. */
void pith_sched_init(void);

/* Make t runnable at the end of the run queue (t is blocked, new or was running). */
void pith_sched_make_runnable(struct pith_thread *t);

/* The current thread stops running (it is blocked, dead or queued): run the next one. */
void pith_sched_schedule(void);

/* Put the current thread at the end of the run queue and run the next, if there is one. */
void pith_sched_yield_now(void);

/* Wake every thread in io_wait. */
void pith_sched_wake_io(void);

/* Wake the sleepers whose deadline passed (-ETIMEDOUT); true if one woke. */
bool pith_sched_wake_sleepers(uint64_t now);

/* Act on pith_shared.pending bits taken by the caller (timer, host signals, resched). */
void pith_sched_pending(uint32_t bits, bool can_switch);

/* Called by the thread that runs after a switch (and by a new thread first): frees the zombie,
   flags a deliverable signal. */
void pith_sched_after_switch(void);

/* Adds a thread to the list of live threads / takes it off. */
void pith_thread_link(struct pith_thread *t);
void pith_thread_unlink(struct pith_thread *t);

/* SYS_exit of the current thread (clone.c): ends the process when it is the last one. */
__attribute__((noreturn)) void pith_sched_thread_exit(int status);

/* futex(2) (futex.c, the futex engineer's): pith_sched_ops.futex. */
long pith_sched_futex(uint32_t *uaddr, int op, uint32_t val, uint64_t timeout_or_val2,
		      uint32_t *uaddr2, uint32_t val3);

/* ---- Timers (timer.c) ---------------------------------------------------------------------- */

/* Runs the kernel timers due at now. */
void pith_sched_run_timers(uint64_t now);

/* Asks the monitor for a timer upcall at the earliest moment the scheduler needs one. */
void pith_sched_timer_sync(void);

/* A timer upcall came (or its pending bit): timers, sleepers, device poll, maybe preempt. */
void pith_sched_timer_event(bool can_switch);

/* ---- Assembly (switch.S, upcall.S) --------------------------------------------------------- */

/* Saves the callee-saved registers, x87 CW and MXCSR on the stack, stores RSP in *save_rsp,
   switches to new_rsp and restores the same from there. */
void pith_ctx_switch(uint64_t *save_rsp, uint64_t new_rsp);

/* Where a new thread's first switch returns to: calls pith_sched_thread_entry(r12, r13). */
void pith_ctx_start(void);

__attribute__((noreturn)) void pith_sched_thread_entry(int (*fn)(void *), void *arg);

/* Calls fn(a, b, c) with RSP = top (16-aligned by the callee) and returns on the old stack. */
void pith_stack_call(void (*fn)(long, long, long), long a, long b, long c, uint64_t top);

/* The upcall entry and its critical range (upcall.S). */
void pith_upcall_entry(void);
extern const char pith_upcall_crit_start[], pith_upcall_crit_end[];

/* xsave parameters, from boot info, for the assembly. */
extern uint64_t pith_sched_xsave_features;
extern uint32_t pith_sched_xsave_size;

/* ---- Upcalls (upcall.c) -------------------------------------------------------------------- */

/* PITH_HC_SCHED_SETUP; true if the monitor accepted it. */
bool pith_upcall_setup(void);

/* The C part of the upcall entry (masked == 1); returns with masked == 0. */
void pith_upcall_handler(struct pith_upcall_frame *f);

#endif
