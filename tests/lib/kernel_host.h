/* Host stand-ins shared by kernel host tests: sized kmalloc/kfree, panic, user pointers. */
#ifndef PITH_TESTS_KERNEL_HOST_H
#define PITH_TESTS_KERNEL_HOST_H

#include <stddef.h>

/*
 * kernel_host.c defines, for kernel sources linked into a host test program:
 * - pith_kmalloc/pith_kfree over the host's heap: memory zeroed, each block's size kept in front
 *   of it so that a free with another size aborts (the kernel's frees are sized), the bytes not
 *   freed counted in kernel_host_kmem, and two ways to make allocations fail (below);
 * - pith_panic: prints `kernel panic: <msg>` (what the fuzzers' scripts look for) and aborts, so
 *   a test that reaches it crashes and fails;
 * - pith_user_readable/pith_user_writable: always true (the tests pass host pointers).
 * Each harness keeps its own clock, console and fake monitor.
 */

/* Bytes of kernel memory allocated and not freed. */
extern size_t kernel_host_kmem;

/* When nonzero, an allocation fails if kernel_host_kmem would pass it (memory running out). */
extern size_t kernel_host_kmem_limit;

/* When kernel_host_kmalloc_fail is positive, that many allocations fail once
   kernel_host_kmalloc_skip more have succeeded (each counts down). */
extern long kernel_host_kmalloc_fail;
extern long kernel_host_kmalloc_skip;

#endif
