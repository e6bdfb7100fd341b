/* Thread-pointer syscalls: arch_prctl, set_thread_area (musl's generic form), set_tid_address. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/kstate.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

#define LINUX_ARCH_SET_FS   0x1002
#define LINUX_ARCH_GET_FS   0x1003
#define LINUX_TASK_SIZE_MAX 0x7ffffffff000ULL

/*
 * The calling thread's clear_child_tid: zeroed and futex-woken when the thread exits. The sched
 * component keeps it per thread; without it (or before it took thread 1 over) it is thread 1's,
 * kept here for pith_proc_take_clear_tid. musl calls it once, at start-up, in thread 1.
 */
PITH_SYSCALL1(set_tid_address, int *, tidptr)
{
	uint64_t addr = (uint64_t)(uintptr_t)tidptr;

	if (pith_sched_ops && pith_sched_ops->set_tid_address)
		pith_sched_ops->set_tid_address(addr);
	else if (pith_current_tid() == PITH_PID)
		pith_proc.clear_child_tid = addr;
	else
		return -ENOSYS; /* a sched without the hook: nowhere to keep another thread's */
	return pith_current_tid();
}

uint64_t pith_proc_take_clear_tid(void)
{
	uint64_t addr = pith_proc.clear_child_tid;

	pith_proc.clear_child_tid = 0;
	return addr;
}

/* As Linux: a base outside the user half of the address space is refused with EPERM. */
static long set_fs(uint64_t base)
{
	if (base >= LINUX_TASK_SIZE_MAX)
		return -EPERM;
	pith_wrfsbase(base);
	return 0;
}

PITH_SYSCALL2(arch_prctl, int, code, void *, addr)
{
	switch (code) {
	case LINUX_ARCH_SET_FS:
		return set_fs((uint64_t)(uintptr_t)addr);
	case LINUX_ARCH_GET_FS:
		if (!pith_user_writable(addr, sizeof(uint64_t)))
			return -EFAULT;
		*(uint64_t *)addr = pith_rdfsbase();
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * On x86_64 Linux this syscall takes a struct user_desc for 32-bit segments; musl's generic
 * __set_thread_area (used because Pith's musl has no x86_64 assembly version) calls it with the
 * thread pointer itself. Pith's only caller is musl, so it means "set the FS base".
 */
PITH_SYSCALL1(set_thread_area, void *, tp)
{
	return set_fs((uint64_t)(uintptr_t)tp);
}
