/* The shared per-vCPU area and the syscall-exit slow path (the rest is the sched component's). */
#include <signal.h>

#include "core/kstate.h"
#include "signal/sigstate.h"

struct pith_sched_shared pith_shared __attribute__((aligned(64)));
const struct pith_sched_ops *pith_sched_ops;

/* Weak: linked only with the signal and sched components. */
extern struct pith_thread *pith_thread_current(void) __attribute__((weak));
extern int pith_signal_send_thread(struct pith_thread *t, int sig,
				   const struct pith_ksiginfo *info) __attribute__((weak));

void pith_raise_sigpipe(void)
{
	struct pith_ksiginfo info = {.signo = SIGPIPE, .code = SI_USER};

	info.f.kill.pid = 1; /* the sender: this process, as Linux's send_sig */
	if (pith_signal_send_thread && pith_thread_current)
		pith_signal_send_thread(pith_thread_current(), SIGPIPE, &info);
}

long pith_kernel_leave_slow(long ret)
{
	if (pith_sched_ops)
		return pith_sched_ops->leave(ret);
	__atomic_exchange_n(&pith_shared.pending, 0, __ATOMIC_SEQ_CST); /* nothing acts on it */
	return ret;
}
