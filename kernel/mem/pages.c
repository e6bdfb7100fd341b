/* Page allocator over one arena: used/dirty bitmaps, top-down first fit, lazy zeroing on reuse. */
#include <string.h>

#include "mem/pages.h"

#define ALL_ONES (~0ULL)

static void update_full(struct pith_pages *p, size_t w)
{
	if (p->used[w] == ALL_ONES)
		p->full[w / 64] |= 1ULL << (w % 64);
	else
		p->full[w / 64] &= ~(1ULL << (w % 64));
}

size_t pith_pages_meta_bytes(size_t npages)
{
	size_t nwords = (npages + 63) / 64;

	return (5 * nwords + (nwords + 63) / 64) * sizeof(uint64_t);
}

void pith_pages_init(struct pith_pages *p, uint64_t base, size_t npages, void *meta)
{
	p->base = base;
	p->npages = npages;
	p->nwords = (npages + 63) / 64;
	p->nused = 0;
	p->used = meta;
	p->dirty = p->used + p->nwords;
	p->full = p->dirty + p->nwords;
	p->kern = p->full + (p->nwords + 63) / 64;
	p->nowrite = p->kern + p->nwords;
	p->noread = p->nowrite + p->nwords;
	p->nprot = 0;
	if (npages % 64) {
		/* The pages past the end of the last word do not exist: never free. */
		p->used[p->nwords - 1] = ~pith_pages_bits(0, npages % 64);
		update_full(p, p->nwords - 1);
	}
}

/* Highest i such that bits i..i+n-1 of free are all set (1 <= n < 64), or -1. */
static long run_in_word(uint64_t free, size_t n)
{
	uint64_t x = free;
	size_t have = 1; /* invariant: bit i of x set iff bits i..i+have-1 of free are set */

	while (have < n && x) {
		size_t shift = have < n - have ? have : n - have;

		x &= x >> shift;
		have += shift;
	}
	return x ? 63 - __builtin_clzll(x) : -1;
}

/* First page of the highest run of n free pages found scanning down from the top, or -1. */
static long find_run(const struct pith_pages *p, size_t n)
{
	size_t run = 0, run_top = 0; /* free pages just above the scan position, and their end */

	for (size_t w = p->nwords; w-- > 0;) {
		uint64_t u = p->used[w];

		if (w % 64 == 63 && p->full[w / 64] == ALL_ONES) {
			run = 0;
			w -= 63; /* 64 full words: 4096 used pages skipped at once */
			continue;
		}
		if (u == ALL_ONES) {
			run = 0;
			continue;
		}
		unsigned lead = u ? (unsigned)__builtin_clzll(u) : 64; /* free pages at the top */

		if (!run)
			run_top = (w + 1) * 64;
		run += lead;
		if (run >= n)
			return (long)(run_top - n);
		if (!u)
			continue;
		long i = n < 64 ? run_in_word(~u, n) : -1;

		if (i >= 0)
			return (long)(w * 64 + (size_t)i);
		run = (size_t)__builtin_ctzll(u);
		run_top = w * 64 + run;
	}
	return -1;
}

/* memset to zero the pages of word w whose bits are set in m. */
static void zero_pages(const struct pith_pages *p, size_t w, uint64_t m)
{
	while (m) {
		unsigned lo = (unsigned)__builtin_ctzll(m);
		uint64_t rest = ~(m >> lo);
		unsigned len = rest ? (unsigned)__builtin_ctzll(rest) : 64 - lo;

		memset((void *)(uintptr_t)pith_pages_addr(p, w * 64 + lo), 0, len * PITH_PAGE);
		m &= ~pith_pages_bits(lo, lo + len);
	}
}

long pith_pages_alloc(struct pith_pages *p, size_t n)
{
	long first = n && n <= p->npages ? find_run(p, n) : -1;

	if (first >= 0)
		pith_pages_claim(p, (size_t)first, n);
	return first;
}

bool pith_pages_all_free(const struct pith_pages *p, size_t first, size_t n)
{
	for (size_t w = first / 64; w * 64 < first + n; w++)
		if (p->used[w] & pith_pages_word_mask(w, first, first + n))
			return false;
	return true;
}

bool pith_pages_all_used(const struct pith_pages *p, size_t first, size_t n)
{
	for (size_t w = first / 64; w * 64 < first + n; w++) {
		uint64_t m = pith_pages_word_mask(w, first, first + n);

		if ((p->used[w] & m) != m)
			return false;
	}
	return true;
}

void pith_pages_claim(struct pith_pages *p, size_t first, size_t n)
{
	for (size_t w = first / 64; w * 64 < first + n; w++) {
		uint64_t m = pith_pages_word_mask(w, first, first + n);

		zero_pages(p, w, p->dirty[w] & m);
		p->nused += (size_t)__builtin_popcountll(m & ~p->used[w]);
		p->used[w] |= m;
		p->dirty[w] |= m;
		update_full(p, w);
	}
}

void pith_pages_release(struct pith_pages *p, size_t first, size_t n)
{
	for (size_t w = first / 64; w * 64 < first + n; w++) {
		uint64_t m = p->used[w] & ~p->kern[w] & pith_pages_word_mask(w, first, first + n);

		p->used[w] &= ~m;
		p->nused -= (size_t)__builtin_popcountll(m);
		update_full(p, w);
	}
}

void pith_pages_zero(struct pith_pages *p, size_t first, size_t n)
{
	for (size_t w = first / 64; w * 64 < first + n; w++)
		zero_pages(p, w,
			   p->used[w] & ~p->kern[w] & pith_pages_word_mask(w, first, first + n));
}

long pith_pages_kern_alloc(struct pith_pages *p, size_t n)
{
	long first = pith_pages_alloc(p, n);
	size_t lo = (size_t)first;

	if (first < 0)
		return -1;
	for (size_t w = lo / 64; w * 64 < lo + n; w++)
		p->kern[w] |= pith_pages_word_mask(w, lo, lo + n);
	return first;
}

void pith_pages_kern_free(struct pith_pages *p, size_t first, size_t n)
{
	for (size_t w = first / 64; w * 64 < first + n; w++)
		p->kern[w] &= ~pith_pages_word_mask(w, first, first + n);
	pith_pages_release(p, first, n);
}

bool pith_pages_any_kern(const struct pith_pages *p, size_t first, size_t n)
{
	for (size_t w = first / 64; w * 64 < first + n; w++)
		if (p->kern[w] & pith_pages_word_mask(w, first, first + n))
			return true;
	return false;
}
