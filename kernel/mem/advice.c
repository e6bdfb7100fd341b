/* madvise and mprotect: advice on arena pages, and their protections (PITH_HC_PROTECT). */
#include <errno.h>
#include <sys/mman.h>

#include "core/core.h"
#include "mem/mem.h"
#include "syscall/syscall.h"

#define LINUX_PROT_SEM		  0x8
#define LINUX_MADV_POPULATE_WRITE 23

/*
 * Whether [addr, addr + len) is mapped: inside the arena every page must be allocated; outside
 * it, every page must be mapped for the program (boot info, image, stack: see pith_user_map).
 */
static int range_mapped(uint64_t addr, uint64_t len, int *in_arena)
{
	size_t first, n;

	*in_arena = pith_mem_arena_range(addr, len, &first, &n);
	if (*in_arena && pith_pages_any_kern(&pith_mem.pages, first, n))
		*in_arena = 0; /* kernel memory: mapped, but as untouchable as the image */
	if (pith_mem_arena_range(addr, len, &first, &n))
		return pith_pages_all_used(&pith_mem.pages, first, n);
	return pith_user_readable((const void *)(uintptr_t)addr, len) &&
	       (addr >= pith_mem.arena_end || addr + len <= pith_mem.arena_start);
}

/*
 * What these calls do first: the stack cache's pending region gets its protection, and cached
 * stacks in the range are evicted (they are unmapped, as far as the program knows).
 */
static void settle(uint64_t addr, uint64_t len)
{
	size_t first, n;

	pith_stack_cache_settle();
	if (pith_mem_arena_range(addr, len, &first, &n))
		pith_stack_cache_evict_range(first, n);
}

static int advice_known(int advice)
{
	return (advice >= MADV_NORMAL && advice <= MADV_DONTNEED) ||
	       (advice >= MADV_FREE && advice <= LINUX_MADV_POPULATE_WRITE &&
		advice != MADV_REMOVE);
}

/*
 * MADV_DONTNEED clears arena pages at once (Linux refills them with zeroes on the next touch).
 * MADV_FREE may leave the contents, and does. Other advice only hints: accepted. Discarding
 * outside the arena (the image's data, the stack) is refused with EINVAL. Protected pages are
 * cleared too (made RW for it, then protected again).
 */
PITH_SYSCALL3(madvise, void *, addr, size_t, len, int, advice)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, size = pith_mem_page_round(len);
	int in_arena;

	settle(a, size);
	if ((a & (PITH_PAGE - 1)) || !advice_known(advice) || (len && !size))
		return -EINVAL;
	if (!len)
		return 0;
	if (!range_mapped(a, size, &in_arena))
		return -ENOMEM;
	if (advice == MADV_DONTNEED || advice == MADV_FREE) {
		if (!in_arena)
			return -EINVAL;
		if (advice == MADV_DONTNEED &&
		    pith_mem_zero((a - pith_mem.arena_start) / PITH_PAGE, size / PITH_PAGE))
			return -ENOMEM;
	}
	return 0;
}

static int mprotect_check(uint64_t a, size_t len, int prot)
{
	if ((a & (PITH_PAGE - 1)) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | LINUX_PROT_SEM | PROT_GROWSDOWN |
		      PROT_GROWSUP)) ||
	    (prot & PROT_GROWSDOWN && prot & PROT_GROWSUP))
		return -EINVAL;
	if (len && !pith_mem_page_round(len))
		return -ENOMEM;
	if (len && (prot & PROT_EXEC))
		return -EACCES;
	return 0;
}

/* A valid, non-empty request: the heap's own pages get prot; the rest is accepted as is. */
static int protect_range(uint64_t a, uint64_t size, unsigned prot)
{
	size_t first, n;
	int in_arena;

	if (!range_mapped(a, size, &in_arena))
		return -ENOMEM;
	if (!in_arena)
		return 0;
	pith_mem_arena_range(a, size, &first, &n);
	return pith_mem_protect(first, n, prot) ? -ENOMEM : 0;
}

/*
 * The monitor owns the page tables, built from the image's segment flags (text RX, rodata R,
 * data/heap/stack RW, all NX). Pages of the heap arena (brk and mmap memory) really become
 * PROT_NONE, read-only or RW again (PITH_HC_PROTECT; PROT_WRITE alone is RW, PROT_SEM and
 * PROT_GROWS* are ignored); nothing is made executable: PROT_EXEC is refused (EACCES), W^X is a
 * promise. Elsewhere (the image's segments, the stack, the kernel's own pages) a request is
 * validated like Linux and accepted without effect: asking for less access there returns 0
 * and is not enforced. A refused hypercall (the monitor's page-table pages ran out) is ENOMEM,
 * as Linux's limit on mappings is.
 */
PITH_SYSCALL3(mprotect, void *, addr, size_t, len, int, prot)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, size = pith_mem_page_round(len);
	int err = mprotect_check(a, len, prot);
	size_t first, n;

	if (!err && len && pith_mem_arena_range(a, size, &first, &n) &&
	    pith_stack_cache_complete(first, n, pith_mem_prot_of(prot)))
		return 0; /* the stack the cache handed out: its page tables are RW already */
	settle(a, size);
	if (err || !len)
		return err;
	return protect_range(a, size, pith_mem_prot_of(prot));
}
