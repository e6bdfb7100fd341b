/* The scheduling hypercalls: PITH_HC_SCHED_SETUP (turn upcalls on) and PITH_HC_TIMER. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "print.h"
#include "stop.h"
#include "upcall.h"
#include "vm.h"
#include "x86_64/cpu.h"

#define RFLAGS_IF 0x200ULL

/*
 * The timer: one POSIX timer per VM (CLOCK_MONOTONIC), delivering a real-time signal to the
 * vCPU thread alone (SIGEV_THREAD_ID, timer_create(2)). Created before the seccomp filter, so
 * only timer_settime on this timer is allowed afterwards. Raw system calls: the kernel's timer
 * id is what the filter checks.
 */
static int timer_id = -1;
static volatile sig_atomic_t timer_fired;

/* The kernel's struct sigevent (include/uapi/asm-generic/siginfo.h, SIGEV_MAX_SIZE 64 bytes):
   libcs spell the thread id field differently. */
struct kernel_sigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid; /* SIGEV_THREAD_ID */
	int32_t pad[11];
};
_Static_assert(sizeof(struct kernel_sigevent) == 64, "the kernel's sigevent is 64 bytes");

/* Async-signal-safe: the vCPU thread takes the flag after KVM_RUN or a wait returns. */
void upcall_timer__fired(int sig)
{
	(void)sig;
	timer_fired = 1;
}

int upcall_timer__signal(void)
{
	return SIGRTMIN;
}

int upcall_timer__create(char *err, size_t errlen)
{
	struct sigaction sa = {.sa_handler = upcall_timer__fired}; /* no SA_RESTART */
	struct kernel_sigevent ev = {
	    .notify = SIGEV_THREAD_ID, .signo = SIGRTMIN, .tid = (int32_t)syscall(SYS_gettid)};
	int id;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN, &sa, NULL) < 0 ||
	    syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) < 0) {
		snprintf(err, errlen, "cannot create the guest's timer: %s; check ulimit -i",
			 strerror(errno));
		return -1;
	}
	timer_id = id;
	return 0;
}

int upcall_timer__arm(uint64_t ns)
{
	struct itimerspec its = {.it_value = {.tv_sec = (time_t)(ns / 1000000000u),
					      .tv_nsec = (long)(ns % 1000000000u)}};

	if (ns == 0) /* disarm; a signal already sent stays pending and is taken as stale */
		timer_fired = 0;
	return syscall(SYS_timer_settime, timer_id, 0, &its, NULL) < 0 ? -1 : 0;
}

bool upcall_timer__take(void)
{
	bool fired = timer_fired;

	timer_fired = 0;
	return fired;
}

int upcall_timer__id(void)
{
	return timer_id;
}

/* The status of a call with an OUT field goes back to the struct the `outl` named (see
   hc_net_setup.c), only if the guest could write it itself. */
static int reply(struct vm *vm, size_t size, size_t off, const char *name, int32_t status)
{
	const struct kvm_run *run = vm->kvm.run;
	uint32_t addr;
	uint8_t *p;

	memcpy(&addr, (const uint8_t *)run + run->io.data_offset, sizeof(addr));
	p = guest_mem__ptr_rw(&vm->mem, addr, size);
	if (!p)
		return crash__guest_error(
		    "%s hypercall with its struct at %#x, where the guest cannot write", name,
		    addr);
	memcpy(p + off, &status, sizeof(status));
	return HC_RESUME;
}

static void setup__print(const struct upcall_state *st)
{
	print__err("pith: upcalls on: entry %#llx, shared area %#llx, fault stack %#llx, "
		   "critical range [%#llx, %#llx)\n",
		   (unsigned long long)st->entry, (unsigned long long)st->shared,
		   (unsigned long long)st->fault_stack, (unsigned long long)st->crit_start,
		   (unsigned long long)st->crit_end);
}

/* One VM per monitor process: the state is static (no allocation after the seccomp filter). */
static int32_t sched_setup__do(struct vm *vm, const struct pith_hc_sched_setup *s)
{
	static struct upcall_state state;

	if (vm->upcall)
		return -EBUSY;
	if (timer_id < 0 || upcall__check_setup(&vm->mem, &vm->layout, s) < 0)
		return -EINVAL;
	upcall__init(&state, s);
	state.rflags = X86_BOOT_RFLAGS | RFLAGS_IF | 0x2;
	vm->upcall = &state;
	stop__to_guest();
	if (vm->cfg->verbose)
		setup__print(&state);
	return 0;
}

static int sched_setup__handle(struct vm *vm, void *arg)
{
	return reply(vm, sizeof(struct pith_hc_sched_setup),
		     offsetof(struct pith_hc_sched_setup, status), "sched_setup",
		     sched_setup__do(vm, arg));
}

static int32_t timer__do(struct vm *vm, const struct pith_hc_timer *t)
{
	if (!vm->upcall || t->reserved)
		return -EINVAL;
	if (upcall_timer__arm(t->timeout_ns) < 0)
		return -errno;
	if (t->timeout_ns)
		vm->upcall->stats.timer_arms++;
	else
		vm->upcall->stats.timer_cancels++;
	return 0;
}

static int timer__handle(struct vm *vm, void *arg)
{
	return reply(vm, sizeof(struct pith_hc_timer), offsetof(struct pith_hc_timer, status),
		     "timer", timer__do(vm, arg));
}

HYPERCALL(PITH_HC_SCHED_SETUP, sched_setup, struct pith_hc_sched_setup, sched_setup__handle);
HYPERCALL(PITH_HC_TIMER, timer, struct pith_hc_timer, timer__handle);
