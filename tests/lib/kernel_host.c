/* Host stand-ins shared by kernel host tests: sized kmalloc/kfree, panic, user pointers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "mem/mem.h"

#include "kernel_host.h"

size_t kernel_host_kmem;
size_t kernel_host_kmem_limit;
long kernel_host_kmalloc_fail;
long kernel_host_kmalloc_skip;

void pith_panic(const char *msg)
{
	fprintf(stderr, "kernel panic: %s\n", msg);
	abort();
}

/* Whether this allocation is one the test asked to fail. */
static bool kmalloc_injected_failure(size_t size)
{
	if (kernel_host_kmalloc_fail > 0 && kernel_host_kmalloc_skip > 0) {
		kernel_host_kmalloc_skip--;
	} else if (kernel_host_kmalloc_fail > 0) {
		kernel_host_kmalloc_fail--;
		return true;
	}
	return kernel_host_kmem_limit && kernel_host_kmem + size > kernel_host_kmem_limit;
}

/* The header in front of each block, which holds its size: as big as the block's alignment. */
static size_t kmem_align(size_t size)
{
	return size >= 4096 ? 4096 : 64;
}

void *pith_kmalloc(size_t size)
{
	size_t a = kmem_align(size);
	void *p;

	if (kmalloc_injected_failure(size))
		return NULL;
	if (size > (1u << 30) || posix_memalign(&p, a, a + size))
		return NULL;
	memset(p, 0, a + size);
	memcpy((char *)p + a - sizeof(size), &size, sizeof(size));
	kernel_host_kmem += size;
	return (char *)p + a;
}

void pith_kfree(void *q, size_t size)
{
	size_t a = kmem_align(size), stored;

	if (!q)
		return;
	memcpy(&stored, (char *)q - sizeof(stored), sizeof(stored));
	if (stored != size) {
		fprintf(stderr, "pith_kfree: size %zu, allocated %zu\n", size, stored);
		abort();
	}
	kernel_host_kmem -= size;
	free((char *)q - a);
}

bool pith_user_readable(const void *p, size_t len)
{
	(void)p, (void)len;
	return true;
}

bool pith_user_writable(const void *p, size_t len)
{
	(void)p, (void)len;
	return true;
}
