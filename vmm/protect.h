/* Guard pages and read-only heap pages (PITH_HC_PROTECT): the ranges and the page-table pool. */
#ifndef VMM_PROTECT_H
#define VMM_PROTECT_H

#include <stdint.h>

#include "guestmem.h"
#include "layout.h"
#include "x86_64/paging.h"

struct protect_state {
	/* The authoritative protections (the vCPU thread's), and the copy the I/O threads read. */
	struct guest_prot_range r[GUEST_PROT_MAX];
	unsigned n;
	struct guest_prot_range scratch[GUEST_PROT_MAX]; /* the next r, while it is checked */
	struct guest_prot_set published;
	/* Fresh page-table pages: [pool.next, pool.end); [pool_start, pool.next) have been used
	   by trees the guest may have loaded, so they are reused only after a reset. */
	uint64_t pool_start;
	struct x86_pt_pool pool;
	/* For --stats. */
	uint64_t protects, protect_ns; /* calls that changed the page tables, time in them */
	uint64_t resets, reset_ns;     /* pool resets (slot re-creation + full rebuild) */
	uint64_t zap_ns;	       /* of reset_ns: forcing KVM to drop its shadow pages */
	uint64_t refused;	       /* calls answered -EINVAL or -ENOMEM */
};

/* What a protect changes: the memory map, guest memory, the root, and how to drop KVM's shadow
   page tables (0, or -1 on failure). */
struct protect_env {
	const struct layout *l;
	const struct guest_mem *mem;
	uint64_t cr3; /* IN: the guest's current root; OUT: the new one */
	int (*zap)(void *arg);
	void *zap_arg;
};

/* An empty state whose pool is the layout's [pt_pool_start, pt_pool_end). */
void protect__init(struct protect_state *p, const struct layout *l);

/* 0 if [addr, addr + len) and prot make a valid request for the heap of l, else -EINVAL. */
int protect__check(const struct layout *l, uint64_t addr, uint64_t len, uint32_t prot);

/*
 * out = r[0..n) with [start, end) set to prot (PITH_PROT_RW removes it), merged. Returns the
 * number of ranges, or -1 if more than GUEST_PROT_MAX would be needed.
 */
int protect__ranges_set(const struct guest_prot_range *r, unsigned n, uint64_t start, uint64_t end,
			uint32_t prot, struct guest_prot_range *out);

/*
 * Apply one request: 0 (env->cr3 is the new root, the new protections are published to
 * p->published), -EINVAL (bad request), -ENOMEM (too many ranges, or the full tree does not
 * fit in the pool), -EIO (env->zap failed). Nothing changes unless it returns 0.
 */
int protect__apply(struct protect_state *p, struct protect_env *env, uint64_t addr, uint64_t len,
		   uint32_t prot);

struct vm;

/* For `pith run --stats`: calls, refusals, pool resets and their time (nothing before the first
   call). */
void protect__print_stats(const struct vm *vm);

#endif
