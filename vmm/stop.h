/* Host SIGINT/SIGTERM/SIGHUP: they end the run, or once upcalls are on, go to the guest. */
#ifndef VMM_STOP_H
#define VMM_STOP_H

#include <signal.h>
#include <stdint.h>

struct kvm;

/*
 * Until the guest turns upcalls on (PITH_HC_SCHED_SETUP), these signals stop the run: the vCPU
 * leaves KVM_RUN, the monitor prints --stats if asked, and exits with 128 + the signal's number,
 * as a shell reports a process the signal killed. Installed before the seccomp filter (sigaction
 * is not allowed after it; rt_sigreturn is). 0, or -1 with errno.
 *
 * The vCPU thread keeps them and extra_sig (the upcall timer's signal, handled by extra) blocked
 * while it runs monitor code: they are unblocked only inside KVM_RUN (KVM_SET_SIGNAL_MASK) and
 * inside the wait hypercall's ppoll (stop__wait_mask), so a signal that arrives while the monitor
 * handles an exit makes the next KVM_RUN return EINTR, after KVM has completed the exit's port I/O.
 */
int stop__install(struct kvm *kvm, int extra_sig, void (*extra)(int));

/*
 * After KVM_RUN returned EINTR: take the signals that are pending (blocked again) and run what
 * their handlers do (extra for extra_sig). Without this they would stay pending and every
 * KVM_RUN would return EINTR at once.
 */
void stop__drain(void);

/* The signal that asked for the stop, or 0. */
int stop__requested(void);

/* From now on the stop signals are recorded for the guest (stop__take_guest) instead. */
void stop__to_guest(void);

/* Bits (sig - 1) of the stop signals that arrived for the guest since the last call. */
uint64_t stop__take_guest(void);

/* The signal mask for sleeping in the wait hypercall (ppoll): the signals above unblocked. */
const sigset_t *stop__wait_mask(void);

#endif
