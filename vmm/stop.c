/* Host SIGINT/SIGTERM/SIGHUP: leave KVM_RUN and end the run, or record them for the guest. */
#include "stop.h"

#include <stddef.h>
#include <time.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "kvm.h"

static struct kvm_run *stop_run;
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stop_guest; /* set by stop__to_guest */
static uint64_t stop_guest_bits;
static sigset_t stop_unblocked; /* the vCPU thread's mask inside KVM_RUN and waits */
static sigset_t stop_blocked;	/* the signals above, blocked outside them */
static int stop_extra_sig;
static void (*stop_extra)(int);

/*
 * Async-signal-safe. Before the guest takes them: records the signal and sets the run area's
 * immediate_exit, so that a KVM_RUN about to start returns at once with EINTR too (KVM API,
 * "immediate_exit"); a KVM_RUN in progress returns EINTR because the signal interrupted it.
 * After: records it for the guest; KVM_RUN returns EINTR as well (the signal interrupted it),
 * and a wait's ppoll returns, whose handler passes it on (vmm/hc_wait.c).
 */
static void stop__handler(int sig)
{
	if (stop_guest) {
		__atomic_or_fetch(&stop_guest_bits, 1ULL << (sig - 1), __ATOMIC_SEQ_CST);
		return;
	}
	stop_signal = sig;
	if (stop_run)
		stop_run->immediate_exit = 1;
}

/* Block the signals on this thread; KVM_RUN runs with the previous mask (unblocked). */
static int stop__block(struct kvm *kvm, const sigset_t *sigs)
{
	struct {
		struct kvm_signal_mask head;
		uint8_t set[8]; /* the kernel's sigset: 64 bits (KVM_SET_SIGNAL_MASK wants len 8) */
	} m = {.head.len = 8};

	if (pthread_sigmask(SIG_BLOCK, sigs, &stop_unblocked) != 0)
		return -1;
	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(&stop_unblocked, sig) == 1)
			m.set[(sig - 1) / 8] |= (uint8_t)(1u << ((sig - 1) % 8));
	return ioctl(kvm->vcpu_fd, KVM_SET_SIGNAL_MASK, &m) < 0 ? -1 : 0;
}

int stop__install(struct kvm *kvm, int extra_sig, void (*extra)(int))
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = stop__handler}; /* no SA_RESTART: waits end too */

	stop_run = kvm->run;
	stop_extra_sig = extra_sig;
	stop_extra = extra;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&stop_blocked);
	sigaddset(&stop_blocked, extra_sig);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -1;
		sigaddset(&stop_blocked, sigs[i]);
	}
	return stop__block(kvm, &stop_blocked);
}

/*
 * A signal that made KVM_RUN return is still pending: KVM unblocks it only inside KVM_RUN and
 * blocks it again before returning, so its handler never runs (QEMU takes such signals with
 * sigtimedwait too). Take each one without waiting and do what its handler does.
 */
void stop__drain(void)
{
	static const struct timespec now = {0, 0};
	int sig;

	while ((sig = sigtimedwait(&stop_blocked, NULL, &now)) > 0) {
		if (sig == stop_extra_sig && stop_extra)
			stop_extra(sig);
		else if (sig != stop_extra_sig)
			stop__handler(sig);
	}
}

int stop__requested(void)
{
	return stop_signal;
}

void stop__to_guest(void)
{
	stop_guest = 1;
}

uint64_t stop__take_guest(void)
{
	return __atomic_exchange_n(&stop_guest_bits, 0, __ATOMIC_SEQ_CST);
}

const sigset_t *stop__wait_mask(void)
{
	return &stop_unblocked;
}
