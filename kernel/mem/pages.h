/* The page allocator: bitmaps over one arena of pages (pure logic, testable on the host). */
#ifndef PITH_MEM_PAGES_H
#define PITH_MEM_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PITH_PAGE 4096UL

/*
 * Six bitmaps, all in memory the caller provides (pith_pages_meta_bytes):
 *   used   page is allocated (mapped by the program, or holding kernel memory)
 *   dirty  page may hold non-zero bytes: it was allocated at some time. Pages never allocated
 *          are zero (the host gives zeroed RAM), so only dirty pages are cleared on reuse.
 *   full   one bit per word of `used`: that word is all ones. Lets the search skip 4096 used
 *          pages per word it reads.
 *   kern   page holds kernel memory (pith_kmalloc): also used, but the program's release and
 *          zero requests skip it, and the syscalls refuse ranges that touch it.
 *   nowrite, noread  the page's protection as the program asked for it (prot.c): RW is neither
 *          bit, PITH_PROT_READ is nowrite, PITH_PROT_NONE both. Free pages are always RW:
 *          whoever frees a page makes it RW first (the allocator zeroes pages it hands out).
 */
struct pith_pages {
	uint64_t base; /* address of page 0 */
	size_t npages;
	size_t nwords; /* 64-page words in used/dirty */
	size_t nused;  /* pages allocated */
	uint64_t *used;
	uint64_t *dirty;
	uint64_t *full;
	uint64_t *kern;
	uint64_t *nowrite;
	uint64_t *noread;
	size_t nprot; /* pages that are not RW */
};

/* Bytes of bitmap memory for an arena of npages. */
size_t pith_pages_meta_bytes(size_t npages);

/* meta: pith_pages_meta_bytes(npages) bytes, zeroed. */
void pith_pages_init(struct pith_pages *p, uint64_t base, size_t npages, void *meta);

/*
 * Allocate n contiguous free pages, top-down (the highest free run that fits), cleared to zero.
 * Returns the first page's index, or -1 when no run of n free pages exists.
 */
long pith_pages_alloc(struct pith_pages *p, size_t n);

/* Whether pages [first, first + n) are all free / all allocated. */
bool pith_pages_all_free(const struct pith_pages *p, size_t first, size_t n);
bool pith_pages_all_used(const struct pith_pages *p, size_t first, size_t n);

/* Allocate the free pages [first, first + n), cleared to zero (the caller checked they are free).
 */
void pith_pages_claim(struct pith_pages *p, size_t first, size_t n);

/* Free whatever pages of [first, first + n) are allocated, except kernel pages. */
void pith_pages_release(struct pith_pages *p, size_t first, size_t n);

/* Clear the allocated pages [first, first + n) to zero (MAP_FIXED over a mapping, DONTNEED);
   kernel pages are skipped. */
void pith_pages_zero(struct pith_pages *p, size_t first, size_t n);

/* Allocate n contiguous free pages for the kernel (used + kern), top-down, cleared; or -1. */
long pith_pages_kern_alloc(struct pith_pages *p, size_t n);

/* Free the kernel pages [first, first + n) (all kern: the caller allocated them). */
void pith_pages_kern_free(struct pith_pages *p, size_t first, size_t n);

/* Whether any page of [first, first + n) holds kernel memory. */
bool pith_pages_any_kern(const struct pith_pages *p, size_t first, size_t n);

/*
 * Page protections (prot.c), values as PITH_PROT_NONE / PITH_PROT_READ / PITH_PROT_RW of
 * include/pith/abi.h. These only record: the caller makes the hypercall.
 */
unsigned pith_pages_prot(const struct pith_pages *p, size_t page);
void pith_pages_prot_set(struct pith_pages *p, size_t first, size_t n, unsigned prot);

/* Pages from first (at most n) that have the protection prot, stopping at the first that has not.
 */
size_t pith_pages_prot_run(const struct pith_pages *p, size_t first, size_t n, unsigned prot);

/*
 * The smallest span [*lo, *hi) of [first, first + n) holding every page whose protection is not
 * prot; false (nothing to change) when there is none. One hypercall over the span changes all.
 */
bool pith_pages_prot_span(const struct pith_pages *p, size_t first, size_t n, unsigned prot,
			  size_t *lo, size_t *hi);

/* Whether every page of [first, first + n) may be read (written, if write). */
bool pith_pages_prot_allows(const struct pith_pages *p, size_t first, size_t n, bool write);

/* The bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
static inline uint64_t pith_pages_bits(unsigned lo, unsigned hi)
{
	uint64_t upper = hi == 64 ? ~0ULL : (1ULL << hi) - 1;

	return upper & ~((1ULL << lo) - 1);
}

/* The bits of bitmap word w that fall inside pages [first, end). */
static inline uint64_t pith_pages_word_mask(size_t w, size_t first, size_t end)
{
	size_t lo = first > w * 64 ? first - w * 64 : 0;
	size_t hi = end - w * 64 >= 64 ? 64 : end - w * 64;

	return pith_pages_bits((unsigned)lo, (unsigned)hi);
}

static inline uint64_t pith_pages_addr(const struct pith_pages *p, size_t page)
{
	return p->base + page * PITH_PAGE;
}

#endif
