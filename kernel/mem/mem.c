/* The heap arena: set up at boot from the boot info; carries the mem component's note. */
#include "core/core.h"
#include "core/note.h"
#include "mem/mem.h"

PITH_COMPONENT_NOTE(mem);

struct pith_mem pith_mem;

void pith_mem_init(const struct pith_boot_info *bi)
{
	size_t heap_pages = (bi->heap_end - bi->heap_start) / PITH_PAGE;
	size_t meta_pages = pith_mem_page_round(pith_pages_meta_bytes(heap_pages)) / PITH_PAGE;

	if (meta_pages > heap_pages)
		meta_pages = heap_pages; /* no room even for the bitmaps: an empty arena */
	pith_mem.arena_start = bi->heap_start + meta_pages * PITH_PAGE;
	pith_mem.arena_end = bi->heap_end;
	pith_mem.brk = pith_mem.arena_start;
	/* The bitmaps are in never-used RAM, which the host gave zeroed. */
	pith_pages_init(&pith_mem.pages, pith_mem.arena_start, heap_pages - meta_pages,
			(void *)(uintptr_t)bi->heap_start);
}

void pith_mem_stats(uint64_t *total, uint64_t *free)
{
	*total = pith_boot_info->mem_size;
	/* Cached thread stacks are freed as soon as memory runs short: they count as free. */
	*free =
	    (pith_mem.pages.npages - pith_mem.pages.nused + pith_stack_cache_pages()) * PITH_PAGE;
}

bool pith_mem_arena_range(uint64_t addr, uint64_t len, size_t *first, size_t *n)
{
	uint64_t size = pith_mem_page_round(len);

	if (!size || (addr & (PITH_PAGE - 1)) || addr < pith_mem.arena_start ||
	    addr > pith_mem.arena_end || size > pith_mem.arena_end - addr)
		return false;
	*first = (addr - pith_mem.arena_start) / PITH_PAGE;
	*n = size / PITH_PAGE;
	return true;
}
