/* Host stand-ins for the ramfs tests: kmalloc over calloc (sizes checked), panic, time, log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "mem/mem.h"
#include "vfs/vfs.h"

#include "shim.h"

size_t shim_kmem, shim_kmem_limit;
char shim_log[512];
uint64_t shim_mem_total = 64ull << 20, shim_mem_free = 32ull << 20;

/* Each block carries its size in front, so that a free with the wrong size is caught. */
struct block_hdr {
	size_t size;
	size_t pad;
};

void *pith_kmalloc(size_t size)
{
	struct block_hdr *h;

	if (shim_kmem_limit && shim_kmem + size > shim_kmem_limit)
		return NULL;
	h = calloc(1, sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	shim_kmem += size;
	return h + 1;
}

void pith_kfree(void *p, size_t size)
{
	struct block_hdr *h = (struct block_hdr *)p - 1;

	if (h->size != size) {
		fprintf(stderr, "pith_kfree: freed %zu bytes of a %zu-byte block\n", size, h->size);
		abort();
	}
	shim_kmem -= size;
	free(h);
}

void pith_panic(const char *msg)
{
	fprintf(stderr, "panic: %s\n", msg);
	abort();
}

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
