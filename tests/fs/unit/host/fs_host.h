/* A host environment for the storage tests: the kernel services blk, ext2 and vfs call. */
#ifndef PITH_TESTS_FS_HOST_H
#define PITH_TESTS_FS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

/*
 * fs_host.c provides, for kernel sources linked into a host test program:
 * - pith_boot_info: a valid boot info (64 MiB of RAM, no disks) the test may change through
 *   fs_host_boot before it uses the kernel code;
 * - pith_kmalloc/pith_kfree over the host's heap (zeroed; a free with the wrong size aborts;
 *   fs_host_kmem counts the bytes not freed; fs_host_kmalloc_fail/_skip make some fail);
 * - pith_panic (prints and aborts: a test that reaches it crashes, so it fails);
 * - the clocks (the host's, plus fs_host_clock_skip: what fake sleeps added), pith_console_out
 *   (captured on demand), pith_user_readable/writable (always true);
 * - hypercalls: the console is answered here; every other port goes to fs_host_monitor, the
 *   test's fake monitor (a call with none set aborts). PITH_HC_WAIT with no monitor set
 *   advances fs_host_clock_skip by the timeout (a sleep that takes no time).
 * Link kernel/time/wait.c for pith_io_wait/pith_io_poll (the pollers of the linked objects).
 */
extern struct pith_boot_info fs_host_boot;

extern size_t fs_host_kmem;
extern long fs_host_kmalloc_fail; /* this many allocations fail, */
extern long fs_host_kmalloc_skip; /* after this many more succeeded */

extern uint64_t fs_host_clock_skip;

extern void (*fs_host_monitor)(uint16_t port, void *call);

/* With capture set, console output (both streams) is appended to fs_host_out instead. */
extern bool fs_host_capture;
extern char fs_host_out[16384];
extern size_t fs_host_out_len;
void fs_host_out_clear(void);

/* Runs every exit hook of the linked objects (as the guest's exit does). */
void fs_host_run_exit_hooks(void);

#endif
