/* Host stand-ins for the kernel services the ramfs tests link against (kmalloc, panic, time). */
#ifndef PITH_TESTS_FS_RAMFS_SHIM_H
#define PITH_TESTS_FS_RAMFS_SHIM_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of kernel memory allocated and not freed. */
extern size_t shim_kmem;
/* When nonzero, pith_kmalloc fails once shim_kmem would pass it (memory running out). */
extern size_t shim_kmem_limit;
/* The last message given to pith_vfs_log (the test clears it). */
extern char shim_log[512];
/* What pith_mem_stats reports. */
extern uint64_t shim_mem_total, shim_mem_free;

#endif
