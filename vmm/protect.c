/* Guard pages and read-only heap pages: the range set and copy-on-write page-table updates. */
#include "protect.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <pith/abi.h>

static uint64_t clock__ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void protect__init(struct protect_state *p, const struct layout *l)
{
	memset(p, 0, sizeof(*p));
	p->pool_start = l->pt_pool_start;
	p->pool = (struct x86_pt_pool){.next = l->pt_pool_start, .end = l->pt_pool_end};
}

int protect__check(const struct layout *l, uint64_t addr, uint64_t len, uint32_t prot)
{
	uint64_t end;

	if (prot != PITH_PROT_NONE && prot != PITH_PROT_READ && prot != PITH_PROT_RW)
		return -EINVAL;
	if (!len || addr % PITH_PAGE_SIZE || len % PITH_PAGE_SIZE ||
	    __builtin_add_overflow(addr, len, &end))
		return -EINVAL;
	if (addr < l->heap_start || end > l->heap_end)
		return -EINVAL;
	return 0;
}

/* Append [start, end) with prot to out[0..n), merging with the last range; the new count. */
static unsigned ranges__push(struct guest_prot_range *out, unsigned n, uint64_t start, uint64_t end,
			     uint32_t prot)
{
	if (start >= end || prot == PITH_PROT_RW)
		return n;
	if (n && n <= GUEST_PROT_MAX && out[n - 1].end == start && out[n - 1].prot == prot) {
		out[n - 1].end = end;
		return n;
	}
	if (n < GUEST_PROT_MAX)
		out[n] = (struct guest_prot_range){.start = start, .end = end, .prot = prot};
	return n + 1; /* past GUEST_PROT_MAX: counted, not stored */
}

int protect__ranges_set(const struct guest_prot_range *r, unsigned n, uint64_t start, uint64_t end,
			uint32_t prot, struct guest_prot_range *out)
{
	unsigned k = 0;
	int placed = 0;

	for (unsigned i = 0; i < n; i++) {
		if (r[i].end <= start) {
			k = ranges__push(out, k, r[i].start, r[i].end, r[i].prot);
			continue;
		}
		k = ranges__push(out, k, r[i].start, r[i].start < start ? start : r[i].start,
				 r[i].prot);
		if (!placed)
			k = ranges__push(out, k, start, end, prot);
		placed = 1;
		k = ranges__push(out, k, r[i].start > end ? r[i].start : end, r[i].end, r[i].prot);
	}
	if (!placed)
		k = ranges__push(out, k, start, end, prot);
	return k > GUEST_PROT_MAX ? -1 : (int)k;
}

/*
 * The pool is used up: drop KVM's shadow page tables (so no page of the pool is still in use),
 * then build the whole tree again at the start of the pool.
 */
static int protect__reset(struct protect_state *p, struct protect_env *env,
			  const struct x86_pt_view *v)
{
	struct x86_pt_pool pool = {.next = p->pool_start, .end = p->pool.end};
	uint64_t t0 = clock__ns(), t1;

	if (x86_paging__tree_pages(v) > (pool.end - pool.next) / PITH_PAGE_SIZE)
		return -ENOMEM;
	if (env->zap(env->zap_arg) < 0)
		return -EIO;
	t1 = clock__ns();
	if (x86_paging__build_tree(v, env->mem, &pool, &env->cr3) < 0)
		return -ENOMEM; /* not reached: counted above */
	p->pool = pool;
	p->resets++;
	p->zap_ns += t1 - t0;
	p->reset_ns += clock__ns() - t0;
	return 0;
}

int protect__apply(struct protect_state *p, struct protect_env *env, uint64_t addr, uint64_t len,
		   uint32_t prot)
{
	struct x86_pt_pool pool = p->pool;
	struct x86_pt_view v = {.l = env->l, .r = p->scratch};
	uint64_t t0 = clock__ns();
	int n = -1, rc = protect__check(env->l, addr, len, prot);

	if (rc == 0) {
		n = protect__ranges_set(p->r, p->n, addr, addr + len, prot, p->scratch);
		rc = n < 0 ? -ENOMEM : 0;
	}
	if (rc < 0) {
		p->refused++;
		return rc;
	}
	v.n = (unsigned)n;
	/* On failure, the pages the update took were never loaded: the reset may reuse them. */
	if (x86_paging__update(&v, env->mem, &pool, env->cr3, addr, addr + len, &env->cr3) == 0)
		p->pool = pool;
	else if ((rc = protect__reset(p, env, &v)) < 0) {
		p->refused++;
		return rc;
	}
	memcpy(p->r, p->scratch, (size_t)n * sizeof(p->r[0]));
	p->n = (unsigned)n;
	guest_prot__publish(&p->published, p->r, p->n);
	p->protects++;
	p->protect_ns += clock__ns() - t0;
	return 0;
}
