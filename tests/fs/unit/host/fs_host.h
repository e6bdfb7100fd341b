/* A host environment for the storage tests: the kernel services blk, ext2 and vfs call. */
#ifndef PITH_TESTS_FS_HOST_H
#define PITH_TESTS_FS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "kernel_host.h"

/*
 * fs_host.c provides, for kernel sources linked into a host test program:
 * - pith_boot_info: a valid boot info (64 MiB of RAM, no disks) the test may change through
 *   fs_host_boot before it uses the kernel code;
 * - the clocks (the host's, plus fs_host_clock_skip: what fake sleeps added), pith_console_out
 *   (captured on demand);
 * - hypercalls: the console is answered here; every other port goes to fs_host_monitor, the
 *   test's fake monitor (a call with none set aborts). PITH_HC_WAIT with no monitor set
 *   advances fs_host_clock_skip by the timeout (a sleep that takes no time).
 * Link kernel/time/wait.c for pith_io_wait/pith_io_poll (the pollers of the linked objects),
 * and tests/lib/kernel_host.c for pith_kmalloc/pith_kfree (fs_host_kmem counts the bytes not
 * freed; fs_host_kmalloc_fail/_skip make some fail), pith_panic and the user-pointer checks.
 */
extern struct pith_boot_info fs_host_boot;

/* The names the storage tests use for kernel_host.c's accounting and failure injection. */
#define fs_host_kmem	     kernel_host_kmem
#define fs_host_kmalloc_fail kernel_host_kmalloc_fail /* this many allocations fail, */
#define fs_host_kmalloc_skip kernel_host_kmalloc_skip /* after this many more succeeded */

extern uint64_t fs_host_clock_skip;

extern void (*fs_host_monitor)(uint16_t port, void *call);

/* With capture set, console output (both streams) is appended to fs_host_out instead. */
extern bool fs_host_capture;
extern char fs_host_out[16384];
extern size_t fs_host_out_len;
void fs_host_out_clear(void);

/* Runs every exit hook of the linked objects, then the counters (as the guest's exit does). */
void fs_host_run_exit_hooks(void);

#endif
