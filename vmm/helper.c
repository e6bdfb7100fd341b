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

#define HELPER_STACK (64 * 1024) /* job's frames; only the pages it touches count */

static struct {
	void (*job)(void *);
	void *arg;
	long parent;
	_Atomic uint32_t done;
} helper;

static void helper__finish_job(void)
{
	atomic_store_explicit(&helper.done, 1, memory_order_release);
	rawsys__call3(SYS_futex, (long)&helper.done, FUTEX_WAKE_PRIVATE, 1);
}

static int helper__main(void *unused)
{
	(void)unused;
	rawsys__call3(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0);
	helper.job(helper.arg);
	helper__finish_job();
	if (rawsys__call3(SYS_getppid, 0, 0, 0) != helper.parent)
		return 0; /* the monitor is already gone */
	for (int fd = 0; fd < 3; fd++)
		rawsys__call3(SYS_close, fd, 0, 0); /* readers of the output must not wait for us */
	for (;;)
		rawsys__call3(SYS_pause, 0, 0, 0);
}

void helper__start(void (*job)(void *), void *arg)
{
	static _Alignas(16) char stack[HELPER_STACK];

	helper.job = job;
	helper.arg = arg;
	helper.parent = getpid();
	if (clone(helper__main, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL) < 0) {
		job(arg);
		helper__finish_job();
	}
}

void helper__wait(void)
{
	while (!atomic_load_explicit(&helper.done, memory_order_acquire))
		syscall(SYS_futex, &helper.done, FUTEX_WAIT_PRIVATE, 0, NULL);
}
