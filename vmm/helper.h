/* A helper process sharing the monitor's memory: parallel setup work, then deferred VM teardown. */
#ifndef VMM_HELPER_H
#define VMM_HELPER_H

/*
 * Start the helper (clone with CLONE_VM: same memory, same TLS, copies of the fds open now).
 * It runs job(arg) while the monitor goes on with its setup, then, closing its stdin, stdout
 * and stderr, waits to be killed by the monitor's death (parent-death signal). Because it
 * still references the monitor's memory and the VM's fds, the monitor's own exit is quick and
 * the kernel destroys the VM after `pith run`'s caller already has the exit status.
 *
 * job shares the monitor's TLS and heap while both run: it must use raw system calls only
 * (vmm/rawsys.h): no errno, no malloc, no stdio. If the helper cannot be started, job runs
 * here, before helper__start returns, and the teardown stays on the exit path.
 * Call after the VM fd exists. One helper per process.
 */
void helper__start(void (*job)(void *), void *arg);

/* Wait until job has finished. */
void helper__wait(void);

#endif
