/* brk: the program break grows up from the start of the heap arena, page by page. */
#include "mem/mem.h"
#include "syscall/syscall.h"

/* Pages from the current break's page up to the new break's page are claimed, cleared. */
static int brk_grow(uint64_t cur_top, uint64_t new_top)
{
	size_t first, n;

	if (!pith_mem_arena_range(cur_top, new_top - cur_top, &first, &n))
		return 0; /* the end of the arena */
	pith_stack_cache_evict_range(first, n);
	if (!pith_pages_all_free(&pith_mem.pages, first, n))
		return 0; /* collides with a mapping */
	pith_pages_claim(&pith_mem.pages, first, n);
	return 1;
}

/* Whether pages [lo, hi) of the break hold kernel memory (the program unmapped them first). */
static int brk_over_kern(uint64_t lo, uint64_t hi)
{
	size_t first, n;

	return pith_mem_arena_range(lo, hi - lo, &first, &n) &&
	       pith_pages_any_kern(&pith_mem.pages, first, n);
}

/* Pages [lo, hi) of the break are freed, RW again if the program protected some; 0 or -errno. */
static int brk_shrink(uint64_t lo, uint64_t hi)
{
	size_t first = (lo - pith_mem.arena_start) / PITH_PAGE, n = (hi - lo) / PITH_PAGE;

	pith_stack_cache_evict_range(first, n); /* a stack the program unmapped from its break */
	return pith_mem_release(first, n);
}

/* As Linux: returns the new break on success, the unchanged one on failure. */
PITH_SYSCALL_RET1(PITH_RET_ADDR, brk, void *, addr)
{
	uint64_t want = (uint64_t)(uintptr_t)addr;
	uint64_t cur_top = pith_mem_page_round(pith_mem.brk);
	uint64_t new_top = pith_mem_page_round(want);

	pith_stack_cache_settle();
	if (want < pith_mem.arena_start || want > pith_mem.arena_end)
		return (long)pith_mem.brk;
	if (new_top > cur_top && !brk_grow(cur_top, new_top))
		return (long)pith_mem.brk;
	if (new_top < cur_top && brk_over_kern(new_top, cur_top))
		return (long)pith_mem.brk;
	if (new_top < cur_top && brk_shrink(new_top, cur_top))
		return (long)pith_mem.brk;
	pith_mem.brk = want;
	return (long)want;
}
