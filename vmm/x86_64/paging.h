/* The guest's page tables: an identity map of guest RAM with the memory map's permissions. */
#ifndef VMM_X86_64_PAGING_H
#define VMM_X86_64_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "guestmem.h"
#include "layout.h"

/*
 * What the page tables must say: the memory map, with the guest's protections of heap pages
 * (r[0..n), sorted and disjoint, PITH_PROT_NONE: not present, PITH_PROT_READ: not writable).
 */
struct x86_pt_view {
	const struct layout *l;
	const struct guest_prot_range *r;
	unsigned n;
};

/* Where page-table pages come from: [next, end), pages no live tree has ever used. */
struct x86_pt_pool {
	uint64_t next, end;
};

/*
 * Build the page tables in the monitor's page-table pages (fresh, zeroed guest memory) and
 * return the root in *cr3. 2 MiB pages where a 2 MiB-aligned range is uniform, 4 KiB pages
 * elsewhere. Also ends the range the guest may name in hypercalls (guest_mem__limit) at the
 * end of what the tables map: the page-table pool above it is the monitor's. Returns 0, or -1
 * with a message in err if the page-table pages run out.
 */
int x86_paging__build(const struct layout *l, struct guest_mem *mem, uint64_t *cr3, char *err,
		      size_t errlen);

/* A whole tree for v, from pool (its pages are zeroed first): 0, or -1 if the pool ran out. */
int x86_paging__build_tree(const struct x86_pt_view *v, const struct guest_mem *mem,
			   struct x86_pt_pool *pool, uint64_t *cr3);

/* How many pages x86_paging__build_tree needs for v. */
uint64_t x86_paging__tree_pages(const struct x86_pt_view *v);

/*
 * A new tree that agrees with v on [start, end) (page-aligned) and is the tree at old_cr3
 * elsewhere: every table on the paths to [start, end) is a fresh copy from pool (each 2 MiB
 * region of the range is rebuilt whole, split into a fresh page table only if not uniform);
 * the other tables are shared, and no page of the old tree is written. 0 with the new root in
 * *cr3, or -1 if the pool ran out (the pages taken are then wasted, never reused: they may
 * have been handed out).
 */
int x86_paging__update(const struct x86_pt_view *v, const struct guest_mem *mem,
		       struct x86_pt_pool *pool, uint64_t old_cr3, uint64_t start, uint64_t end,
		       uint64_t *cr3);

/* The permissions v gives the page at addr (LAYOUT_* bits, 0: not mapped). */
uint32_t x86_pt_view__prot(const struct x86_pt_view *v, uint64_t addr);

#endif
