/* Host test: pith_kmalloc/pith_kfree over a page arena, and the kern bitmap that guards them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "mem/mem.h"
#include "test.h"

#define NPAGES 1024

struct pith_mem pith_mem;

void pith_panic(const char *msg)
{
	fprintf(stderr, "pith_panic: %s\n", msg);
	abort();
}

static void arena_init(void)
{
	void *mem = aligned_alloc(PITH_PAGE, NPAGES * PITH_PAGE);
	void *meta = calloc(1, pith_pages_meta_bytes(NPAGES));

	memset(mem, 0xa5, NPAGES * PITH_PAGE); /* "dirty" RAM: kmalloc must zero what it gives */
	pith_pages_init(&pith_mem.pages, (uint64_t)(uintptr_t)mem, NPAGES, meta);
	for (size_t w = 0; w < pith_mem.pages.nwords; w++)
		pith_mem.pages.dirty[w] = ~0ULL;
	pith_mem.arena_start = pith_mem.pages.base;
	pith_mem.arena_end = pith_mem.pages.base + NPAGES * PITH_PAGE;
}

static size_t page_of(const void *p)
{
	return ((uintptr_t)p - pith_mem.pages.base) / PITH_PAGE;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Every size gets a zeroed, aligned block on kernel pages; blocks never overlap. */
static void test_sizes(void)
{
	static const size_t sizes[] = {0, 1, 15, 16, 17, 100, 512, 2047, 2048, 2049, 4096, 70000};
	void *p[12];
	bool ok = true;

	for (int i = 0; i < 12; i++) {
		size_t n = sizes[i] ? sizes[i] : 1;

		p[i] = pith_kmalloc(sizes[i]);
		ok &= p[i] && all_zero(p[i], n) && (uintptr_t)p[i] % 16 == 0;
		ok &= sizes[i] < 4096 || (uintptr_t)p[i] % PITH_PAGE == 0;
		ok &= pith_pages_any_kern(&pith_mem.pages, page_of(p[i]), 1);
		memset(p[i], 0xff, n);
	}
	CHECK(ok);
	for (int i = 0; i < 12; i++)
		pith_kfree(p[i], sizes[i]);
}

/* 5000 small blocks and back: memory returns (at most one spare page per size class kept). */
static void test_churn(void)
{
	static void *p[5000];
	size_t base = pith_mem.pages.nused;
	bool distinct = true;

	for (int i = 0; i < 5000; i++) {
		p[i] = pith_kmalloc(48);
		if (!p[i])
			break;
		*(int *)p[i] = i;
	}
	for (int i = 0; i < 5000; i++)
		distinct &= p[i] && *(int *)p[i] == i;
	CHECK(distinct);
	CHECK(pith_mem.pages.nused > base + 50);
	for (int i = 0; i < 5000; i++)
		pith_kfree(p[i], 48);
	CHECKF(pith_mem.pages.nused <= base + 1, "nused %zu base %zu", pith_mem.pages.nused, base);
}

/* The program's release and zero requests skip kernel pages; kern_free really frees. */
static void test_kern_bitmap(void)
{
	struct pith_pages *pg = &pith_mem.pages;
	char *big = pith_kmalloc(3 * PITH_PAGE);
	size_t first = page_of(big), used = pg->nused;

	memset(big, 7, 3 * PITH_PAGE);
	CHECK(pith_pages_all_used(pg, first, 3) && pith_pages_any_kern(pg, first, 3));
	pith_pages_release(pg, first > 0 ? first - 1 : 0, 5); /* a munmap spanning them */
	CHECK(pith_pages_all_used(pg, first, 3));
	pith_pages_zero(pg, first, 3);
	CHECK(big[0] == 7 && big[3 * PITH_PAGE - 1] == 7);
	pith_kfree(big, 3 * PITH_PAGE);
	CHECK(pith_pages_all_free(pg, first, 3) && !pith_pages_any_kern(pg, first, 3));
	CHECK(pg->nused <= used - 3);
}

/* Out of memory is NULL, not a crash; memory comes back afterwards. */
static void test_exhaust(void)
{
	static void *p[NPAGES];
	int n = 0;

	while (n < NPAGES && (p[n] = pith_kmalloc(PITH_PAGE)))
		n++;
	CHECKF(n > 900 && n < NPAGES && pith_kmalloc(2 * PITH_PAGE) == NULL, "n %d", n);
	while (n--)
		pith_kfree(p[n], PITH_PAGE);
	CHECK(pith_kmalloc(8 * PITH_PAGE) != NULL);
}

int main(void)
{
	arena_init();
	test_sizes();
	test_churn();
	test_kern_bitmap();
	test_exhaust();
	return test__done();
}
