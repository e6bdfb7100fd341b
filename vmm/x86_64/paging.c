/* The guest's page tables: an identity map of guest RAM with the memory map's permissions. */
#include "x86_64/paging.h"

#include <stdio.h>
#include <string.h>

#include "x86_64/desc.h"

/* Page-table entry bits (Intel SDM Vol. 3A, 4.5, tables 4-14 to 4-20). */
#define PTE_P	  (1ULL << 0)
#define PTE_W	  (1ULL << 1)
#define PTE_U	  (1ULL << 2)
#define PTE_A	  (1ULL << 5)
#define PTE_D	  (1ULL << 6)
#define PTE_PS	  (1ULL << 7)
#define PTE_NX	  (1ULL << 63)
#define PTE_ADDR  0x000ffffffffff000ULL
#define PTE_TABLE (PTE_P | PTE_W | PTE_U | PTE_A) /* non-leaf: the leaf decides */

#define SIZE_2M (2ULL << 20)

struct pt_builder {
	const struct guest_mem *mem;
	uint64_t next; /* next free page-table page */
	uint64_t root;
	int full; /* ran out of page-table pages */
};

/* Accessed and dirty are preset so the CPU never has to write them back. */
static uint64_t leaf__flags(uint32_t prot)
{
	uint64_t f = PTE_P | PTE_A;

	if (!(prot & LAYOUT_R))
		return 0;
	f |= prot & LAYOUT_W ? PTE_W | PTE_D : 0;
	f |= prot & LAYOUT_USER ? PTE_U : 0;
	f |= prot & LAYOUT_X ? 0 : PTE_NX;
	return f;
}

static uint64_t table__alloc(struct pt_builder *b)
{
	uint64_t gpa = b->next;

	if (gpa >= PITH_MONITOR_END) {
		b->full = 1;
		return 0;
	}
	b->next += PITH_PAGE_SIZE;
	/*
	 * Guest memory is fresh anonymous memory, already zero; writing the zeros anyway makes the
	 * first touch a write: reading first would map the shared zero page and then fault again.
	 */
	memset(guest_mem__raw(b->mem, gpa, PITH_PAGE_SIZE), 0, PITH_PAGE_SIZE);
	return gpa;
}

static uint64_t *table__at(struct pt_builder *b, uint64_t gpa)
{
	return guest_mem__raw(b->mem, gpa, PITH_PAGE_SIZE);
}

/* The entry for addr at the given level (3 = PML4 .. 0 = PT), creating tables above it. */
static uint64_t *table__entry(struct pt_builder *b, uint64_t addr, int level)
{
	uint64_t table = b->root;

	for (int l = 3; l > level; l--) {
		uint64_t *e = table__at(b, table) + (addr >> (12 + 9 * l) & 511);

		if (!*e) {
			uint64_t t = table__alloc(b);

			if (!t)
				return NULL;
			*e = t | PTE_TABLE;
		}
		table = *e & PTE_ADDR;
	}
	return table__at(b, table) + (addr >> (12 + 9 * level) & 511);
}

static void region__map_4k(struct pt_builder *b, const struct layout *l, uint64_t start,
			   uint64_t end)
{
	for (uint64_t a = start; a < end; a += PITH_PAGE_SIZE) {
		uint64_t flags = leaf__flags(layout__prot(l, a)), *e;

		if (!flags)
			continue;
		e = table__entry(b, a, 0);
		if (!e)
			return;
		*e = a | flags;
	}
}

static void region__map(struct pt_builder *b, const struct layout *l, uint64_t start)
{
	uint64_t end = start + SIZE_2M < l->mem_size ? start + SIZE_2M : l->mem_size;
	uint32_t prot;
	uint64_t *e;

	if (end - start < SIZE_2M || !layout__uniform(l, start, end, &prot)) {
		region__map_4k(b, l, start, end);
		return;
	}
	if (!leaf__flags(prot))
		return;
	e = table__entry(b, start, 1);
	if (e)
		*e = start | leaf__flags(prot) | PTE_PS;
}

int x86_paging__build(const struct layout *l, const struct guest_mem *mem, uint64_t *cr3, char *err,
		      size_t errlen)
{
	struct pt_builder b = {.mem = mem, .next = X86_PT_BASE};

	b.root = table__alloc(&b);
	for (uint64_t a = 0; a < l->mem_size && !b.full; a += SIZE_2M)
		region__map(&b, l, a);
	if (b.full) {
		snprintf(err, errlen,
			 "the guest's page tables do not fit in the monitor's %llu KiB; use fewer, "
			 "larger segments or less memory",
			 (unsigned long long)((PITH_MONITOR_END - X86_PT_BASE) >> 10));
		return -1;
	}
	*cr3 = b.root;
	return 0;
}
