/* The privileged structures: layout, page tables (walked like the MMU) and the TSS I/O bitmap. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <pith/abi.h>

#include "elf.h"
#include "guestmem.h"
#include "layout.h"
#include "test.h"
#include "x86_64/desc.h"
#include "x86_64/paging.h"

#define LIMIT (1ULL << 32)
#define GIB   (1ULL << 30)

/* What a 4 KiB page looks like to a CPL3 access, after the whole walk (SDM Vol. 3A, 4.6). */
struct walk {
	bool present, user, write, nx;
};

static const uint64_t *table_at(const struct guest_mem *m, uint64_t gpa)
{
	return guest_mem__raw(m, gpa & 0x000ffffffffff000ULL, PITH_PAGE_SIZE);
}

/* Walk PML4 -> PDPT -> PD (-> PT) for addr; a 2 MiB leaf (PS) ends the walk at the PD. */
static struct walk walk(const struct guest_mem *m, uint64_t cr3, uint64_t addr)
{
	struct walk w = {.user = true, .write = true};
	uint64_t table = cr3;

	for (int level = 3; level >= 0; level--) {
		const uint64_t *t = table_at(m, table);
		uint64_t e;

		if (!t)
			return (struct walk){0};
		e = t[addr >> (12 + 9 * level) & 511];
		if (!(e & 1))
			return (struct walk){0};
		w.user &= (e >> 2 & 1) != 0;
		w.write &= (e >> 1 & 1) != 0;
		w.nx |= (e >> 63) != 0;
		if (level == 1 && (e & (1ULL << 7))) {
			w.present = true;
			return w;
		}
		table = e;
	}
	w.present = true;
	return w;
}

/* The permissions a page must have: 0 (absent), else LAYOUT_* bits. */
static uint32_t expected(const struct layout *l, const struct elf_image *img, uint64_t a)
{
	const uint32_t urw = LAYOUT_R | LAYOUT_W | LAYOUT_USER;
	uint64_t stack = l->mem_size / 8;

	stack = stack < (64 << 10) ? (64 << 10) : stack > (8 << 20) ? (8 << 20) : stack;
	stack &= ~(PITH_PAGE_SIZE - 1);
	if (a < PITH_MONITOR_BASE || (a >= X86_IST_TOP && a < PITH_MONITOR_END))
		return 0;
	if (a >= X86_SYSCALL_ADDR && a < X86_IST_BASE)
		return LAYOUT_R | LAYOUT_X | LAYOUT_USER;
	if (a >= X86_STUBS_ADDR && a < X86_SYSCALL_ADDR)
		return LAYOUT_R | LAYOUT_X;
	if (a < PITH_MONITOR_END)
		return LAYOUT_R | LAYOUT_W;
	if (a < PITH_BOOTINFO_END)
		return LAYOUT_R | LAYOUT_USER;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (a >= (s->vaddr & ~(PITH_PAGE_SIZE - 1)) && a < s->vaddr + s->memsz)
			return LAYOUT_R | LAYOUT_USER | (s->flags & ELF_SEG_W ? LAYOUT_W : 0) |
			       (s->flags & ELF_SEG_X ? LAYOUT_X : 0);
	}
	if (a < img->image_end)
		return 0; /* a gap between segments */
	if (a < l->mem_size - stack - PITH_PAGE_SIZE)
		return urw; /* heap */
	if (a < l->mem_size - stack)
		return 0; /* guard page */
	return a < l->mem_size ? urw : 0;
}

static bool walk_matches(struct walk w, uint32_t prot)
{
	if (!prot)
		return !w.present;
	return w.present && w.user == !!(prot & LAYOUT_USER) && w.write == !!(prot & LAYOUT_W) &&
	       w.nx == !(prot & LAYOUT_X);
}

/* Every page of RAM, then everything up to the next 1 GiB boundary, must be as expected. */
static void check_pages(const struct guest_mem *m, uint64_t cr3, const struct layout *l,
			const struct elf_image *img)
{
	uint64_t end = (l->mem_size + GIB - 1) & ~(GIB - 1);
	unsigned bad = 0, wx = 0;

	for (uint64_t a = 0; a < end; a += PITH_PAGE_SIZE) {
		struct walk w = walk(m, cr3, a);
		uint32_t prot = expected(l, img, a);

		if (w.present && w.write && !w.nx)
			wx++;
		if (!walk_matches(w, prot) && bad++ < 5)
			CHECKF(false,
			       "mem %#llx: page %#llx: present %d user %d write %d nx %d, "
			       "expected prot %#x",
			       (unsigned long long)l->mem_size, (unsigned long long)a, w.present,
			       w.user, w.write, w.nx, prot);
	}
	CHECKF(bad == 0, "mem %#llx: %u pages with wrong permissions",
	       (unsigned long long)l->mem_size, bad);
	CHECKF(wx == 0, "mem %#llx: %u pages writable and executable",
	       (unsigned long long)l->mem_size, wx);
}

/* Nothing in the top-level tables beyond RAM: PML4 entry 0 only, PDPT entries below mem_size. */
static void check_beyond(const struct guest_mem *m, uint64_t cr3, uint64_t mem_size)
{
	const uint64_t *pml4 = table_at(m, cr3), *pdpt = table_at(m, pml4[0]);
	unsigned extra = 0;

	for (unsigned i = 1; i < 512; i++)
		extra += (pml4[i] & 1) != 0;
	for (unsigned i = (unsigned)((mem_size + GIB - 1) / GIB); i < 512; i++)
		extra += (pdpt[i] & 1) != 0;
	CHECKF(extra == 0, "mem %#llx: %u top-level entries beyond RAM",
	       (unsigned long long)mem_size, extra);
}

/* Spot checks with the named regions, independent of the loop above. */
static void check_named(const struct guest_mem *m, uint64_t cr3, const struct layout *l)
{
	struct walk sys = walk(m, cr3, X86_SYSCALL_ADDR), bi = walk(m, cr3, PITH_BOOTINFO_BASE);
	struct walk heap = walk(m, cr3, l->heap_start), guard = walk(m, cr3, l->heap_end);
	struct walk stack = walk(m, cr3, l->stack_top - PITH_PAGE_SIZE);

	CHECK(!walk(m, cr3, 0).present);
	CHECK(sys.present && sys.user && !sys.write && !sys.nx);
	CHECK(walk(m, cr3, X86_GDT_ADDR).present && !walk(m, cr3, X86_GDT_ADDR).user);
	CHECK(!walk(m, cr3, X86_PT_BASE).present);
	CHECK(bi.present && bi.user && !bi.write && bi.nx);
	CHECK(heap.present && heap.user && heap.write && heap.nx);
	CHECK(!guard.present);
	CHECK(stack.present && stack.user && stack.write && stack.nx);
	CHECK_U64(l->stack_top, l->mem_size);
	CHECK(!walk(m, cr3, l->mem_size).present);
}

/* The page-table pool: the top of RAM, never mapped, never nameable by the guest. */
static void check_pool(const struct guest_mem *m, uint64_t cr3, const struct layout *l)
{
	uint64_t pool = m->size / 64;

	pool = pool < (256 << 10) ? (256 << 10) : pool > (8 << 20) ? (8 << 20) : pool;
	CHECK_U64(l->pt_pool_end, m->size);
	CHECK_U64(l->pt_pool_end - l->pt_pool_start, pool);
	CHECK_U64(l->mem_size, l->pt_pool_start);
	for (uint64_t a = l->pt_pool_start; a < l->pt_pool_end; a += 64 * PITH_PAGE_SIZE)
		CHECKF(!walk(m, cr3, a).present, "pool page %#llx not mapped",
		       (unsigned long long)a);
	CHECK(guest_mem__ptr(m, l->pt_pool_start, 1) == NULL);
	CHECK(guest_mem__ptr_rw(m, l->pt_pool_start - 8, 16) == NULL);
	CHECK(guest_mem__ptr(m, l->pt_pool_start - 8, 8) != NULL);
	CHECK(guest_mem__raw(m, l->pt_pool_start, PITH_PAGE_SIZE) != NULL); /* the monitor's */
}

static void check_image_segments(const struct elf_image *img)
{
	bool r = false, rx = false, rw = false;

	for (unsigned i = 0; i < img->nseg; i++) {
		r |= img->seg[i].flags == ELF_SEG_R;
		rx |= img->seg[i].flags == (ELF_SEG_R | ELF_SEG_X);
		rw |= img->seg[i].flags == (ELF_SEG_R | ELF_SEG_W);
	}
	CHECKF(r && rx && rw, "the fixture has R, RX and RW segments");
}

static void test_memory_size(const struct elf_image *img, uint64_t mem_size)
{
	const struct elf_image *imgs[1] = {img};
	char err[256] = "";
	struct layout l;
	uint64_t cr3 = 0, total = mem_size + layout__pt_pool_size(mem_size); /* as vmm/run.c */
	void *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct guest_mem m = {.base = p, .size = total, .user_lo = PITH_BOOTINFO_BASE};

	if (!CHECKF(p != MAP_FAILED, "map %#llx bytes", (unsigned long long)mem_size))
		return;
	if (CHECKF(layout__build(&l, mem_size, imgs, 1, err, sizeof(err)) == 0, "%s", err) &&
	    CHECK(x86_desc__write(&m) == 0) &&
	    CHECKF(x86_paging__build(&l, &m, &cr3, err, sizeof(err)) == 0, "%s", err)) {
		check_pages(&m, cr3, &l, img);
		check_beyond(&m, cr3, mem_size);
		check_named(&m, cr3, &l);
		check_pool(&m, cr3, &l);
	}
	munmap(p, total);
}

/* Whether port is usable at CPL3 (SDM Vol. 1, 19.5.2): its bit inside the TSS limit and clear. */
static bool port_open(const uint8_t *tss, uint32_t limit, unsigned port)
{
	uint16_t base;

	memcpy(&base, tss + 102, 2);
	if (base + port / 8 > limit)
		return false;
	return !(tss[base + port / 8] >> (port % 8) & 1);
}

static void test_io_bitmap(void)
{
	static uint8_t mem[2 << 20];
	struct guest_mem m = {.base = mem, .size = sizeof(mem), .user_lo = PITH_BOOTINFO_BASE};
	const uint8_t *tss = mem + X86_TSS_ADDR, *gdt = mem + X86_GDT_ADDR;
	uint32_t limit = x86_desc__tss_limit(), gdt_limit;
	unsigned open = 0, wrong = 0;
	uint64_t d;

	if (!CHECK(x86_desc__write(&m) == 0))
		return;
	memcpy(&d, gdt + PITH_SEL_TSS, 8);
	gdt_limit = (uint32_t)((d & 0xffff) | (d >> 48 & 0xf) << 16);
	CHECK_U64(gdt_limit, limit);
	for (unsigned port = 0; port < 65536; port++) {
		/* each hypercall port and doorbell takes a 4-byte outl: port .. port + 3 */
		bool want = (port >= PITH_HC_PORT_BASE &&
			     port <= PITH_HC_PORT_BASE + PITH_HC_COUNT - 1 + 3) ||
			    (port >= 0x510 && port <= 0x514) || port == 0x60;

		open += port_open(tss, limit, port);
		if (port_open(tss, limit, port) != want && wrong++ < 5)
			CHECKF(false, "port %#x is %s", port, want ? "closed" : "open");
	}
	CHECK_U64(open, PITH_HC_COUNT + 3 + 5 + 1);
	CHECK_U64(wrong, 0);
	CHECK_U64(tss[limit], 0xff); /* the terminating byte is the last one in the limit */
}

/*
 * The worst case the memory map must hold: the compat kernel and a program with the most
 * segments each (7 fixed ranges + 2 x 16 segments + heap, guard, stack).
 */
static void test_layout_worst_case(void)
{
	static struct elf_image a, b;
	const struct elf_image *imgs[2] = {&a, &b};
	char err[256] = "";
	struct layout l;

	a.nseg = b.nseg = ELF_IMAGE_MAX_SEGMENTS;
	for (unsigned i = 0; i < ELF_IMAGE_MAX_SEGMENTS; i++) {
		a.seg[i] = (struct elf_segment){.vaddr = PITH_IMAGE_BASE + 2 * i * PITH_PAGE_SIZE,
						.memsz = 16,
						.flags = ELF_SEG_R};
		b.seg[i] = (struct elf_segment){.vaddr = 0x400000 + 2 * i * PITH_PAGE_SIZE,
						.memsz = 16,
						.flags = ELF_SEG_R | ELF_SEG_W};
	}
	a.image_end = PITH_IMAGE_BASE + 2 * ELF_IMAGE_MAX_SEGMENTS * PITH_PAGE_SIZE;
	b.image_end = 0x400000 + 2 * ELF_IMAGE_MAX_SEGMENTS * PITH_PAGE_SIZE;
	CHECKF(layout__build(&l, 64 << 20, imgs, 2, err, sizeof(err)) == 0, "%s", err);
	CHECK_U64(l.n, 7 + 2 * ELF_IMAGE_MAX_SEGMENTS + 3);
	for (unsigned i = 1; i < l.n && i < LAYOUT_MAX_RANGES; i++)
		CHECKF(l.r[i - 1].end <= l.r[i].start, "range %u sorted and apart", i);
	CHECK(layout__build(&l, 64 << 20, (const struct elf_image *[3]){&a, &b, &a}, 3, err,
			    sizeof(err)) == -1);
	CHECK_CONTAINS(err, "this is a bug in pith");
}

int main(int argc, char **argv)
{
	char path[4096], err[512] = "";
	struct elf_image img;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE-DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/tiny.elf", argv[1]);
	if (!CHECKF(elf_image__open(&img, path, LIMIT, err, sizeof(err)) == 0, "%s", err))
		return test__done();
	check_image_segments(&img);
	test_memory_size(&img, 2ULL << 20);
	test_memory_size(&img, (6ULL << 20) + 4096);
	test_memory_size(&img, 4ULL << 30);
	elf_image__close(&img);
	test_io_bitmap();
	test_layout_worst_case();
	return test__done();
}
