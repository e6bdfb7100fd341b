/* Protections of arena pages: one PITH_HC_PROTECT per change, the map kept in step with it. */
#include <pith/abi.h>

#include "core/core.h"
#include "mem/mem.h"

/* pith_user_prot_ok for the arena: the pages of [a, a + len) that lie in it must allow it. */
static bool user_prot_ok(uint64_t a, size_t len, bool write)
{
	uint64_t lo = pith_mem.arena_start, hi = pith_mem.arena_end;
	uint64_t end = a + len; /* no wrap: pith_user_map accepted the range */

	if (!pith_mem.pages.nprot || end <= lo || a >= hi)
		return true;
	a = a < lo ? lo : a;
	end = end > hi ? hi : end;
	return pith_pages_prot_allows(&pith_mem.pages, (a - lo) / PITH_PAGE,
				      (end - 1 - lo) / PITH_PAGE - (a - lo) / PITH_PAGE + 1, write);
}

void pith_mem_prot_record(size_t first, size_t n, unsigned prot)
{
	pith_pages_prot_set(&pith_mem.pages, first, n, prot);
	if (prot != PITH_PROT_RW)
		pith_user_prot_ok = user_prot_ok;
}

int pith_mem_protect(size_t first, size_t n, unsigned prot)
{
	size_t lo, hi;
	int err;

	if (!pith_pages_prot_span(&pith_mem.pages, first, n, prot, &lo, &hi))
		return 0;
	err =
	    pith_mem_protect_hc(pith_pages_addr(&pith_mem.pages, lo), (hi - lo) * PITH_PAGE, prot);
	if (!err)
		pith_mem_prot_record(lo, hi - lo, prot);
	return err;
}

int pith_mem_release(size_t first, size_t n)
{
	int err = pith_mem_protect(first, n, PITH_PROT_RW);

	if (!err)
		pith_pages_release(&pith_mem.pages, first, n);
	return err;
}

/* Zero pages that all have the protection prot. */
static int zero_run(size_t first, size_t n, unsigned prot)
{
	int err = pith_mem_protect(first, n, PITH_PROT_RW);

	if (err)
		return err;
	pith_pages_zero(&pith_mem.pages, first, n);
	return pith_mem_protect(first, n, prot);
}

int pith_mem_zero(size_t first, size_t n)
{
	size_t end = first + n;

	while (first < end) {
		unsigned prot = pith_pages_prot(&pith_mem.pages, first);
		size_t run = pith_pages_prot_run(&pith_mem.pages, first, end - first, prot);
		int err = zero_run(first, run, prot);

		if (err)
			return err;
		first += run;
	}
	return 0;
}
