/* The mem component's interface: the heap arena shared by brk and mmap, and its statistics. */
#ifndef PITH_MEM_H
#define PITH_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "mem/pages.h"

/*
 * Guest RAM between boot_info->heap_start and heap_end: the allocator's bitmaps first, then the
 * arena. brk grows up from the arena's start; mmap takes pages top-down from its end. Both use
 * the one bitmap, so they can never overlap.
 */
struct pith_mem {
	struct pith_pages pages;
	uint64_t arena_start; /* first arena page (after the bitmaps) */
	uint64_t arena_end;   /* heap_end */
	uint64_t brk;	      /* current program break, in [arena_start, arena_end] */
};

extern struct pith_mem pith_mem;

void pith_mem_init(const struct pith_boot_info *bi);

/* Bytes of guest RAM and of RAM still free for the program (for sysinfo). */
void pith_mem_stats(uint64_t *total, uint64_t *free);

/*
 * If [addr, addr + len) is page-aligned and lies inside the arena, store its first page index
 * and page count (len rounded up) and return true. len 0 is not a range.
 */
bool pith_mem_arena_range(uint64_t addr, uint64_t len, size_t *first, size_t *n);

/*
 * Kernel memory (kmalloc.c): zeroed blocks for the kernel's own objects (sockets, buffers,
 * rings), taken from the arena. Small sizes come from per-size-class free lists carved out of
 * pages; large ones are whole pages. Pages holding kernel memory are marked in the allocator, so
 * the program's munmap/mremap/madvise/MAP_FIXED/brk can never touch them (EINVAL/ENOMEM as for
 * memory outside the arena). Free with the size that was asked for. NULL when memory ran out.
 * align: blocks are aligned to 16 bytes, and to a page from 4096 bytes up.
 */
void *pith_kmalloc(size_t size);
void pith_kfree(void *p, size_t size);

/* len rounded up to whole pages, or 0 if that overflows. */
static inline uint64_t pith_mem_page_round(uint64_t len)
{
	return len > UINT64_MAX - (PITH_PAGE - 1) ? 0 : (len + PITH_PAGE - 1) & ~(PITH_PAGE - 1);
}

#endif
