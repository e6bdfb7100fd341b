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

void *guest_mem__raw(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	return range__to_host(m, 0, gpa, len);
}
