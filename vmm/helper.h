/* A helper process sharing the monitor's memory: parallel setup work, then deferred VM teardown. */
#ifndef VMM_HELPER_H
#define VMM_HELPER_H

/*
 * Start the helper: clone with CLONE_VM and CLONE_FILES (same memory, same TLS, same fd table),
 * on other CPUs than the monitor's if there are any. It runs job(arg) while the monitor goes on
 * with its setup. Because it still references the monitor's memory and, after helper__detach,
 * its own copy of the fd table with the VM's fds, the monitor's exit is quick and the kernel
 * destroys the VM after `pith run`'s caller already has the exit status. The helper then waits
 * to be killed by the monitor's death (parent-death signal).
 *
 * job shares the monitor's TLS and heap while both run: it must use raw system calls only
 * (vmm/rawsys.h): no errno, no malloc, no stdio. If the helper cannot be started, job runs
 * here, before helper__start returns, and the teardown stays on the exit path.
 * One helper per process; it can start before the VM exists.
 */
void helper__start(void (*job)(void *), void *arg);

/*
 * Give the helper a second job, to run after the first one (same rules; here, before returning,
 * if there is no helper). Call it exactly once, after helper__start.
 */
void helper__post(void (*job)(void *), void *arg);

/* Wait until both jobs have finished. */
void helper__wait(void);

/*
 * Once every fd of the VM is open: give the monitor a private copy of the fd table. The helper
 * keeps the shared one (the VM's fds in it) and closes its stdin, stdout and stderr there, so
 * that readers of the monitor's output do not wait for the helper. If the copy cannot be made,
 * the table stays shared (the helper then keeps the output open until it dies).
 */
void helper__detach(void);

/*
 * Have the helper close fd too (in its copy of the fd table) when it closes 0-2 after
 * helper__detach: the monitor's ready fd, whose reader may wait for EOF. Call it before
 * helper__detach; a negative fd means none.
 */
void helper__forget(int fd);

#endif
