/* Start-up of the monitor's I/O threads (NIC, disks): own seccomp filter first, then the loop. */
#ifndef VMM_IOTHREAD_H
#define VMM_IOTHREAD_H

#include <stdbool.h>
#include <stddef.h>

/* Installs the new thread's seccomp filter for arg: 0, or -1 with a message in err. */
typedef int (*iothread_filter_fn)(void *arg, bool verbose, char *err, size_t errlen);

/* The thread's work once its filter is on; it never has to return. */
typedef void (*iothread_loop_fn)(void *arg);

/*
 * Create a detached thread with every signal blocked (host SIGINT/SIGTERM must reach the vCPU
 * thread, whose KVM_RUN they interrupt: vmm/stop.c). The thread calls filter(arg), reports the
 * result by writing 1 to the eventfd wake_fd, and runs loop(arg) only if the filter is on.
 * iothread__start waits for that report (consuming it from wake_fd) before returning: 0, or -1
 * with a message in err naming the thread by name ("the disk I/O thread").
 */
int iothread__start(iothread_filter_fn filter, iothread_loop_fn loop, void *arg, int wake_fd,
		    const char *name, bool verbose, char *err, size_t errlen);

#endif
