/* Test guest: PITH_HC_PROTECT (guard and read-only heap pages), mode in argv[1]. */
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, 0);
GUEST_START();

#define EINVAL 22
#define ENOMEM 12

static int32_t protect(uint64_t addr, uint64_t len, uint32_t prot)
{
	struct pith_hc_protect p = {.addr = addr, .len = len, .prot = prot, .status = 1};

	hc_call(PITH_HC_PROTECT, &p);
	return p.status;
}

static void put_hex(uint64_t v)
{
	char buf[19] = "0x";

	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[v >> (60 - 4 * i) & 15];
	buf[18] = '\n';
	guest_write(1, buf, sizeof(buf));
}

static int fail(const char *what)
{
	guest_puts(2, "protect: FAIL: ");
	guest_puts(2, what);
	guest_puts(2, "\n");
	return 1;
}

/* A page well inside the heap, 2 MiB-aligned when the heap is large enough (a 2 MiB leaf). */
static uint64_t heap_page(const struct pith_boot_info *bi)
{
	uint64_t a = (bi->heap_start + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);

	if (a + (4ULL << 20) <= bi->heap_end)
		return a + (1ULL << 20);
	return bi->heap_start + 16 * PITH_PAGE_SIZE;
}

/* guard: protect one page, touch it: the monitor must report a page fault at its address. */
static int mode_guard(const struct pith_boot_info *bi, int write)
{
	uint64_t a = heap_page(bi);
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)a;

	p[0] = 1; /* mapped (and cached by the MMU) before */
	if (protect(a, PITH_PAGE_SIZE, PITH_PROT_NONE) != 0)
		return fail("protect(NONE) did not return 0");
	p[-1] = 2; /* the neighbours stay read-write */
	p[PITH_PAGE_SIZE] = 3;
	guest_puts(1, "protect: touching ");
	put_hex(a + 8);
	if (write)
		p[8] = 4;
	else
		(void)p[8];
	return fail("the guard page was accessible");
}

/* cycle: NONE, READ, then back to RW: reads and writes work again. */
static int mode_cycle(const struct pith_boot_info *bi)
{
	uint64_t a = heap_page(bi);
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)a;

	p[0] = 42;
	if (protect(a, 4 * PITH_PAGE_SIZE, PITH_PROT_NONE) != 0 ||
	    protect(a, 4 * PITH_PAGE_SIZE, PITH_PROT_READ) != 0)
		return fail("protect(NONE/READ) did not return 0");
	if (p[0] != 42)
		return fail("read-only page lost its contents");
	if (protect(a, 4 * PITH_PAGE_SIZE, PITH_PROT_RW) != 0)
		return fail("protect(RW) did not return 0");
	p[0] = 43;
	p[3 * PITH_PAGE_SIZE / 8] = 44;
	if (p[0] != 43 || p[3 * PITH_PAGE_SIZE / 8] != 44)
		return fail("write after un-protect did not stick");
	guest_puts(1, "protect: cycle ok\n");
	return 0;
}

/* hostile: every bad request is -EINVAL, and changes nothing. */
static int mode_hostile(const struct pith_boot_info *bi)
{
	const uint64_t h = bi->heap_start, e = bi->heap_end, pg = PITH_PAGE_SIZE;
	const struct {
		uint64_t addr, len;
		uint32_t prot;
	} bad[] = {
	    {h + 1, pg, 0},
	    {h, pg + 1, 0},
	    {h, 0, 0},
	    {h, pg, 2},
	    {h, pg, 4},
	    {h, pg, 7},
	    {h, pg, 0xffffffffu},
	    {h - pg, pg, 0},
	    {e, pg, 0},
	    {e - pg, 2 * pg, 0},
	    {PITH_BOOTINFO_BASE, pg, 1},
	    {PITH_IMAGE_BASE, pg, 3},
	    {bi->stack_top - pg, pg, 0},
	    {h, UINT64_MAX - h + 1, 0},
	    {h, 0xfffffffffffff000ULL, 0},
	    {UINT64_MAX & ~(pg - 1), pg, 0},
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (protect(bad[i].addr, bad[i].len, bad[i].prot) != -EINVAL) {
			put_hex(i);
			return fail("a bad request was not refused with -EINVAL");
		}
	*(volatile uint8_t *)(uintptr_t)h = 1; /* still read-write */
	guest_puts(1, "protect: hostile ok\n");
	return 0;
}

/* many N: N guard/unguard pairs on changing pages (pool resets), then a guard must hold. */
static int mode_many(const struct pith_boot_info *bi, const char *arg)
{
	uint64_t n = 0, base = bi->heap_start, pages = (bi->heap_end - base) / PITH_PAGE_SIZE;

	while (*arg >= '0' && *arg <= '9')
		n = n * 10 + (uint64_t)(*arg++ - '0');
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = base + (i * 7 % pages) * PITH_PAGE_SIZE;

		if (protect(a, PITH_PAGE_SIZE, PITH_PROT_NONE) != 0 ||
		    protect(a, PITH_PAGE_SIZE, PITH_PROT_RW) != 0)
			return fail("protect failed during the cycles");
		*(volatile uint8_t *)(uintptr_t)a = 1;
	}
	guest_puts(1, "protect: many ok\n");
	return mode_guard(bi, 1);
}

/* device: the console must not read a guard page on the guest's behalf. */
static int mode_device(const struct pith_boot_info *bi)
{
	uint64_t a = heap_page(bi);

	if (protect(a, PITH_PAGE_SIZE, PITH_PROT_NONE) != 0)
		return fail("protect(NONE) did not return 0");
	guest_write(1, (const void *)(uintptr_t)a, 16);
	return fail("the monitor read a guard page for the guest");
}

int guest_main(const struct pith_boot_info *bi)
{
	const char *mode = guest_arg(bi, 1);

	if (guest_streq(mode, "guard"))
		return mode_guard(bi, 0);
	if (guest_streq(mode, "guard-write"))
		return mode_guard(bi, 1);
	if (guest_streq(mode, "cycle"))
		return mode_cycle(bi);
	if (guest_streq(mode, "hostile"))
		return mode_hostile(bi);
	if (guest_streq(mode, "many"))
		return mode_many(bi, guest_arg(bi, 2));
	if (guest_streq(mode, "device"))
		return mode_device(bi);
	return fail("unknown mode");
}
