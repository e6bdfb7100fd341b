/* Stopping a run from the host: SIGINT, SIGTERM and SIGHUP end the guest with 128 + signal. */
#ifndef VMM_STOP_H
#define VMM_STOP_H

struct kvm_run;

/*
 * Until issue 5 delivers signals into the guest, these signals stop the run: the vCPU leaves
 * KVM_RUN, the monitor prints --stats if asked, and exits with 128 + the signal's number, as a
 * shell reports a process the signal killed. Installed before the seccomp filter (sigaction is
 * not allowed after it; rt_sigreturn is). 0, or -1 with errno.
 */
int stop__install(struct kvm_run *run);

/* The signal that asked for the stop, or 0. */
int stop__requested(void);

#endif
