/* The shared per-vCPU area and the syscall-exit slow path (the rest is the sched component's). */
#include "core/kstate.h"

struct pith_sched_shared pith_shared __attribute__((aligned(64)));
const struct pith_sched_ops *pith_sched_ops;

long pith_kernel_leave_slow(long ret)
{
	if (pith_sched_ops)
		return pith_sched_ops->leave(ret);
	__atomic_exchange_n(&pith_shared.pending, 0, __ATOMIC_SEQ_CST); /* nothing acts on it */
	return ret;
}
