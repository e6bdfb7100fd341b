/* Process identity, exit and yield; holds the process state and the proc component's note. */
#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/note.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

PITH_COMPONENT_NOTE(proc);

struct pith_proc pith_proc;

/* Ends the guest: the monitor exits with status & 0xff, as a Linux parent would see it. */
__attribute__((noreturn)) static void proc_exit(int status)
{
	pith_run_exit_hooks();
	for (;;) {
		struct pith_hc_exit call = {.status = status & 0xff};

		pith_hypercall(PITH_HC_EXIT, &call);
	}
}

/* One thread: ending it ends the process. */
PITH_SYSCALL_RET1(PITH_RET_NONE, exit, int, status)
{
	proc_exit(status);
}

PITH_SYSCALL_RET1(PITH_RET_NONE, exit_group, int, status)
{
	proc_exit(status);
}

/* One process, its one thread, no parent: pid = tid = 1, ppid 0, running as root. */
PITH_SYSCALL0(getpid)
{
	return PITH_PID;
}

PITH_SYSCALL0(gettid)
{
	return PITH_PID;
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

/* Nothing else is runnable. */
PITH_SYSCALL0(sched_yield)
{
	return 0;
}
