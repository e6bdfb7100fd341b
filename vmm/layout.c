/* The guest's memory map: which range of guest RAM holds what, with which permissions. */
#include "layout.h"

#include <stdio.h>

#include <pith/abi.h>

#include "x86_64/desc.h"

#define KIB 1024ULL
#define MIB (1024ULL * KIB)

static uint64_t page__align_down(uint64_t a)
{
	return a & ~(PITH_PAGE_SIZE - 1);
}

static uint64_t page__align_up(uint64_t a)
{
	return (a + PITH_PAGE_SIZE - 1) & ~(PITH_PAGE_SIZE - 1);
}

uint64_t layout__stack_size(uint64_t mem_size)
{
	uint64_t s = mem_size / 8;

	s = s < 64 * KIB ? 64 * KIB : s > 8 * MIB ? 8 * MIB : s;
	return page__align_down(s);
}

uint64_t layout__pt_pool_size(uint64_t ram)
{
	uint64_t s = ram / 64;

	s = s < 256 * KIB ? 256 * KIB : s > 8 * MIB ? 8 * MIB : s;
	return page__align_down(s);
}

/* Append a range (nothing if empty); -1 if the table is full. */
static int layout__add(struct layout *l, uint64_t start, uint64_t end, uint32_t prot,
		       enum layout_kind kind)
{
	if (start >= end)
		return 0;
	if (l->n >= LAYOUT_MAX_RANGES)
		return -1;
	l->r[l->n++] = (struct layout_range){start, end, prot, kind};
	return 0;
}

/*
 * The monitor's pages: descriptor tables and IST stack mapped for CPL0 only, trap stubs
 * read-only + X for CPL0 only, the syscall stub read-only + X for all (see x86_64/desc.c), the
 * page tables not mapped at all.
 */
static int layout__add_fixed(struct layout *l)
{
	const uint32_t s_rw = LAYOUT_R | LAYOUT_W, rx = LAYOUT_R | LAYOUT_X;

	return layout__add(l, 0, PITH_MONITOR_BASE, 0, LAYOUT_NULL_PAGE) |
	       layout__add(l, PITH_MONITOR_BASE, X86_STUBS_ADDR, s_rw, LAYOUT_MONITOR) |
	       layout__add(l, X86_STUBS_ADDR, X86_SYSCALL_ADDR, rx, LAYOUT_MONITOR) |
	       layout__add(l, X86_SYSCALL_ADDR, X86_IST_BASE, rx | LAYOUT_USER, LAYOUT_MONITOR) |
	       layout__add(l, X86_IST_BASE, X86_IST_TOP, s_rw, LAYOUT_MONITOR) |
	       layout__add(l, X86_IST_TOP, PITH_MONITOR_END, 0, LAYOUT_MONITOR) | /* page tables */
	       layout__add(l, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END, LAYOUT_R | LAYOUT_USER,
			   LAYOUT_BOOTINFO);
}

static uint32_t segment__prot(const struct elf_segment *s)
{
	return LAYOUT_R | LAYOUT_USER | (s->flags & ELF_SEG_W ? LAYOUT_W : 0) |
	       (s->flags & ELF_SEG_X ? LAYOUT_X : 0);
}

/* Whether any page of image a is also a page of image b. */
static int images__overlap(const struct elf_image *a, const struct elf_image *b)
{
	for (unsigned i = 0; i < a->nseg; i++)
		for (unsigned k = 0; k < b->nseg; k++) {
			const struct elf_segment *s = &a->seg[i], *t = &b->seg[k];

			if (page__align_down(s->vaddr) < page__align_up(t->vaddr + t->memsz) &&
			    page__align_down(t->vaddr) < page__align_up(s->vaddr + s->memsz))
				return 1;
		}
	return 0;
}

/* Insert the segments of all images, keeping the ranges sorted by address; -1 if full. */
static int layout__add_segments(struct layout *l, const struct elf_image *const *img, unsigned nimg)
{
	unsigned first = l->n;

	for (unsigned i = 0; i < nimg; i++)
		for (unsigned k = 0; k < img[i]->nseg; k++) {
			const struct elf_segment *s = &img[i]->seg[k];
			struct layout_range r = {page__align_down(s->vaddr),
						 page__align_up(s->vaddr + s->memsz),
						 segment__prot(s), LAYOUT_SEGMENT};
			unsigned j;

			if (l->n >= LAYOUT_MAX_RANGES)
				return -1;
			for (j = l->n++; j > first && l->r[j - 1].start > r.start; j--)
				l->r[j] = l->r[j - 1];
			l->r[j] = r;
		}
	return 0;
}

/* Heap from the end of the images, guard page, stack up to the end of RAM; -1 if full. */
static int layout__add_heap_stack(struct layout *l, uint64_t images_end, uint64_t stack)
{
	const uint32_t urw = LAYOUT_R | LAYOUT_W | LAYOUT_USER;

	l->stack_top = l->mem_size;
	l->heap_start = images_end;
	l->heap_end = l->mem_size - stack - PITH_PAGE_SIZE;
	return layout__add(l, l->heap_start, l->heap_end, urw, LAYOUT_HEAP) |
	       layout__add(l, l->heap_end, l->heap_end + PITH_PAGE_SIZE, 0, LAYOUT_GUARD) |
	       layout__add(l, l->heap_end + PITH_PAGE_SIZE, l->mem_size, urw, LAYOUT_STACK);
}

static uint64_t images__end(const struct elf_image *const *img, unsigned nimg)
{
	uint64_t end = PITH_IMAGE_BASE;

	for (unsigned i = 0; i < nimg; i++)
		if (page__align_up(img[i]->image_end) > end)
			end = page__align_up(img[i]->image_end);
	return end;
}

int layout__build(struct layout *l, uint64_t mem_size, const struct elf_image *const *img,
		  unsigned nimg, char *err, size_t errlen)
{
	uint64_t end = images__end(img, nimg), stack = layout__stack_size(mem_size);

	l->n = 0;
	l->mem_size = mem_size;
	l->pt_pool_start = mem_size;
	l->pt_pool_end = mem_size + layout__pt_pool_size(mem_size);
	if (nimg > LAYOUT_MAX_IMAGES) {
		snprintf(err, errlen, "%u images to lay out, at most %d; this is a bug in pith",
			 nimg, LAYOUT_MAX_IMAGES);
		return -1;
	}
	if (end + PITH_PAGE_SIZE + stack > mem_size) {
		snprintf(err, errlen,
			 "guest memory too small: %llu KiB, the image needs %llu KiB plus %llu KiB "
			 "of stack; give the guest more memory",
			 (unsigned long long)(mem_size / KIB), (unsigned long long)(end / KIB),
			 (unsigned long long)(stack / KIB));
		return -1;
	}
	if (nimg == 2 && images__overlap(img[0], img[1])) {
		snprintf(err, errlen,
			 "the program and the compat kernel overlap in guest memory; link the "
			 "program above %#llx",
			 (unsigned long long)images__end(img, 1));
		return -1;
	}
	if (layout__add_fixed(l) < 0 || layout__add_segments(l, img, nimg) < 0 ||
	    layout__add_heap_stack(l, end, stack) < 0) {
		snprintf(err, errlen,
			 "the guest memory map needs more than %d ranges; this is a bug in pith",
			 LAYOUT_MAX_RANGES);
		return -1;
	}
	return 0;
}

const struct layout_range *layout__find(const struct layout *l, uint64_t addr)
{
	for (unsigned i = 0; i < l->n; i++)
		if (addr >= l->r[i].start && addr < l->r[i].end)
			return &l->r[i];
	return NULL;
}

uint32_t layout__prot(const struct layout *l, uint64_t addr)
{
	const struct layout_range *r = layout__find(l, addr);

	return r && (r->prot & LAYOUT_R) ? r->prot : 0;
}

/* Start of the first range above addr, or end if there is none before it. */
static uint64_t layout__next_start(const struct layout *l, uint64_t addr, uint64_t end)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->r[i].start > addr && l->r[i].start < end)
			end = l->r[i].start;
	return end;
}

int layout__uniform(const struct layout *l, uint64_t start, uint64_t end, uint32_t *prot)
{
	uint32_t first = layout__prot(l, start);

	for (uint64_t a = start; a < end;) {
		const struct layout_range *r = layout__find(l, a);

		if (layout__prot(l, a) != first)
			return 0;
		a = r ? r->end : layout__next_start(l, a, end);
	}
	*prot = first;
	return 1;
}
