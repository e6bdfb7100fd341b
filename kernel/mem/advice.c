/* madvise and mprotect: advice on arena pages, and protections that are validated, not applied. */
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

static int advice_known(int advice)
{
	return (advice >= MADV_NORMAL && advice <= MADV_DONTNEED) ||
	       (advice >= MADV_FREE && advice <= LINUX_MADV_POPULATE_WRITE &&
		advice != MADV_REMOVE);
}

/*
 * MADV_DONTNEED clears arena pages at once (Linux refills them with zeroes on the next touch).
 * MADV_FREE may leave the contents, and does. Other advice only hints: accepted. Discarding
 * outside the arena (the image's data, the stack) is refused with EINVAL.
 */
PITH_SYSCALL3(madvise, void *, addr, size_t, len, int, advice)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, size = pith_mem_page_round(len);
	int in_arena;

	if ((a & (PITH_PAGE - 1)) || !advice_known(advice) || (len && !size))
		return -EINVAL;
	if (!len)
		return 0;
	if (!range_mapped(a, size, &in_arena))
		return -ENOMEM;
	if (advice == MADV_DONTNEED || advice == MADV_FREE) {
		if (!in_arena)
			return -EINVAL;
		if (advice == MADV_DONTNEED)
			pith_pages_zero(&pith_mem.pages, (a - pith_mem.arena_start) / PITH_PAGE,
					size / PITH_PAGE);
	}
	return 0;
}

/*
 * The monitor owns the page tables, built once from the image's segment flags (text RX, rodata
 * R, data/heap/stack RW, all NX), and the guest cannot change them: mprotect validates its
 * arguments like Linux and then changes nothing. PROT_EXEC is refused (EACCES): W^X is a
 * promise. PROT_NONE and read-only requests are accepted but not enforced.
 */
PITH_SYSCALL3(mprotect, void *, addr, size_t, len, int, prot)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, size = pith_mem_page_round(len);
	int in_arena;

	if ((a & (PITH_PAGE - 1)) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | LINUX_PROT_SEM | PROT_GROWSDOWN |
		      PROT_GROWSUP)) ||
	    (prot & PROT_GROWSDOWN && prot & PROT_GROWSUP))
		return -EINVAL;
	if (len && !size)
		return -ENOMEM;
	if (!len)
		return 0;
	if (prot & PROT_EXEC)
		return -EACCES;
	return range_mapped(a, size, &in_arena) ? 0 : -ENOMEM;
}
