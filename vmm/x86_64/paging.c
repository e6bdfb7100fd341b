/* The guest's page tables: an identity map of guest RAM with the memory map's permissions. */
#include "x86_64/paging.h"

#include <stdio.h>
#include <string.h>

#include <pith/abi.h>

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
	const struct x86_pt_view *v;
	const struct guest_mem *mem;
	struct x86_pt_pool *pool;
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

/* The guest's protection applied to the memory map's permissions: never adds a right. */
static uint32_t prot__apply(uint32_t prot, uint32_t guest)
{
	if (guest == PITH_PROT_NONE)
		return 0;
	return guest == PITH_PROT_READ ? prot & ~(LAYOUT_W | LAYOUT_X) : prot;
}

/* Index of the first protected range ending after addr (v->n if none). */
static unsigned view__first_after(const struct x86_pt_view *v, uint64_t addr)
{
	unsigned lo = 0, hi = v->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (v->r[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

uint32_t x86_pt_view__prot(const struct x86_pt_view *v, uint64_t addr)
{
	uint32_t prot = layout__prot(v->l, addr);
	unsigned i = view__first_after(v, addr);

	if (i < v->n && v->r[i].start <= addr)
		return prot__apply(prot, v->r[i].prot);
	return prot;
}

/* Whether every page of [start, end) has the same permissions in v; if so, *prot gets them. */
static int view__uniform(const struct x86_pt_view *v, uint64_t start, uint64_t end, uint32_t *prot)
{
	unsigned i = view__first_after(v, start);

	if (!layout__uniform(v->l, start, end, prot))
		return 0;
	if (i == v->n || v->r[i].start >= end)
		return 1; /* no protection in the region */
	if (v->r[i].start > start || v->r[i].end < end)
		return 0; /* one that covers part of it */
	*prot = prot__apply(*prot, v->r[i].prot);
	return 1;
}

static uint64_t table__alloc(struct pt_builder *b)
{
	uint64_t gpa = b->pool->next;

	if (gpa >= b->pool->end) {
		b->full = 1;
		return 0;
	}
	b->pool->next += PITH_PAGE_SIZE;
	/*
	 * Guest memory is fresh anonymous memory, already zero; writing the zeros anyway makes the
	 * first touch a write: reading first would map the shared zero page and then fault again.
	 * (A reused pool page is not zero: this clears it.)
	 */
	memset(guest_mem__raw(b->mem, gpa, PITH_PAGE_SIZE), 0, PITH_PAGE_SIZE);
	return gpa;
}

static uint64_t *table__at(struct pt_builder *b, uint64_t gpa)
{
	return guest_mem__raw(b->mem, gpa, PITH_PAGE_SIZE);
}

/* The entry for addr at the given level (3 = PML4 .. 1 = PD), creating tables above it. */
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

/* A fresh page table for the 4 KiB pages of [start, end): its PD entry, 0 if the pool is out. */
static uint64_t region__table(struct pt_builder *b, uint64_t start, uint64_t end)
{
	uint64_t pt = table__alloc(b), *t;

	if (!pt)
		return 0;
	t = table__at(b, pt);
	for (uint64_t a = start; a < end; a += PITH_PAGE_SIZE) {
		uint64_t flags = leaf__flags(x86_pt_view__prot(b->v, a));

		t[a >> 12 & 511] = flags ? a | flags : 0;
	}
	return pt | PTE_TABLE;
}

/* End of the 2 MiB region at start, within what the guest sees. */
static uint64_t region__end(const struct x86_pt_view *v, uint64_t start)
{
	return start + SIZE_2M < v->l->mem_size ? start + SIZE_2M : v->l->mem_size;
}

/*
 * The PD entry for the 2 MiB region at start: 0 (nothing mapped), a 2 MiB leaf, or a fresh
 * page table (b->full set if the pool ran out).
 */
static uint64_t region__entry(struct pt_builder *b, uint64_t start)
{
	uint64_t end = region__end(b->v, start);
	uint32_t prot;

	if (start >= b->v->l->mem_size)
		return 0;
	if (!view__uniform(b->v, start, end, &prot))
		return region__table(b, start, end);
	if (!leaf__flags(prot))
		return 0;
	if (end - start < SIZE_2M)
		return region__table(b, start, end);
	return start | leaf__flags(prot) | PTE_PS;
}

static int tree__build(struct pt_builder *b)
{
	b->root = table__alloc(b);
	for (uint64_t a = 0; a < b->v->l->mem_size && !b->full; a += SIZE_2M) {
		uint64_t e = region__entry(b, a), *pd;

		if (!e)
			continue;
		pd = table__entry(b, a, 1);
		if (pd)
			*pd = e;
	}
	return b->full ? -1 : 0;
}

int x86_paging__build_tree(const struct x86_pt_view *v, const struct guest_mem *mem,
			   struct x86_pt_pool *pool, uint64_t *cr3)
{
	struct pt_builder b = {.v = v, .mem = mem, .pool = pool};

	if (tree__build(&b) < 0)
		return -1;
	*cr3 = b.root;
	return 0;
}

/* Same walk as tree__build, counting the tables it would take. */
uint64_t x86_paging__tree_pages(const struct x86_pt_view *v)
{
	uint64_t pages = 1, last_pd = UINT64_MAX, last_pdpt = UINT64_MAX;

	for (uint64_t a = 0; a < v->l->mem_size; a += SIZE_2M) {
		uint64_t end = region__end(v, a);
		uint32_t prot;
		int uniform = view__uniform(v, a, end, &prot);

		if (uniform && !leaf__flags(prot))
			continue;
		pages += !uniform || end - a < SIZE_2M; /* a page table */
		pages += a >> 30 != last_pd;
		pages += a >> 39 != last_pdpt;
		last_pd = a >> 30;
		last_pdpt = a >> 39;
	}
	return pages;
}

int x86_paging__build(const struct layout *l, struct guest_mem *mem, uint64_t *cr3, char *err,
		      size_t errlen)
{
	struct x86_pt_view v = {.l = l};
	struct x86_pt_pool pool = {.next = X86_PT_BASE, .end = PITH_MONITOR_END};

	if (x86_paging__build_tree(&v, mem, &pool, cr3) < 0) {
		snprintf(err, errlen,
			 "the guest's page tables do not fit in the monitor's %llu KiB; use fewer, "
			 "larger segments or less memory",
			 (unsigned long long)((PITH_MONITOR_END - X86_PT_BASE) >> 10));
		return -1;
	}
	guest_mem__limit(mem, l->mem_size);
	return 0;
}

/*
 * A fresh copy of the table at old (0: an empty one) covering [base, base + 512 * span) at
 * `level`, with the entries for [start, end) rebuilt: copied tables below, rebuilt regions at
 * the PD. Returns the new table's address, 0 if the pool ran out.
 */
static uint64_t table__copy(struct pt_builder *b, uint64_t old, int level, uint64_t base,
			    uint64_t start, uint64_t end)
{
	const int shift = 12 + 9 * level;
	uint64_t new = table__alloc(b), *t;

	if (!new)
		return 0;
	t = table__at(b, new);
	if (old)
		memcpy(t, table__at(b, old), PITH_PAGE_SIZE);
	for (uint64_t i = (start - base) >> shift; i <= (end - 1 - base) >> shift; i++) {
		uint64_t va = base + (i << shift), top = va + (1ULL << shift);
		uint64_t child = (t[i] & PTE_P) && !(t[i] & PTE_PS) ? t[i] & PTE_ADDR : 0;

		if (level == 1)
			t[i] = region__entry(b, va);
		else
			t[i] = table__copy(b, child, level - 1, va, start > va ? start : va,
					   end < top ? end : top);
		if (b->full)
			return 0;
		t[i] |= level == 1 || !t[i] ? 0 : PTE_TABLE;
	}
	return new;
}

int x86_paging__update(const struct x86_pt_view *v, const struct guest_mem *mem,
		       struct x86_pt_pool *pool, uint64_t old_cr3, uint64_t start, uint64_t end,
		       uint64_t *cr3)
{
	struct pt_builder b = {.v = v, .mem = mem, .pool = pool};
	uint64_t root;

	if (start >= end || end > v->l->mem_size)
		return -1;
	root = table__copy(&b, old_cr3, 3, 0, start & ~(SIZE_2M - 1), end);
	if (!root)
		return -1;
	*cr3 = root;
	return 0;
}
