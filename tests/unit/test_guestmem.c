/* Unit tests of the guest-pointer checks: bounds, user_lo, len 0, wrap-around, read-only memory. */
#include <pthread.h>
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

/* Writes on the guest's behalf: never into the boot info or a read-only segment. */
static void test_read_only(struct guest_mem *m)
{
	uint64_t text = PITH_IMAGE_BASE, text_end = PITH_IMAGE_BASE + 0x3000;

	CHECK(guest_mem__ptr_rw(m, text, 4096) == m->base + text); /* nothing protected yet */
	CHECK(guest_mem__protect(m, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END) == 0);
	CHECK(guest_mem__protect(m, text, text_end) == 0);
	CHECK(guest_mem__ptr_rw(m, PITH_BOOTINFO_BASE, 8) == NULL);
	CHECK(guest_mem__ptr_rw(m, PITH_BOOTINFO_END - 1, 1) == NULL);
	CHECK(guest_mem__ptr_rw(m, text, 1) == NULL);
	CHECK(guest_mem__ptr_rw(m, text_end - 1, 1) == NULL);		   /* last byte */
	CHECK(guest_mem__ptr_rw(m, text - 64, 128) == NULL);		   /* straddles its start */
	CHECK(guest_mem__ptr_rw(m, text_end - 64, 128) == NULL);	   /* straddles its end */
	CHECK(guest_mem__ptr_rw(m, text, 0) == NULL);			   /* empty, but inside */
	CHECK(guest_mem__ptr_rw(m, text_end, 4096) == m->base + text_end); /* just after */
	CHECK(guest_mem__ptr_rw(m, MEM - 4096, 4097) == NULL);		   /* bounds still hold */
	CHECK(guest_mem__ptr(m, text, 4096) == m->base + text); /* reads are still allowed */
	while (m->nro < GUEST_MEM_RO_MAX)
		CHECK(guest_mem__protect(m, MEM - 4096, MEM) == 0);
	CHECK(guest_mem__protect(m, 0, 1) == -1); /* the table is full */
}

/* user_end: the page-table pool above it is not the guest's to name. */
static void test_user_end(struct guest_mem *m)
{
	guest_mem__limit(m, MEM - 4 * 4096);
	CHECK(guest_mem__ptr(m, MEM - 4 * 4096 - 8, 8) != NULL);
	CHECK(guest_mem__ptr(m, MEM - 4 * 4096 - 8, 9) == NULL);
	CHECK(guest_mem__ptr_rw(m, MEM - 4096, 8) == NULL);
	CHECK(guest_mem__raw(m, MEM - 4096, 4096) != NULL);
	guest_mem__limit(m, 0);
	CHECK(guest_mem__ptr(m, MEM - 4096, 4096) != NULL);
}

#define PROT_BASE 0x104000ULL
#define PAGE	  4096ULL

/* Guard pages refuse reads and writes; read-only pages refuse writes only. */
static void test_guest_prot(struct guest_mem *m)
{
	static struct guest_prot_set set;
	const struct guest_prot_range r[2] = {
	    {PROT_BASE, PROT_BASE + PAGE, PITH_PROT_NONE, 0},
	    {PROT_BASE + 2 * PAGE, PROT_BASE + 4 * PAGE, PITH_PROT_READ, 0}};

	guest_mem__set_prot(m, &set);
	CHECK(guest_mem__ptr_rw(m, PROT_BASE, 8) != NULL); /* nothing published yet */
	guest_prot__publish(&set, r, 2);
	CHECK(guest_mem__ptr(m, PROT_BASE, 1) == NULL);
	CHECK(guest_mem__ptr(m, PROT_BASE + PAGE - 1, 1) == NULL);
	CHECK(guest_mem__ptr(m, PROT_BASE - 1, 2) == NULL);
	CHECK(guest_mem__ptr(m, PROT_BASE - 8, 8) != NULL);
	CHECK(guest_mem__ptr(m, PROT_BASE + PAGE, 3 * PAGE) != NULL); /* read-only: readable */
	CHECK(guest_mem__ptr_rw(m, PROT_BASE + PAGE, PAGE) != NULL);
	CHECK(guest_mem__ptr_rw(m, PROT_BASE + PAGE, PAGE + 1) == NULL);
	CHECK(guest_mem__ptr_rw(m, PROT_BASE + 4 * PAGE - 1, 1) == NULL);
	CHECK(guest_mem__ptr_rw(m, PROT_BASE + 4 * PAGE, 0) != NULL);
	CHECK(guest_mem__ptr_rw(m, PROT_BASE + 3 * PAGE, 0) == NULL); /* len 0 inside */
	guest_prot__publish(&set, r, 0);
	CHECK(guest_mem__ptr_rw(m, PROT_BASE, 5 * PAGE) != NULL);
	guest_mem__set_prot(m, NULL);
}

/*
 * The I/O threads' lock-free reads while the vCPU thread publishes: set k has up to 119 filler
 * ranges below the guard page G (so G's index moves) and none on page W. A torn read (a count of
 * one generation with the ranges of another) would miss G or hit W.
 */
static struct guest_prot_set race_set;
static volatile int race_stop;

static void *race_reader(void *arg)
{
	const struct guest_mem *m = arg;
	unsigned long wrong = 0;
	const uint64_t g = PROT_BASE + 240 * PAGE, w = PROT_BASE + 241 * PAGE;

	while (!race_stop)
		wrong += (guest_mem__ptr_rw(m, g, 8) != NULL) + (guest_mem__ptr(m, g, 1) != NULL) +
			 (guest_mem__ptr_rw(m, w, 8) == NULL);
	return (void *)wrong;
}

static void test_prot_race(struct guest_mem *m)
{
	static struct guest_prot_range r[GUEST_PROT_MAX];
	pthread_t t;
	void *wrong;

	r[0] = (struct guest_prot_range){PROT_BASE + 240 * PAGE, PROT_BASE + 241 * PAGE, 0, 0};
	guest_prot__publish(&race_set, r, 1);
	guest_mem__set_prot(m, &race_set);
	if (!CHECK(pthread_create(&t, NULL, race_reader, m) == 0))
		return;
	for (unsigned k = 0; k < 200000; k++) {
		unsigned n = 1 + k % 120;

		for (unsigned i = 0; i + 1 < n; i++)
			r[i] = (struct guest_prot_range){PROT_BASE + 2 * i * PAGE,
							 PROT_BASE + (2 * i + 1) * PAGE,
							 PITH_PROT_NONE, 0};
		r[n - 1] = (struct guest_prot_range){PROT_BASE + 240 * PAGE, PROT_BASE + 241 * PAGE,
						     PITH_PROT_NONE, 0};
		guest_prot__publish(&race_set, r, n);
	}
	race_stop = 1;
	pthread_join(t, &wrong);
	CHECK_U64((uint64_t)(uintptr_t)wrong, 0);
	guest_mem__set_prot(m, NULL);
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
	test_read_only(&m);
	test_user_end(&m);
	test_guest_prot(&m);
	test_prot_race(&m);
	free(m.base);
	return test__done();
}
