/* Guest memory: the one checked translation of a guest-physical range to a host pointer. */
#include "guestmem.h"

#include <stddef.h>

/* Host pointer to [gpa, gpa + len) if it lies inside [lo, m->size), else NULL (overflow-safe). */
static void *range__to_host(const struct guest_mem *m, uint64_t lo, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	if (gpa < lo || end > m->size)
		return NULL;
	return m->base + gpa;
}

void *guest_mem__ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	return range__to_host(m, m->user_lo, gpa, len);
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
	void *p = range__to_host(m, m->user_lo, gpa, len);

	if (!p || range__meets_ro(m, gpa, gpa + len + (len == 0)))
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
	return range__to_host(m, 0, gpa, len);
}
