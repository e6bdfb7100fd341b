/* The kernel's per-vCPU state shared with the monitor, the scheduler's hooks, the syscall exit. */
#ifndef PITH_CORE_KSTATE_H
#define PITH_CORE_KSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include <pith/abi.h>

/*
 * The one vCPU's struct pith_sched_shared (include/pith/abi.h). `masked` counts how deep the
 * kernel is entered (every syscall, every upcall handler): while it is nonzero the monitor does
 * not interrupt the guest but records the event in `pending`. Without the sched component the
 * area is never registered with the monitor and nothing is ever pending.
 */
extern struct pith_sched_shared pith_shared;

/*
 * Guest-only bits of pith_shared.pending (the monitor uses bits 0..7, PITH_UPCALL_*): set by the
 * kernel itself, for the same exit path to act on.
 */
#define PITH_PENDING_RESCHED (1u << 8) /* another thread should run: yield at kernel exit */
#define PITH_PENDING_SIGNAL  (1u << 9) /* the current thread may have a signal to deliver */

/* The kernel's internal restart code: the syscall is run again (Linux's ERESTARTSYS). */
#define PITH_ERESTARTSYS 512

/*
 * What the sched component plugs into core when it is linked (one thread otherwise). Set once
 * by sched's init hook; NULL means one thread, no upcalls, no signals.
 */
struct pith_sched_ops {
	/* The syscall-exit slow path, entered with masked == 1 and something pending: handles
	   pending upcall events, switches threads, delivers signals. Returns ret, another result
	   (-EINTR) or -PITH_ERESTARTSYS to run the syscall again. Returns with masked == 1. */
	long (*leave)(long ret);
	/* Park the calling thread until I/O news, pith_io_notify, the deadline (monotonic ns,
	   UINT64_MAX: none) or, if intr, a deliverable signal (-EINTR). 0 otherwise; spurious
	   returns are allowed (callers re-check their condition). */
	int (*io_wait)(uint64_t deadline_ns, bool intr);
	/* Something a thread in io_wait may wait for changed (data in a pipe, a socket event). */
	void (*io_notify)(void);
	/* The current thread's id (1 for the first thread). */
	int (*tid)(void);
	/* SYS_exit: end the calling thread (the process when it is the last one). */
	__attribute__((noreturn)) void (*thread_exit)(int status);
	/* SYS_sched_yield. */
	void (*yield)(void);
	/* SYS_futex (kernel/sched/futex.c). */
	long (*futex)(uint32_t *uaddr, int op, uint32_t val, uint64_t timeout_or_val2,
		      uint32_t *uaddr2, uint32_t val3);
	/* SYS_set_tid_address: the calling thread's clear_child_tid (kernel/proc/tls.c). Thread 1's
	   address set before sched's init is taken with pith_proc_take_clear_tid (proc/proc.h). */
	void (*set_tid_address)(uint64_t addr);
};

extern const struct pith_sched_ops *pith_sched_ops;

/* The slow part of pith_kernel_leave (kernel/core/kstate.c). */
long pith_kernel_leave_slow(long ret);

static inline void pith_kernel_enter(void)
{
	__atomic_add_fetch(&pith_shared.masked, 1, __ATOMIC_RELAXED);
	__asm__ volatile("" ::: "memory");
}

/*
 * Leave the kernel with a syscall's result. At the outermost level (masked == 1), anything
 * pending is handled first; the check is repeated after masked drops to 0, because the monitor
 * may have deferred an event in between. Returns the result, or -PITH_ERESTARTSYS with masked
 * unchanged: the caller runs the syscall again (a syscall returns -PITH_ERESTARTSYS when a
 * signal interrupted it; the slow path turns that into -EINTR when the handler it runs has no
 * SA_RESTART).
 */
static inline long pith_kernel_leave(long ret)
{
	__asm__ volatile("" ::: "memory");
	for (;;) {
		if (__builtin_expect(*(volatile uint32_t *)&pith_shared.masked == 1 &&
					 *(volatile uint32_t *)&pith_shared.pending,
				     0))
			ret = pith_kernel_leave_slow(ret);
		if (ret == -PITH_ERESTARTSYS)
			return ret; /* no handler ran that forbids it: run the syscall again */
		if (__atomic_sub_fetch(&pith_shared.masked, 1, __ATOMIC_RELAXED) != 0 ||
		    !*(volatile uint32_t *)&pith_shared.pending)
			return ret;
		__atomic_add_fetch(&pith_shared.masked, 1, __ATOMIC_RELAXED);
	}
}

/* Wake threads waiting in io_wait (a no-op with one thread). Pipes, eventfds, sockets call it. */
static inline void pith_io_notify(void)
{
	if (pith_sched_ops)
		pith_sched_ops->io_notify();
}

/*
 * A write found no reader (a pipe, a shut-down stream): SIGPIPE for the calling thread, as
 * signal(7). Without the signal component the write only fails with EPIPE.
 */
void pith_raise_sigpipe(void);

/* The calling thread's id: 1 without the sched component. */
static inline int pith_current_tid(void)
{
	return pith_sched_ops ? pith_sched_ops->tid() : 1;
}

#endif
