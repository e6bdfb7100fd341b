/* The thread-stack cache: guarded regions kept with their page tables for the next thread. */
#include <string.h>

#include <pith/abi.h>

#include "core/core.h"
#include "mem/mem.h"

/* A cached region: pages [first, first + n), the first `guard` of them PROT_NONE, the rest RW. */
struct region {
	size_t first, n, guard;
};

/* Regions oldest first; `pending` is the region last taken while its RW part is not NONE yet. */
static struct {
	struct region r[PITH_STACK_CACHE_REGIONS];
	unsigned count;
	size_t pages;
	struct region pending;
	bool has_pending;
} cache;

struct pith_stack_cache_stats pith_stack_cache_stats;

/* The guard size of [first, first + n) if it has the cacheable shape, else 0. */
static size_t guard_of(size_t first, size_t n)
{
	const struct pith_pages *p = &pith_mem.pages;
	size_t guard = pith_pages_prot_run(p, first, n, PITH_PROT_NONE);

	if (!guard || guard == n ||
	    pith_pages_prot_run(p, first + guard, n - guard, PITH_PROT_RW) != n - guard)
		return 0;
	if (!pith_pages_all_used(p, first, n) || pith_pages_any_kern(p, first, n))
		return 0;
	return guard;
}

static struct region unlink_region(unsigned i)
{
	struct region r = cache.r[i];

	memmove(&cache.r[i], &cache.r[i + 1], (cache.count - i - 1) * sizeof(cache.r[0]));
	cache.count--;
	cache.pages -= r.n;
	return r;
}

/* Free region i: its guard made RW again. If the monitor refused, its pages stay allocated. */
static void evict(unsigned i)
{
	struct region r = unlink_region(i);

	pith_stack_cache_stats.evictions++;
	pith_mem_release(r.first, r.n);
}

bool pith_stack_cache_put(size_t first, size_t n)
{
	size_t guard = guard_of(first, n);

	PITH_ASSERT(!cache.has_pending);
	if (!guard || n > PITH_STACK_CACHE_BYTES / PITH_PAGE)
		return false;
	while (cache.count == PITH_STACK_CACHE_REGIONS ||
	       cache.pages + n > PITH_STACK_CACHE_BYTES / PITH_PAGE)
		evict(0);
	cache.r[cache.count++] = (struct region){first, n, guard};
	cache.pages += n;
	return true;
}

/* The newest region of n pages, or -1. */
static long find(size_t n)
{
	for (unsigned i = cache.count; i-- > 0;)
		if (cache.r[i].n == n)
			return i;
	return -1;
}

/*
 * The part above the guard is zeroed whole: musl expects zeroed memory under its TLS and struct
 * pthread at the top, and which pages the previous thread dirtied is not known.
 */
long pith_stack_cache_take(size_t n)
{
	long i = find(n);
	struct region r;

	PITH_ASSERT(!cache.has_pending);
	if (i < 0) {
		pith_stack_cache_stats.misses++;
		return -1;
	}
	r = unlink_region((unsigned)i);
	memset((void *)(uintptr_t)pith_pages_addr(&pith_mem.pages, r.first + r.guard), 0,
	       (r.n - r.guard) * PITH_PAGE);
	pith_mem_prot_record(r.first + r.guard, r.n - r.guard, PITH_PROT_NONE);
	cache.pending = r;
	cache.has_pending = true;
	pith_stack_cache_stats.hits++;
	return (long)r.first;
}

bool pith_stack_cache_complete(size_t first, size_t n, unsigned prot)
{
	struct region *r = &cache.pending;

	if (!cache.has_pending || prot != PITH_PROT_RW || first != r->first + r->guard ||
	    n != r->n - r->guard)
		return false;
	pith_mem_prot_record(first, n, PITH_PROT_RW);
	cache.has_pending = false;
	pith_stack_cache_stats.lazy++;
	return true;
}

/* If the monitor refuses, the map records what the page tables say: RW. */
void pith_stack_cache_settle(void)
{
	struct region *r = &cache.pending;
	size_t first = r->first + r->guard, n = r->n - r->guard;

	if (!cache.has_pending)
		return;
	cache.has_pending = false;
	if (pith_mem_protect_hc(pith_pages_addr(&pith_mem.pages, first), n * PITH_PAGE,
				PITH_PROT_NONE))
		pith_mem_prot_record(first, n, PITH_PROT_RW);
}

void pith_stack_cache_evict_range(size_t first, size_t n)
{
	for (unsigned i = cache.count; i-- > 0;)
		if (cache.r[i].first < first + n && first < cache.r[i].first + cache.r[i].n)
			evict(i);
}

bool pith_stack_cache_flush(void)
{
	bool any = cache.count > 0;

	while (cache.count)
		evict(cache.count - 1);
	return any;
}

size_t pith_stack_cache_pages(void)
{
	return cache.pages;
}
