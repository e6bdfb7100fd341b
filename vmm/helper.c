/* A helper process sharing the monitor's memory: parallel setup work, then deferred VM teardown. */
#include "helper.h"

#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rawsys.h"
#include "seccomp_filter.h"

#define HELPER_STACK (64 * 1024) /* job's frames; only the pages it touches count */

static struct {
	void (*job)(void *);
	void *arg;
	void (*job2)(void *); /* posted by helper__post */
	void *arg2;
	long parent;
	int started;		   /* the helper process exists */
	_Atomic uint32_t posted;   /* job2 is set */
	_Atomic uint32_t done;	   /* both jobs have finished */
	_Atomic uint32_t detached; /* the monitor has its own fd table now */
	int forget_fd;		   /* closed with 0-2 once detached (+1: 0 means none) */
} helper;

static void flag__set(_Atomic uint32_t *flag)
{
	atomic_store_explicit(flag, 1, memory_order_release);
	rawsys__call3(SYS_futex, (long)flag, FUTEX_WAKE_PRIVATE, 1);
}

static int flag__is_set(_Atomic uint32_t *flag)
{
	return atomic_load_explicit(flag, memory_order_acquire) != 0;
}

/* Raw system calls only: usable in the helper, which shares the monitor's TLS (errno). */
static void flag__wait(_Atomic uint32_t *flag)
{
	while (!flag__is_set(flag)) /* timeout (the 4th argument) NULL: wait for the wake */
		rawsys__call5(SYS_futex, (long)flag, FUTEX_WAIT_PRIVATE, 0, 0, 0);
}

/*
 * The kernel may queue a new process on its parent's CPU and leave it waiting there while other
 * CPUs idle (measured here: the job then starts only when the monitor first sleeps, ~0.6 ms
 * later). Move it to the other CPUs, if there are any.
 */
static void helper__place(pid_t pid)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	CPU_CLR(cpu, &set);
	if (CPU_COUNT(&set) > 0)
		sched_setaffinity(pid, sizeof(set), &set);
}

/*
 * After its job the helper only holds the VM's fds and waits: its own seccomp filter allows just
 * that (it shares the monitor's memory, so it must not be a way around the monitor's filter).
 * If the filter cannot go on, the helper leaves and the teardown stays on the monitor's exit path.
 */
static int helper__sandbox(void)
{
	const void *const words[] = {&helper.done, &helper.detached};

	return seccomp__install_helper(words, 2) == 0 ? 0 : -1;
}

static int helper__main(void *unused)
{
	(void)unused;
	rawsys__call3(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0);
	/* The monitor may have exited (an early error) before the line above ran: then no signal
	   will come, and nobody will post the second job. */
	if (rawsys__call3(SYS_getppid, 0, 0, 0) != helper.parent)
		return 0;
	helper.job(helper.arg);
	flag__wait(&helper.posted);
	helper.job2(helper.arg2);
	if (helper__sandbox() < 0) {
		flag__set(&helper.done);
		return 0;
	}
	flag__set(&helper.done);
	if (rawsys__call3(SYS_getppid, 0, 0, 0) != helper.parent)
		return 0; /* the monitor is already gone */
	flag__wait(&helper.detached);
	for (int fd = 0; fd < 3; fd++)
		rawsys__call3(SYS_close, fd, 0, 0); /* readers of the output must not wait for us */
	if (helper.forget_fd > 0) /* nor a reader waiting for EOF on the ready fd */
		rawsys__call3(SYS_close, helper.forget_fd - 1, 0, 0);
	for (;;)
		rawsys__call3(SYS_pause, 0, 0, 0);
}

void helper__start(void (*job)(void *), void *arg)
{
	static _Alignas(16) char stack[HELPER_STACK];
	pid_t pid;

	helper.job = job;
	helper.arg = arg;
	helper.parent = getpid();
	pid = clone(helper__main, stack + sizeof(stack), CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	if (pid > 0) {
		helper.started = 1;
		helper__place(pid);
		return;
	}
	job(arg);
}

void helper__post(void (*job)(void *), void *arg)
{
	if (!helper.started) {
		job(arg);
		flag__set(&helper.done);
		return;
	}
	helper.job2 = job;
	helper.arg2 = arg;
	flag__set(&helper.posted);
}

void helper__wait(void)
{
	flag__wait(&helper.done);
}

void helper__forget(int fd)
{
	helper.forget_fd = fd >= 0 ? fd + 1 : 0;
}

void helper__detach(void)
{
	if (unshare(CLONE_FILES) == 0)
		flag__set(&helper.detached);
}
