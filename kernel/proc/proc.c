/* Process identity, exit, yield, futex: one thread, or forwarded to the sched component. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/kstate.h"
#include "core/note.h"
#include "proc/futex.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

PITH_COMPONENT_NOTE(proc);

struct pith_proc pith_proc;

/* Ends the guest: the monitor exits with status & 0xff, as a Linux parent would see it. */
__attribute__((noreturn)) void pith_proc_exit(int status)
{
	pith_run_exit_hooks();
	for (;;) {
		struct pith_hc_exit call = {.status = status & 0xff};

		pith_hypercall(PITH_HC_EXIT, &call);
	}
}

/* Ends the calling thread; with one thread (no sched component) that ends the process. */
PITH_SYSCALL_RET1(PITH_RET_NONE, exit, int, status)
{
	if (pith_sched_ops)
		pith_sched_ops->thread_exit(status);
	pith_proc_exit(status);
}

PITH_SYSCALL_RET1(PITH_RET_NONE, exit_group, int, status)
{
	pith_proc_exit(status);
}

/* One process, its one thread, no parent: pid = tid = 1, ppid 0, running as root. */
PITH_SYSCALL0(getpid)
{
	return PITH_PID;
}

PITH_SYSCALL0(gettid)
{
	return pith_current_tid();
}

PITH_SYSCALL0(getppid)
{
	return 0;
}

PITH_SYSCALL0(getuid)
{
	return 0;
}

PITH_SYSCALL0(geteuid)
{
	return 0;
}

PITH_SYSCALL0(getgid)
{
	return 0;
}

PITH_SYSCALL0(getegid)
{
	return 0;
}

/* With one thread nothing else is runnable. */
PITH_SYSCALL0(sched_yield)
{
	if (pith_sched_ops)
		pith_sched_ops->yield();
	return 0;
}

/* futex(2): sched's futex.c when threads exist; else the one thread's (nobody can wake it). */
PITH_SYSCALL6(futex, uint32_t *, uaddr, int, op, uint32_t, val, uint64_t, timeout_or_val2,
	      uint32_t *, uaddr2, uint32_t, val3)
{
	struct pith_futex_req r;
	int err;

	if (pith_sched_ops)
		return pith_sched_ops->futex(uaddr, op, val, timeout_or_val2, uaddr2, val3);
	err = pith_futex_decode(&r, uaddr, op, val, timeout_or_val2, uaddr2, val3);
	return err ? err : pith_futex_one_thread(&r);
}

/* Weak: present only when the sched component is linked (hello links none of it). */
struct pith_thread;
extern struct pith_thread *pith_thread_find(int tid) __attribute__((weak));

/* Linux's find_process_by_pid: 0 is the caller; any live thread id names its thread. */
static int pid_exists(int pid)
{
	if (pid == 0 || pid == PITH_PID || pid == pith_current_tid())
		return 1;
	return pid > 0 && pith_thread_find && pith_thread_find(pid);
}

#define CPUMASK_SIZE 8 /* Pith's cpumask: one unsigned long (one CPU, CPU 0) */

/* As Linux's sched_getaffinity: the mask size written, or EINVAL, ESRCH, EFAULT in that order. */
PITH_SYSCALL3(sched_getaffinity, int, pid, unsigned int, len, unsigned long *, mask)
{
	if (len == 0 || len % sizeof(unsigned long))
		return -EINVAL; /* smaller than one CPU's bit, or not whole longs */
	if (!pid_exists(pid))
		return -ESRCH;
	if (!pith_user_writable(mask, CPUMASK_SIZE))
		return -EFAULT;
	*mask = 1; /* CPU 0 */
	return CPUMASK_SIZE;
}
