/* Host test: the page allocator against a simple model, zeroing rules, edges and speed; the
   page-protection map (set, query, runs, merged spans) against a model too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pith/abi.h>

#include "mem/pages.h"
#include "test.h"

struct arena {
	struct pith_pages p;
	uint8_t *mem;
	void *meta;
};

/* An arena of npages backed by host memory filled with `fill` (0 models the host's fresh RAM). */
static void arena_open(struct arena *a, size_t npages, int fill)
{
	a->mem = aligned_alloc(PITH_PAGE, npages * PITH_PAGE + PITH_PAGE);
	memset(a->mem, fill, npages * PITH_PAGE);
	a->meta = calloc(1, pith_pages_meta_bytes(npages));
	pith_pages_init(&a->p, (uint64_t)(uintptr_t)a->mem, npages, a->meta);
}

static void arena_close(struct arena *a)
{
	free(a->mem);
	free(a->meta);
}

static uint8_t *page_ptr(struct arena *a, long page)
{
	return a->mem + (size_t)page * PITH_PAGE;
}

static void test_top_down(void)
{
	struct arena a;

	arena_open(&a, 100, 0);
	CHECK_U64(pith_pages_alloc(&a.p, 1), 99);
	CHECK_U64(pith_pages_alloc(&a.p, 10), 89);
	CHECK_U64(pith_pages_alloc(&a.p, 89), 0);
	CHECK(pith_pages_alloc(&a.p, 1) == -1);
	CHECK_U64(a.p.nused, 100);
	pith_pages_release(&a.p, 89, 10);
	CHECK(pith_pages_all_free(&a.p, 89, 10));
	CHECK(!pith_pages_all_free(&a.p, 88, 2));
	CHECK(pith_pages_all_used(&a.p, 0, 89));
	CHECK(pith_pages_alloc(&a.p, 11) == -1);
	CHECK_U64(pith_pages_alloc(&a.p, 10), 89);
	CHECK(pith_pages_alloc(&a.p, 0) == -1);
	arena_close(&a);
}

/* Pages come back zeroed after reuse; pages never allocated are not written at all. */
static void test_zeroing(void)
{
	struct arena a;

	arena_open(&a, 64 * 3 + 5, 0xaa); /* 0xaa stands for "never touched": must stay */
	long p = pith_pages_alloc(&a.p, 3);

	CHECK(page_ptr(&a, p)[0] == 0xaa && page_ptr(&a, p + 2)[PITH_PAGE - 1] == 0xaa);
	memset(page_ptr(&a, p), 0x55, 3 * PITH_PAGE);
	pith_pages_release(&a.p, (size_t)p, 3);
	long q = pith_pages_alloc(&a.p, 3);

	CHECK_U64(q, p);
	CHECK(page_ptr(&a, q)[0] == 0 && page_ptr(&a, q + 1)[77] == 0 &&
	      page_ptr(&a, q + 2)[PITH_PAGE - 1] == 0);
	memset(page_ptr(&a, q), 0x66, 3 * PITH_PAGE);
	pith_pages_zero(&a.p, (size_t)q + 1, 1);
	CHECK(page_ptr(&a, q)[5] == 0x66 && page_ptr(&a, q + 1)[5] == 0 &&
	      page_ptr(&a, q + 2)[5] == 0x66);
	/* claim over an allocated page (MAP_FIXED replacing a mapping) clears it too */
	pith_pages_claim(&a.p, (size_t)q, 1);
	CHECK(page_ptr(&a, q)[5] == 0);
	CHECK_U64(a.p.nused, 3);
	arena_close(&a);
}

/* Random allocations and releases, checked against a byte-per-page model. */
static int model_has_run(const uint8_t *used, size_t npages, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < npages; i++) {
		run = used[i] ? 0 : run + 1;
		if (run >= n)
			return 1;
	}
	return 0;
}

static void test_against_model(size_t npages, unsigned seed)
{
	struct arena a;
	uint8_t *model = calloc(npages, 1);
	size_t used = 0, bad = 0;

	arena_open(&a, npages, 0);
	srand(seed);
	for (int op = 0; op < 4000; op++) {
		size_t n = 1 + (size_t)rand() % (rand() % 4 ? 8 : 200);
		size_t first = (size_t)rand() % npages;

		if (rand() % 3) {
			long got = pith_pages_alloc(&a.p, n);

			if (got < 0) {
				bad += model_has_run(model, npages, n);
				continue;
			}
			for (size_t i = 0; i < n; i++) {
				bad += model[got + i] != 0;
				model[got + i] = 1;
			}
			used += n;
		} else {
			n = first + n > npages ? npages - first : n;
			pith_pages_release(&a.p, first, n);
			for (size_t i = first; i < first + n; i++) {
				used -= model[i];
				model[i] = 0;
			}
		}
		bad += a.p.nused != used;
	}
	for (size_t i = 0; i < npages; i++)
		bad += pith_pages_all_used(&a.p, i, 1) != model[i];
	CHECKF(bad == 0, "model of %zu pages (seed %u): %zu mismatches", npages, seed, bad);
	arena_close(&a);
	free(model);
}

/* A 4 GiB arena (bitmaps only: fresh pages are never written, so no memory behind it). */
static void test_big_arena_speed(void)
{
	size_t npages = (4ULL << 30) / PITH_PAGE;
	void *meta = calloc(1, pith_pages_meta_bytes(npages));
	struct pith_pages p;
	struct timespec t0, t1;
	long n = 0, last = -1;

	pith_pages_init(&p, 1ULL << 40, npages, meta);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long got; (got = pith_pages_alloc(&p, 7)) >= 0; n++)
		last = got;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;

	CHECK_U64((uint64_t)n, npages / 7);
	CHECK_U64((uint64_t)last, npages % 7);
	CHECK_U64((uint64_t)pith_pages_alloc(&p, 1),
		  npages % 7 - 1); /* the pages left at the bottom */
	printf("filled a 4 GiB arena with %ld 7-page runs in %.1f ms (%.0f ns each)\n", n, ms,
	       ms * 1e6 / (double)n);
	CHECKF(ms < 2000, "allocation too slow: %.1f ms", ms);
	free(meta);
}

/* Set, query, runs and spans across word edges, and the count of pages that are not RW. */
static void test_prot_basics(void)
{
	struct arena a;
	size_t lo = 0, hi = 0;

	arena_open(&a, 200, 0);
	CHECK_U64(pith_pages_prot(&a.p, 0), PITH_PROT_RW);
	CHECK(!pith_pages_prot_span(&a.p, 0, 200, PITH_PROT_RW, &lo, &hi));
	pith_pages_prot_set(&a.p, 60, 10, PITH_PROT_NONE); /* 60..69: across words 0 and 1 */
	pith_pages_prot_set(&a.p, 65, 2, PITH_PROT_READ);
	CHECK_U64(a.p.nprot, 10);
	CHECK_U64(pith_pages_prot(&a.p, 59), PITH_PROT_RW);
	CHECK_U64(pith_pages_prot(&a.p, 60), PITH_PROT_NONE);
	CHECK_U64(pith_pages_prot(&a.p, 65), PITH_PROT_READ);
	CHECK_U64(pith_pages_prot(&a.p, 67), PITH_PROT_NONE);
	CHECK_U64(pith_pages_prot(&a.p, 70), PITH_PROT_RW);
	CHECK_U64(pith_pages_prot_run(&a.p, 60, 100, PITH_PROT_NONE), 5);
	CHECK_U64(pith_pages_prot_run(&a.p, 0, 200, PITH_PROT_RW), 60);
	CHECK_U64(pith_pages_prot_run(&a.p, 70, 130, PITH_PROT_RW), 130);
	/* Merge: one span from the first to the last page that must change. */
	CHECK(pith_pages_prot_span(&a.p, 0, 200, PITH_PROT_RW, &lo, &hi));
	CHECK_U64(lo, 60);
	CHECK_U64(hi, 70);
	CHECK(pith_pages_prot_span(&a.p, 0, 200, PITH_PROT_NONE, &lo, &hi));
	CHECK_U64(lo, 0);
	CHECK_U64(hi, 200);
	CHECK(pith_pages_prot_span(&a.p, 60, 10, PITH_PROT_NONE, &lo, &hi));
	CHECK_U64(lo, 65);
	CHECK_U64(hi, 67);
	CHECK(!pith_pages_prot_span(&a.p, 60, 5, PITH_PROT_NONE, &lo, &hi));
	CHECK(pith_pages_prot_allows(&a.p, 65, 2, false));
	CHECK(!pith_pages_prot_allows(&a.p, 65, 2, true));
	CHECK(!pith_pages_prot_allows(&a.p, 50, 11, false));
	CHECK(pith_pages_prot_allows(&a.p, 70, 130, true));
	pith_pages_prot_set(&a.p, 0, 200, PITH_PROT_RW);
	CHECK_U64(a.p.nprot, 0);
	CHECK(pith_pages_prot_allows(&a.p, 0, 200, true));
	/* The allocator's own bitmaps are untouched by protections. */
	CHECK(pith_pages_all_free(&a.p, 0, 200));
	arena_close(&a);
}

/* Whether the map agrees with a byte-per-page model everywhere (queries, runs, spans, allows). */
static bool prot_matches(const struct pith_pages *p, const uint8_t *model, size_t npages)
{
	size_t nprot = 0;

	for (size_t i = 0; i < npages; i++) {
		if (pith_pages_prot(p, i) != model[i])
			return false;
		nprot += model[i] != PITH_PROT_RW;
	}
	return p->nprot == nprot;
}

static bool span_matches(const struct pith_pages *p, const uint8_t *model, size_t first, size_t n,
			 unsigned prot)
{
	size_t lo = 0, hi = 0, mlo = SIZE_MAX, mhi = 0, run = n;
	bool readable = true, writable = true;

	for (size_t i = first; i < first + n; i++) {
		if (model[i] != prot) {
			mlo = mlo == SIZE_MAX ? i : mlo;
			mhi = i + 1;
			run = run == n ? i - first : run;
		}
		readable &= model[i] != PITH_PROT_NONE;
		writable &= model[i] == PITH_PROT_RW;
	}
	if (pith_pages_prot_run(p, first, n, prot) != run ||
	    pith_pages_prot_allows(p, first, n, false) != readable ||
	    pith_pages_prot_allows(p, first, n, true) != writable)
		return false;
	if (!pith_pages_prot_span(p, first, n, prot, &lo, &hi))
		return mlo == SIZE_MAX;
	return lo == mlo && hi == mhi;
}

static void test_prot_against_model(size_t npages, unsigned seed)
{
	static const unsigned prots[] = {PITH_PROT_NONE, PITH_PROT_READ, PITH_PROT_RW};
	uint8_t *model = malloc(npages);
	struct arena a;
	bool ok = true;

	memset(model, PITH_PROT_RW, npages);
	arena_open(&a, npages, 0);
	srand(seed);
	for (int step = 0; step < 3000 && ok; step++) {
		size_t first = (size_t)rand() % npages;
		size_t n = 1 + (size_t)rand() % (rand() % 4 ? 8 : npages - first);
		unsigned prot = prots[rand() % 3];

		n = n > npages - first ? npages - first : n;
		if (rand() % 2) {
			pith_pages_prot_set(&a.p, first, n, prot);
			memset(model + first, (int)prot, n);
		}
		ok = prot_matches(&a.p, model, npages) &&
		     span_matches(&a.p, model, first, n, prots[rand() % 3]);
	}
	CHECKF(ok, "protection map differs from the model (npages %zu, seed %u)", npages, seed);
	arena_close(&a);
	free(model);
}

int main(void)
{
	test_top_down();
	test_zeroing();
	test_against_model(1000, 1);
	test_against_model(64 * 9, 2);
	test_against_model(5000, 3);
	test_against_model(63, 4);
	test_big_arena_speed();
	test_prot_basics();
	test_prot_against_model(300, 5);
	test_prot_against_model(64 * 3, 6);
	test_prot_against_model(1000, 7);
	return test__done();
}
