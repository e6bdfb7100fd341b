/* Host test: the map of guest ranges the kernel's user-pointer checks accept. */
#include <errno.h>
#include <string.h>

#include "core/core.h"
#include "test.h"

#define PAGE	     PITH_PAGE_SIZE
#define HEAP_START   0x110000ULL
#define HEAP_END     0x300000ULL
#define STACK_BOTTOM (HEAP_END + PAGE)
#define STACK_TOP    0x400000ULL

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* An image as the linker lays one out: headers+notes R, text RX, rodata R, data+bss RW. */
static struct phdr phdrs[] = {
    {1, 4, 0, 0x100000, 0, 0x290, 0x290, PAGE}, {1, 5, 0, 0x101000, 0, 0x4af0, 0x4af0, PAGE},
    {4, 4, 0, 0x100190, 0, 0x100, 0x100, 4},	{1, 4, 0, 0x106000, 0, 0x1d44, 0x1d44, PAGE},
    {1, 6, 0, 0x108010, 0, 0x4, 0x5a00, PAGE},
};

static struct pith_boot_info bi = {
    .heap_start = HEAP_START,
    .heap_end = HEAP_END,
    .stack_top = STACK_TOP,
    .phnum = sizeof(phdrs) / sizeof(phdrs[0]),
};

static struct pith_user_map m;

static size_t rd(uint64_t a, size_t len)
{
	return pith_user_map_prefix(&m, a, len, false);
}

static size_t wr(uint64_t a, size_t len)
{
	return pith_user_map_prefix(&m, a, len, true);
}

static void test_ranges(void)
{
	CHECK(pith_user_map_init(&m, &bi) == 0 && m.n == 7);
	CHECK(rd(0, 1) == 0 && rd(PITH_MONITOR_BASE, 8) == 0 && rd(PITH_BOOTINFO_BASE - 1, 2) == 0);
	CHECK(rd(PITH_BOOTINFO_BASE, 16) == 16 && wr(PITH_BOOTINFO_BASE, 16) == 0);
	/* boot info, headers, text, rodata, data touch: one readable run up to the hole */
	CHECK(rd(PITH_BOOTINFO_END - 8, 1 << 20) == 0x10e000 - (PITH_BOOTINFO_END - 8));
	CHECK(rd(0x10dff0, 32) == 0x10 && wr(0x101000, 1) == 0 && wr(0x106000, 1) == 0);
	CHECK(wr(0x107ff0, 32) == 0 && rd(0x107ff0, 32) == 32);
	/* data+bss, page-rounded, then a hole below the heap */
	CHECK(wr(0x108000, 4) == 4 && wr(0x10dffc, 100) == 4 && rd(0x10e000, 1) == 0);
	CHECK(wr(HEAP_START, HEAP_END - HEAP_START) == HEAP_END - HEAP_START);
	/* the guard page under the stack */
	CHECK(rd(HEAP_END - 4, 100) == 4 && rd(HEAP_END, 1) == 0 && rd(STACK_BOTTOM - 1, 1) == 0);
	CHECK(wr(STACK_BOTTOM, STACK_TOP - STACK_BOTTOM) == STACK_TOP - STACK_BOTTOM);
	CHECK(rd(STACK_TOP - 5, 1ULL << 40) == 5 && rd(STACK_TOP, 1) == 0);
	CHECK(rd(STACK_TOP - 5, SIZE_MAX) == 5 && rd(UINT64_MAX - 2, 8) == 0); /* no wrap */
	CHECK(rd(0, 0) == 0 && wr(HEAP_END, 0) == 0);
}

static void test_overlaps(void)
{
	CHECK(pith_user_map_init(&m, &bi) == 0);
	CHECK(!pith_user_map_overlaps(&m, 0, PITH_BOOTINFO_BASE));
	CHECK(pith_user_map_overlaps(&m, 0, PITH_BOOTINFO_BASE + PAGE));
	CHECK(!pith_user_map_overlaps(&m, HEAP_END, STACK_BOTTOM));
	CHECK(pith_user_map_overlaps(&m, HEAP_END, STACK_BOTTOM + PAGE));
	CHECK(!pith_user_map_overlaps(&m, STACK_TOP, STACK_TOP + PAGE));
	CHECK(!pith_user_map_overlaps(&m, 0x10e000, HEAP_START));
}

static void test_bad_layouts(void)
{
	struct phdr saved = phdrs[4];

	phdrs[4].vaddr = HEAP_START; /* a segment inside the heap */
	CHECK(pith_user_map_init(&m, &bi) == -EINVAL);
	phdrs[4].vaddr = 0x1000; /* a segment among the monitor's pages */
	CHECK(pith_user_map_init(&m, &bi) == -EINVAL);
	phdrs[4] = saved;
	bi.phnum = 0;
	CHECK(pith_user_map_init(&m, &bi) == 0 && m.n == 3); /* boot info, heap, stack */
	bi.phnum = sizeof(phdrs) / sizeof(phdrs[0]);
}

static void test_too_many_segments(void)
{
	static struct phdr many[PITH_USER_RANGES_MAX];
	struct pith_boot_info b = bi;

	for (int i = 0; i < PITH_USER_RANGES_MAX; i++)
		many[i] = (struct phdr){1, 4, 0, 0x100000 + (uint64_t)i * PAGE, 0, 1, 1, PAGE};
	b.phdr = (uint64_t)(uintptr_t)many;
	b.phnum = PITH_USER_RANGES_MAX;
	b.heap_start = 0x200000;
	CHECK(pith_user_map_init(&m, &b) == -E2BIG);
}

int main(void)
{
	bi.phdr = (uint64_t)(uintptr_t)phdrs;
	test_ranges();
	test_overlaps();
	test_bad_layouts();
	test_too_many_segments();
	return test__done();
}
