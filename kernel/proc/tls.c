/* Thread-pointer syscalls: arch_prctl, set_thread_area (musl's generic form), set_tid_address. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

#define LINUX_ARCH_SET_FS   0x1002
#define LINUX_ARCH_GET_FS   0x1003
#define LINUX_TASK_SIZE_MAX 0x7ffffffff000ULL

/* The thread's clear_child_tid address is kept (no thread ever exits but the last). */
PITH_SYSCALL1(set_tid_address, int *, tidptr)
{
	pith_proc.clear_child_tid = (uint64_t)(uintptr_t)tidptr;
	return PITH_PID;
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
