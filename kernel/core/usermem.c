/* The guest's mapped ranges, computed once at boot, and the user-pointer checks built on them. */
#include <errno.h>

#include "core/core.h"

#define PT_LOAD 1
#define PF_W	2

/* One ELF64 program header (the fields the ranges need; 56 bytes, as AT_PHENT says). */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct phdr) == 56, "Elf64_Phdr");

struct pith_user_map pith_user_map;

static uint64_t page_down(uint64_t a)
{
	return a & ~(PITH_PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PITH_PAGE_SIZE - 1) & ~(PITH_PAGE_SIZE - 1);
}

static int add_range(struct pith_user_map *m, uint64_t start, uint64_t end, bool writable)
{
	if (start >= end)
		return 0;
	if (m->n == PITH_USER_RANGES_MAX)
		return -E2BIG;
	m->r[m->n++] = (struct pith_user_range){start, end, writable};
	return 0;
}

/* The PT_LOAD segments, page-rounded; -EINVAL if one lies outside [PITH_IMAGE_BASE, heap_start). */
static int add_segments(struct pith_user_map *m, const struct pith_boot_info *bi)
{
	const struct phdr *ph = (const struct phdr *)(uintptr_t)bi->phdr;

	for (uint64_t i = 0; i < bi->phnum; i++) {
		uint64_t lo = page_down(ph[i].vaddr), hi = page_up(ph[i].vaddr + ph[i].memsz);
		int err;

		if (ph[i].type != PT_LOAD)
			continue;
		if (lo < PITH_IMAGE_BASE || hi < lo || hi > bi->heap_start)
			return -EINVAL;
		err = add_range(m, lo, hi, (ph[i].flags & PF_W) != 0);
		if (err)
			return err;
	}
	return 0;
}

int pith_user_map_init(struct pith_user_map *m, const struct pith_boot_info *bi)
{
	int err;

	m->n = 0;
	err = add_range(m, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END, false);
	if (!err)
		err = add_segments(m, bi);
	if (!err)
		err = add_range(m, bi->heap_start, bi->heap_end, true);
	if (!err)
		err = add_range(m, bi->heap_end + PITH_PAGE_SIZE, bi->stack_top, true);
	return err;
}

static const struct pith_user_range *find(const struct pith_user_map *m, uint64_t a, bool write)
{
	for (unsigned i = 0; i < m->n; i++)
		if (a >= m->r[i].start && a < m->r[i].end && (!write || m->r[i].writable))
			return &m->r[i];
	return NULL;
}

/* Ranges may touch (a data segment and the heap): a buffer may run from one into the next. */
size_t pith_user_map_prefix(const struct pith_user_map *m, uint64_t a, size_t len, bool write)
{
	uint64_t at = a, end = a + len < a ? UINT64_MAX : a + len;

	while (at < end) {
		const struct pith_user_range *r = find(m, at, write);

		if (!r)
			break;
		at = r->end;
	}
	return (at < end ? at : end) - a;
}

bool pith_user_map_overlaps(const struct pith_user_map *m, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < m->n; i++)
		if (start < m->r[i].end && m->r[i].start < end)
			return true;
	return false;
}

bool (*pith_user_prot_ok)(uint64_t a, size_t len, bool write);

static bool user_ok(const void *p, size_t len, bool write)
{
	uint64_t a = (uint64_t)(uintptr_t)p;

	if (pith_user_map_prefix(&pith_user_map, a, len, write) != len)
		return false;
	return !pith_user_prot_ok || !len || pith_user_prot_ok(a, len, write);
}

bool pith_user_readable(const void *p, size_t len)
{
	return user_ok(p, len, false);
}

bool pith_user_writable(const void *p, size_t len)
{
	return user_ok(p, len, true);
}
