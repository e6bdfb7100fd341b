/* Host stand-ins for the ramfs tests (the VFS's clock and log); kmalloc is kernel_host.c's. */
#ifndef PITH_TESTS_FS_RAMFS_SHIM_H
#define PITH_TESTS_FS_RAMFS_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel_host.h"

/* Bytes of kernel memory allocated and not freed. */
#define shim_kmem	kernel_host_kmem
/* When nonzero, pith_kmalloc fails once shim_kmem would pass it (memory running out). */
#define shim_kmem_limit kernel_host_kmem_limit
/* The last message given to pith_vfs_log (the test clears it). */
extern char shim_log[512];
/* What pith_mem_stats reports. */
extern uint64_t shim_mem_total, shim_mem_free;

#endif
