/* Unit tests of the guest-pointer check: bounds, user_lo, len 0, wrap-around at 2^64. */
#include <stdlib.h>

#include "guestmem.h"
#include "test.h"
#include <pith/abi.h>

#define MEM (2ULL << 20)

static void test_inside(const struct guest_mem *m)
{
	CHECK(guest_mem__ptr(m, PITH_BOOTINFO_BASE, 8) == m->base + PITH_BOOTINFO_BASE);
	CHECK(guest_mem__ptr(m, PITH_IMAGE_BASE, 4096) == m->base + PITH_IMAGE_BASE);
	CHECK(guest_mem__ptr(m, m->user_lo, MEM - m->user_lo) == m->base + m->user_lo); /* all */
	CHECK(guest_mem__ptr(m, MEM - 1, 1) == m->base + MEM - 1); /* last byte */
	CHECK(guest_mem__ptr(m, MEM - 4096, 4096) == m->base + MEM - 4096);
}

static void test_end_of_memory(const struct guest_mem *m)
{
	CHECK(guest_mem__ptr(m, MEM, 1) == NULL);
	CHECK(guest_mem__ptr(m, MEM - 1, 2) == NULL);
	CHECK(guest_mem__ptr(m, MEM - 4096, 4097) == NULL);
	CHECK(guest_mem__ptr(m, m->user_lo, MEM - m->user_lo + 1) == NULL);
	CHECK(guest_mem__ptr(m, MEM + 4096, 8) == NULL);
	CHECK(guest_mem__ptr(m, 1ULL << 32, 8) == NULL);
}

static void test_len_zero(const struct guest_mem *m)
{
	CHECK(guest_mem__ptr(m, m->user_lo, 0) == m->base + m->user_lo);
	CHECK(guest_mem__ptr(m, MEM, 0) == m->base + MEM); /* the end itself: empty, valid */
	CHECK(guest_mem__ptr(m, MEM + 1, 0) == NULL);
	CHECK(guest_mem__ptr(m, m->user_lo - 1, 0) == NULL);
	CHECK(guest_mem__ptr(m, UINT64_MAX, 0) == NULL);
	CHECK(guest_mem__raw(m, 0, 0) == m->base);
}

static void test_below_user_lo(const struct guest_mem *m)
{
	CHECK(guest_mem__ptr(m, 0, 1) == NULL);
	CHECK(guest_mem__ptr(m, 0, 8) == NULL); /* NULL page */
	CHECK(guest_mem__ptr(m, PITH_MONITOR_BASE, 8) == NULL);
	CHECK(guest_mem__ptr(m, m->user_lo - 1, 1) == NULL);
	CHECK(guest_mem__ptr(m, m->user_lo - 1, 2) == NULL); /* straddles user_lo */
	CHECK(guest_mem__ptr(m, 0, MEM) == NULL);
	/* The monitor's own accessor may read there. */
	CHECK(guest_mem__raw(m, PITH_MONITOR_BASE, 8) == m->base + PITH_MONITOR_BASE);
	CHECK(guest_mem__raw(m, 0, MEM) == m->base);
	CHECK(guest_mem__raw(m, 0, MEM + 1) == NULL);
	CHECK(guest_mem__raw(m, MEM - 1, 1) == m->base + MEM - 1);
	CHECK(guest_mem__raw(m, MEM, 1) == NULL);
}

static void test_wrap(const struct guest_mem *m)
{
	CHECK(guest_mem__ptr(m, UINT64_MAX, 1) == NULL);
	CHECK(guest_mem__ptr(m, UINT64_MAX, 2) == NULL); /* end wraps to 1 */
	CHECK(guest_mem__ptr(m, m->user_lo, UINT64_MAX) == NULL);
	CHECK(guest_mem__ptr(m, m->user_lo, UINT64_MAX - m->user_lo + 1) ==
	      NULL); /* end wraps to 0 */
	CHECK(guest_mem__ptr(m, m->user_lo, UINT64_MAX - m->user_lo + 0x100) == NULL);
	CHECK(guest_mem__ptr(m, 1ULL << 63, 1ULL << 63) == NULL);
	CHECK(guest_mem__ptr(m, UINT64_MAX - 7, 8) == NULL); /* ends exactly at 2^64 */
	CHECK(guest_mem__raw(m, UINT64_MAX, 1) == NULL);
	CHECK(guest_mem__raw(m, 4096, UINT64_MAX - 4095) == NULL); /* end wraps to 0 */
}

int main(void)
{
	struct guest_mem m = {.base = calloc(1, MEM), .size = MEM, .user_lo = PITH_BOOTINFO_BASE};
	struct guest_mem none = {.base = m.base, .size = 0, .user_lo = 0};

	if (!CHECK(m.base != NULL))
		return test__done();
	test_inside(&m);
	test_end_of_memory(&m);
	test_len_zero(&m);
	test_below_user_lo(&m);
	test_wrap(&m);
	CHECK(guest_mem__ptr(&none, 0, 1) == NULL); /* no memory at all */
	CHECK(guest_mem__ptr(&none, 0, 0) == m.base);
	free(m.base);
	return test__done();
}
