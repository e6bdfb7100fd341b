/* The signal component's interface for the sched component (weak references there). */
#ifndef PITH_SIGNAL_H
#define PITH_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <pith/abi.h>

#include "signal/sigstate.h"

struct pith_thread;

/* Initial state of a new thread (clone): the creator's mask, nothing pending, no altstack. */
void pith_signal_thread_init(struct pith_sigthread *s, const struct pith_sigthread *parent);

/* t is exiting: forget its queued real-time signals (sched calls it before freeing t). */
void pith_signal_thread_exit(struct pith_thread *t);

/* Would a signal pending for t interrupt a PITH_BLOCK_INTR wait (unblocked, not ignored)? */
bool pith_signal_deliverable(struct pith_thread *t);

/*
 * The syscall-exit part of sched's leave (masked == 1): deliver the current thread's pending
 * signals, running handlers on the right stack; ret is the syscall's result: -PITH_ERESTARTSYS
 * becomes -EINTR unless every handler run has SA_RESTART. Default actions that end the
 * process do so here. Returns the (possibly changed) result.
 */
long pith_signal_leave(long ret);

/*
 * The upcall part (masked == 1): deliver the current thread's pending signals to the
 * interrupted user context f (which the handler's ucontext shows and may change).
 */
void pith_signal_upcall(struct pith_upcall_frame *f);

/* Host signals (bits: sig - 1) reached the guest: make them pending for the process. */
void pith_signal_host(uint64_t bits);

/*
 * A fault upcall on the fault stack (masked == 1): turn the exception into SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL or SIGTRAP for the current thread and run its handler (on the alternate stack
 * with SA_ONSTACK); returns only to resume f (pith_context_resume) or ends the process.
 */
__attribute__((noreturn)) void pith_signal_fault(struct pith_upcall_frame *f);

/*
 * The sigmask argument of ppoll, pselect6 and epoll_pwait (Linux's set_user_sigmask and
 * restore_saved_sigmask_unless): mask_temp blocks `mask` instead of the thread's mask for the
 * call; a call that returns -EINTR leaves the old mask to come back after the handlers run at
 * syscall exit (as sigsuspend), any other result calls mask_restore at once.
 */
void pith_signal_mask_temp(uint64_t mask);
void pith_signal_mask_restore(void);

/* Send sig to the process (kill) or to one thread (tgkill); 0 or -errno. */
int pith_signal_send_process(int sig, const struct pith_ksiginfo *info);
int pith_signal_send_thread(struct pith_thread *t, int sig, const struct pith_ksiginfo *info);

#endif
