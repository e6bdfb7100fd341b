/* The mem component's interface: the heap arena shared by brk and mmap, and its statistics. */
#ifndef PITH_MEM_H
#define PITH_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

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

/*
 * Page protections (protect.c). Arena pages are RW until the program asks otherwise; the map in
 * pith_mem.pages (prot.c) says what it asked for, and the monitor's page tables follow through
 * PITH_HC_PROTECT, made only when some page changes. Kernel pages are never protected.
 * pith_mem_protect: give [first, first + n) the protection prot (PITH_PROT_*); 0 or the
 * hypercall's -errno (nothing recorded then).
 */
int pith_mem_protect(size_t first, size_t n, unsigned prot);

/* The PITH_PROT_* for an mmap/mprotect prot without PROT_EXEC (PROT_WRITE alone is RW). */
static inline unsigned pith_mem_prot_of(int prot)
{
	if (prot & PROT_WRITE)
		return PITH_PROT_RW;
	return prot & PROT_READ ? PITH_PROT_READ : PITH_PROT_NONE;
}

/* Record prot for pages whose page tables already say so (or will: the stack cache's pending). */
void pith_mem_prot_record(size_t first, size_t n, unsigned prot);

/* Make [first, first + n) RW, then free its pages (except kernel pages); 0 or -errno (then
   nothing was freed: the pages stay the program's). */
int pith_mem_release(size_t first, size_t n);

/* Clear the allocated pages of [first, first + n) to zero, whatever their protection (pages
   not RW are made RW for the memset and protected again); 0 or -errno. */
int pith_mem_zero(size_t first, size_t n);

/* The hypercall (hc.c; the host tests supply their own): PITH_HC_PROTECT's status. */
int pith_mem_protect_hc(uint64_t addr, uint64_t len, unsigned prot);

/*
 * The thread-stack cache (stack_cache.c). musl's pthread_create maps a stack PROT_NONE, makes
 * all but the guard at its bottom RW, and unmaps the whole region when the thread is gone.
 * munmap keeps regions of exactly that shape (guard pages NONE at the bottom, the rest RW) with
 * their page tables as they are, at most PITH_STACK_CACHE_REGIONS of them and
 * PITH_STACK_CACHE_BYTES in all (the oldest is evicted: made RW and freed). An anonymous private
 * PROT_NONE mmap of a cached region's size takes it back: the part above the guard is zeroed and
 * recorded NONE, but its page tables stay RW ("pending"); if the next mem syscall is the
 * mprotect of exactly that part to RW, it completes without a hypercall, otherwise
 * pith_stack_cache_settle makes the part NONE first. Until one of these, the program could
 * touch that part without a fault (the kernel's pointer checks already treat it as NONE).
 * Cached pages stay allocated (used) in the allocator; they are not the program's: any mem
 * syscall given a range that meets one evicts it, and a full arena flushes the cache.
 */
#define PITH_STACK_CACHE_REGIONS 64
#define PITH_STACK_CACHE_BYTES	 (32UL << 20)

struct pith_stack_cache_stats {
	uint64_t hits;	    /* mmaps served from the cache */
	uint64_t misses;    /* PROT_NONE mmaps the cache had no region for */
	uint64_t evictions; /* regions freed to make room, or evicted by an overlapping call */
	uint64_t lazy;	    /* pending parts completed by the expected mprotect (no hypercall) */
};

extern struct pith_stack_cache_stats pith_stack_cache_stats;

/* First page of a cached region of n pages, taken out of the cache (pending), or -1. */
long pith_stack_cache_take(size_t n);

/* Keep [first, first + n) in the cache if it has the shape; false (nothing done) if not. */
bool pith_stack_cache_put(size_t first, size_t n);

/* Whether mprotect(first, n, prot) is the one the pending region waits for; if so it is done. */
bool pith_stack_cache_complete(size_t first, size_t n, unsigned prot);

/* Apply the pending region's real protection (NONE), if there is one. */
void pith_stack_cache_settle(void);

/* Evict every cached region that meets [first, first + n). */
void pith_stack_cache_evict_range(size_t first, size_t n);

/* Evict every cached region; whether there was any (the allocator may retry then). */
bool pith_stack_cache_flush(void);

/* Pages held by the cache. */
size_t pith_stack_cache_pages(void);

/* len rounded up to whole pages, or 0 if that overflows. */
static inline uint64_t pith_mem_page_round(uint64_t len)
{
	return len > UINT64_MAX - (PITH_PAGE - 1) ? 0 : (len + PITH_PAGE - 1) & ~(PITH_PAGE - 1);
}

#endif
