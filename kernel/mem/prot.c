/* Page protections of the arena: two bitmaps (nowrite, noread) beside the allocator's. */
#include <pith/abi.h>

#include "mem/pages.h"

unsigned pith_pages_prot(const struct pith_pages *p, size_t page)
{
	uint64_t bit = 1ULL << (page % 64);

	if (p->noread[page / 64] & bit)
		return PITH_PROT_NONE;
	return p->nowrite[page / 64] & bit ? PITH_PROT_READ : PITH_PROT_RW;
}

/* The bits of word w, among those of m, whose page's protection is not prot. */
static uint64_t differ(const struct pith_pages *p, size_t w, uint64_t m, unsigned prot)
{
	uint64_t want_nowrite = prot != PITH_PROT_RW ? m : 0;
	uint64_t want_noread = prot == PITH_PROT_NONE ? m : 0;

	return ((p->nowrite[w] ^ want_nowrite) | (p->noread[w] ^ want_noread)) & m;
}

void pith_pages_prot_set(struct pith_pages *p, size_t first, size_t n, unsigned prot)
{
	for (size_t w = first / 64; w * 64 < first + n; w++) {
		uint64_t m = pith_pages_word_mask(w, first, first + n);

		p->nprot -= (size_t)__builtin_popcountll(p->nowrite[w] & m);
		p->nowrite[w] = prot != PITH_PROT_RW ? p->nowrite[w] | m : p->nowrite[w] & ~m;
		p->noread[w] = prot == PITH_PROT_NONE ? p->noread[w] | m : p->noread[w] & ~m;
		p->nprot += (size_t)__builtin_popcountll(p->nowrite[w] & m);
	}
}

size_t pith_pages_prot_run(const struct pith_pages *p, size_t first, size_t n, unsigned prot)
{
	for (size_t w = first / 64; w * 64 < first + n; w++) {
		uint64_t d = differ(p, w, pith_pages_word_mask(w, first, first + n), prot);

		if (d)
			return w * 64 + (size_t)__builtin_ctzll(d) - first;
	}
	return n;
}

bool pith_pages_prot_span(const struct pith_pages *p, size_t first, size_t n, unsigned prot,
			  size_t *lo, size_t *hi)
{
	bool found = false;

	for (size_t w = first / 64; w * 64 < first + n; w++) {
		uint64_t d = differ(p, w, pith_pages_word_mask(w, first, first + n), prot);

		if (!d)
			continue;
		if (!found)
			*lo = w * 64 + (size_t)__builtin_ctzll(d);
		*hi = w * 64 + 64 - (size_t)__builtin_clzll(d);
		found = true;
	}
	return found;
}

bool pith_pages_prot_allows(const struct pith_pages *p, size_t first, size_t n, bool write)
{
	const uint64_t *denied = write ? p->nowrite : p->noread;

	if (!p->nprot)
		return true;
	for (size_t w = first / 64; w * 64 < first + n; w++)
		if (denied[w] & pith_pages_word_mask(w, first, first + n))
			return false;
	return true;
}
