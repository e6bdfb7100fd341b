/* Thread creation (pith_clone, musl's __clone) and thread exit (SYS_exit, pith_unmapself). */
#include <errno.h>
#include <sched.h>
#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/counter.h"
#include "core/kstate.h"
#include "mem/mem.h"
#include "proc/futex.h"
#include "proc/proc.h"
#include "sched/frame.h"
#include "sched/internal.h"
#include "syscall/syscall.h"

PITH_COUNTER(sched_threads_created);

int pith_sched_max_tid;

/* What musl's pthread_create passes (CLONE_DETACHED is ignored by Linux and tolerated). */
#define CLONE_NEEDED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_OK                                                                                   \
	(CLONE_NEEDED | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |                       \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED)

/* The stack exiting threads finish on (their own may be unmapped under them). */
#define REAPER_STACK_SIZE (16u << 10)
static uint8_t reaper_stack[REAPER_STACK_SIZE] __attribute__((aligned(16)));

/* SYS_exit, from musl: the status of a thread function's return. */
long pith_sys_exit(long a, long b, long c, long d, long e, long f);
/* Weak: a thread program links munmap through musl's pthread code anyway. */
long pith_sys_munmap(long a, long b, long c, long d, long e, long f) __attribute__((weak));

/* The current x87 control word (low 16 bits) and MXCSR (bits 32..63): a new thread's. */
static uint64_t fpu_control(void)
{
	uint16_t cw;
	uint32_t mxcsr;

	__asm__ volatile("fnstcw %0; stmxcsr %1" : "=m"(cw), "=m"(mxcsr));
	return cw | (uint64_t)mxcsr << 32;
}

/*
 * The switch frame pith_ctx_switch pops for a new thread (frame.h): control words, r15..r12
 * (r12 = fn, r13 = arg for pith_ctx_start), rbx, rbp, then pith_ctx_start as return address.
 */
static uint64_t initial_frame(uint64_t top, int (*fn)(void *), void *arg)
{
	uint64_t *sp = (uint64_t *)(top & ~15ull);

	*--sp = 0;
	*--sp = (uint64_t)(uintptr_t)pith_ctx_start;
	*--sp = 0;			  /* rbp */
	*--sp = 0;			  /* rbx */
	*--sp = (uint64_t)(uintptr_t)fn;  /* r12 */
	*--sp = (uint64_t)(uintptr_t)arg; /* r13 */
	*--sp = 0;			  /* r14 */
	*--sp = 0;			  /* r15 */
	*--sp = fpu_control();
	return (uint64_t)(uintptr_t)sp;
}

static struct pith_thread *new_thread(int flags, void *tls, int *ctid)
{
	struct pith_thread *t = pith_kmalloc(sizeof(*t));
	struct pith_thread *parent = pith_sched.current;

	if (!t)
		return NULL;
	t->tid = pith_sched.next_tid++;
	t->fs_base = (flags & CLONE_SETTLS) ? (uint64_t)(uintptr_t)tls : pith_rdfsbase();
	t->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? (uint64_t)(uintptr_t)ctid : 0;
	t->deadline = UINT64_MAX;
	if (pith_signal_thread_init)
		pith_signal_thread_init(&t->sig, &parent->sig);
	return t;
}

static long clone_thread(int (*fn)(void *), void *stack, int flags, void *arg, int *ptid, void *tls,
			 int *ctid)
{
	uint64_t top = (uint64_t)(uintptr_t)stack & ~15ull;
	struct pith_thread *t;

	if ((flags & ~CLONE_OK) || (flags & CLONE_NEEDED) != CLONE_NEEDED)
		return -ENOSYS; /* only threads: no fork-like clone */
	if (!fn || top < PITH_SWITCH_FRAME_SIZE + 16 ||
	    !pith_user_writable((void *)(uintptr_t)(top - PITH_SWITCH_FRAME_SIZE - 16),
				PITH_SWITCH_FRAME_SIZE + 16))
		return -EINVAL;
	if ((flags & CLONE_PARENT_SETTID) && !pith_user_writable(ptid, sizeof(*ptid)))
		return -EFAULT;
	t = new_thread(flags, tls, ctid);
	if (!t)
		return -EAGAIN;
	t->rsp = initial_frame(top, fn, arg);
	if (flags & CLONE_PARENT_SETTID)
		*ptid = t->tid;
	pith_thread_link(t);
	pith_sched_max_tid = t->tid;
	PITH_COUNT(sched_threads_created);
	pith_sched_make_runnable(t);
	return t->tid;
}

/*
 * musl's __clone(func, stack, flags, arg, ptid, tls, ctid) (musl/overrides): a new thread runs
 * func(arg) on stack and passes its result to SYS_exit. Returns the new tid (the caller keeps
 * running; the child waits at the end of the run queue) or -errno. Not a PITH_SYSCALL: it
 * enters and leaves the kernel itself.
 */
int pith_clone(int (*fn)(void *), void *stack, int flags, void *arg, int *ptid, void *tls,
	       int *ctid)
{
	long r;

	pith_kernel_enter();
	do
		r = pith_kernel_leave(clone_thread(fn, stack, flags, arg, ptid, tls, ctid));
	while (r == -PITH_ERESTARTSYS);
	return (int)r;
}

/* A new thread's first C code (from pith_ctx_start, masked == 1 as at every switch). */
void pith_sched_thread_entry(int (*fn)(void *), void *arg)
{
	pith_sched_after_switch();
	pith_kernel_leave(0);
	pith_sys_exit(fn(arg), 0, 0, 0, 0, 0);
	pith_panic("SYS_exit returned to a thread");
}

/*
 * The raw clone(2) syscall returns in the child on a new stack in the middle of its caller's
 * frame: not possible with a plain C call. musl creates threads through __clone instead.
 */
PITH_SYSCALL5(clone, unsigned long, flags, void *, stack, int *, ptid, int *, ctid, unsigned long,
	      tls)
{
	(void)flags, (void)stack, (void)ptid, (void)ctid, (void)tls;
	(void)pith_sched.current;
	return -ENOSYS;
}

/* CLONE_CHILD_CLEARTID / set_tid_address: zero the word and wake one futex waiter on it. */
static void clear_child_tid(struct pith_thread *t)
{
	uint32_t *p = (uint32_t *)(uintptr_t)t->clear_child_tid;

	if (!p || !pith_user_writable(p, sizeof(*p)))
		return;
	__atomic_store_n(p, 0, __ATOMIC_SEQ_CST);
	pith_sched_futex(p, PITH_FUTEX_WAKE, 1, 0, NULL, 0);
}

/* On the reaper stack: the current thread ends; the next thread to run frees it. */
__attribute__((noreturn)) static void exit_on_reaper(long status, long b, long c)
{
	struct pith_thread *t = pith_sched.current;

	(void)b, (void)c;
	clear_child_tid(t);
	t->state = PITH_THREAD_DEAD;
	pith_thread_unlink(t);
	if (pith_sched.count == 0)
		pith_proc_exit((int)status);
	pith_sched.zombie = t;
	pith_sched_schedule();
	pith_panic("a dead thread ran again");
}

static uint64_t reaper_top(void)
{
	return (uint64_t)(uintptr_t)(reaper_stack + REAPER_STACK_SIZE);
}

void pith_sched_thread_exit(int status)
{
	pith_stack_call((void (*)(long, long, long))exit_on_reaper, status, 0, 0, reaper_top());
	__builtin_unreachable();
}

static void unmap_on_reaper(long base, long size, long c)
{
	if (pith_sys_munmap)
		pith_sys_munmap(base, size, 0, 0, 0, 0);
	exit_on_reaper(0, 0, c);
}

/*
 * musl's __unmapself(base, size) (musl/overrides): a detached thread unmaps its own stack and
 * exits. Both happen on the reaper stack, after which the thread never runs again.
 */
__attribute__((noreturn)) void pith_unmapself(void *base, size_t size)
{
	pith_kernel_enter();
	pith_stack_call(unmap_on_reaper, (long)(uintptr_t)base, (long)size, 0, reaper_top());
	__builtin_unreachable();
}
