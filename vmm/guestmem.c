/* Guest memory: the one checked translation of a guest-physical range to a host pointer. */
#include "guestmem.h"

#include <stddef.h>

#include <pith/abi.h>

/* Host pointer to [gpa, gpa + len) if it lies inside [lo, hi), else NULL (overflow-safe). */
static void *range__to_host(const struct guest_mem *m, uint64_t lo, uint64_t hi, uint64_t gpa,
			    uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	if (gpa < lo || end > hi)
		return NULL;
	return m->base + gpa;
}

static uint64_t user__end(const struct guest_mem *m)
{
	return m->user_end ? m->user_end : m->size;
}

/* First of r[0..n) that ends after gpa (n if none): r is sorted and disjoint. */
static unsigned prot__first_after(const struct guest_prot_range *r, unsigned n, uint64_t gpa)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (__atomic_load_n(&r[mid].end, __ATOMIC_RELAXED) > gpa)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Whether [gpa, end) meets a range of one buffer that forbids the access. */
static int prot__search(const struct guest_prot_range *r, unsigned n, uint64_t gpa, uint64_t end,
			int write)
{
	for (unsigned i = prot__first_after(r, n, gpa); i < n; i++) {
		if (__atomic_load_n(&r[i].start, __ATOMIC_RELAXED) >= end)
			return 0;
		if (write || __atomic_load_n(&r[i].prot, __ATOMIC_RELAXED) == PITH_PROT_NONE)
			return 1;
	}
	return 0;
}

/*
 * The reader's side of the seqlock (H.-J. Boehm, "Can seqlocks get along with programming
 * language memory models?", MSPC 2012): relaxed reads between an acquire load of seq and an
 * acquire fence, then seq again; a change means the search may have seen a refill: retry.
 */
static int prot__meets(const struct guest_mem *m, uint64_t gpa, uint64_t end, int write)
{
	const struct guest_prot_set *s = __atomic_load_n(&m->prot, __ATOMIC_ACQUIRE);
	uint32_t seq;
	int meets;

	if (!s)
		return 0;
	do {
		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		unsigned n = __atomic_load_n(&s->n[seq & 1], __ATOMIC_RELAXED);

		meets = prot__search(s->r[seq & 1], n < GUEST_PROT_MAX ? n : GUEST_PROT_MAX, gpa,
				     end, write);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq);
	return meets;
}

void *guest_mem__ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	void *p = range__to_host(m, m->user_lo, user__end(m), gpa, len);

	if (!p || prot__meets(m, gpa, gpa + len, 0))
		return NULL;
	return p;
}

/* Whether [gpa, end) meets a read-only range. */
static int range__meets_ro(const struct guest_mem *m, uint64_t gpa, uint64_t end)
{
	for (unsigned i = 0; i < m->nro; i++)
		if (gpa < m->ro[i].end && m->ro[i].start < end)
			return 1;
	return 0;
}

void *guest_mem__ptr_rw(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	void *p = range__to_host(m, m->user_lo, user__end(m), gpa, len);
	uint64_t end = gpa + len + (len == 0);

	if (!p || range__meets_ro(m, gpa, end) || prot__meets(m, gpa, end, 1))
		return NULL;
	return p;
}

int guest_mem__protect(struct guest_mem *m, uint64_t start, uint64_t end)
{
	if (m->nro == GUEST_MEM_RO_MAX)
		return -1;
	m->ro[m->nro++] = (struct guest_range){start, end};
	return 0;
}

void *guest_mem__raw(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	return range__to_host(m, 0, m->size, gpa, len);
}

void guest_mem__limit(struct guest_mem *m, uint64_t end)
{
	m->user_end = end;
}

void guest_mem__set_prot(struct guest_mem *m, struct guest_prot_set *s)
{
	__atomic_store_n(&m->prot, s, __ATOMIC_RELEASE);
}

/* The writer's side: the release fence orders the previous seq increment before the refill. */
void guest_prot__publish(struct guest_prot_set *s, const struct guest_prot_range *r, unsigned n)
{
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED) + 1;
	struct guest_prot_range *dst = s->r[seq & 1];

	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (unsigned i = 0; i < n; i++) {
		__atomic_store_n(&dst[i].start, r[i].start, __ATOMIC_RELAXED);
		__atomic_store_n(&dst[i].end, r[i].end, __ATOMIC_RELAXED);
		__atomic_store_n(&dst[i].prot, r[i].prot, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&s->n[seq & 1], n, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq, __ATOMIC_RELEASE);
}
