/* Host stand-ins for the ramfs tests: the VFS's clock and log, and memory statistics. */
#include <stdio.h>
#include <time.h>

#include "mem/mem.h"
#include "vfs/vfs.h"

#include "shim.h"

char shim_log[512];
uint64_t shim_mem_total = 64ull << 20, shim_mem_free = 32ull << 20;

/* kmalloc, panic and the user-pointer checks are tests/lib/kernel_host.c's. */

void pith_vfs_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

void pith_vfs_log(const struct pith_mount *m, const char *msg)
{
	snprintf(shim_log, sizeof(shim_log), "pith: %s: %s", m->path, msg);
}

void pith_mem_stats(uint64_t *total, uint64_t *free)
{
	*total = shim_mem_total;
	*free = shim_mem_free;
}
