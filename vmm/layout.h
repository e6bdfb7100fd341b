/* The guest's memory map: which range of guest RAM holds what, with which permissions. */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "elf.h"

/* Page permissions. A range without LAYOUT_R is not mapped at all. */
#define LAYOUT_R    1u
#define LAYOUT_W    2u
#define LAYOUT_X    4u
#define LAYOUT_USER 8u

enum layout_kind {
	LAYOUT_NULL_PAGE,
	LAYOUT_MONITOR,
	LAYOUT_BOOTINFO,
	LAYOUT_SEGMENT,
	LAYOUT_HEAP,
	LAYOUT_GUARD,
	LAYOUT_STACK,
};

struct layout_range {
	uint64_t start, end; /* page-aligned, [start, end) */
	uint32_t prot;	     /* LAYOUT_* */
	enum layout_kind kind;
};

/* Fixed ranges (layout__add_fixed), the segments of up to two images, heap + guard + stack. */
#define LAYOUT_FIXED_RANGES 7
#define LAYOUT_MAX_IMAGES   2
#define LAYOUT_MAX_RANGES   (LAYOUT_FIXED_RANGES + LAYOUT_MAX_IMAGES * ELF_IMAGE_MAX_SEGMENTS + 3)

struct layout {
	struct layout_range r[LAYOUT_MAX_RANGES]; /* sorted by start, not overlapping */
	unsigned n;
	uint64_t mem_size; /* the guest's RAM (pith run --mem, boot info): [0, mem_size) */
	uint64_t heap_start, heap_end;
	uint64_t stack_top;
	/* [pt_pool_start, pt_pool_end): right above the guest's RAM, in the same memory slot but
	   never mapped for the guest, where the monitor builds the page tables that
	   PITH_HC_PROTECT needs (vmm/hc_protect.c). It costs the host only the pages used. */
	uint64_t pt_pool_start, pt_pool_end;
};

/* Stack size for a given amount of guest RAM: mem_size / 8, clamped to [64 KiB, 8 MiB]. */
uint64_t layout__stack_size(uint64_t mem_size);

/* Page-table pool size for a given amount of RAM: ram / 64, clamped to [256 KiB, 8 MiB]. */
uint64_t layout__pt_pool_size(uint64_t ram);

/*
 * Lay out mem_size bytes of guest RAM, and the page-table pool above it, for one image, or for
 * the compat kernel (img[0]) plus a program (img[1]). Returns 0, or -1 with "<what>; <what
 * to do>" in err (images overlapping, memory too small, more than LAYOUT_MAX_IMAGES images or
 * LAYOUT_MAX_RANGES ranges).
 */
int layout__build(struct layout *l, uint64_t ram_size, const struct elf_image *const *img,
		  unsigned nimg, char *err, size_t errlen);

/* The range containing addr, or NULL if addr is in a gap (not mapped). */
const struct layout_range *layout__find(const struct layout *l, uint64_t addr);

/* Permissions of the page at addr (0 = not mapped). */
uint32_t layout__prot(const struct layout *l, uint64_t addr);

/* Whether every page of [start, end) has the same permissions; if so, *prot receives them. */
int layout__uniform(const struct layout *l, uint64_t start, uint64_t end, uint32_t *prot);

#endif
