/* Unit tests of PITH_HC_PROTECT's logic: ranges, checks, copy-on-write page tables, pool resets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <pith/abi.h>

#include "guestmem.h"
#include "layout.h"
#include "protect.h"
#include "test.h"
#include "x86_64/desc.h"
#include "x86_64/paging.h"

#define PG	 PITH_PAGE_SIZE
#define MIB	 (1ULL << 20)
#define PTE_P	 1ULL
#define PTE_PS	 (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL

/* A tiny image: text, rodata, data. */
static struct elf_image image = {
    .seg = {{.vaddr = 0x100000, .memsz = 0x3000, .flags = ELF_SEG_R | ELF_SEG_X},
	    {.vaddr = 0x103000, .memsz = 0x1000, .flags = ELF_SEG_R},
	    {.vaddr = 0x104000, .memsz = 0x2000, .flags = ELF_SEG_R | ELF_SEG_W}},
    .nseg = 3,
    .image_end = 0x106000};

struct fixture {
	struct guest_mem m;
	struct layout l;
	struct protect_state *p;
	uint64_t cr3;
	uint8_t *model; /* per heap page: PITH_PROT_* */
	uint8_t *live;	/* per RAM page: 1 if some tree loaded since the last zap used it */
	uint8_t *snap;	/* copy of guest RAM before a call */
	unsigned zaps;
	int zap_fail;
};

static int fake_zap(void *arg)
{
	struct fixture *f = arg;

	if (f->zap_fail)
		return -1;
	f->zaps++;
	memset(f->live, 0, f->m.size / PG);
	return 0;
}

static const uint64_t *table_at(const struct fixture *f, uint64_t gpa)
{
	return guest_mem__raw(&f->m, gpa & PTE_ADDR, PG);
}

/* Mark every table page of the tree at cr3 as live (it is loaded: KVM may shadow it). */
static void mark_live(struct fixture *f, uint64_t table, int level)
{
	const uint64_t *t = table_at(f, table);

	f->live[(table & PTE_ADDR) / PG] = 1;
	if (level == 0)
		return;
	for (unsigned i = 0; i < 512; i++)
		if ((t[i] & PTE_P) && !(level == 1 && (t[i] & PTE_PS)))
			mark_live(f, t[i], level - 1);
}

/* Present/write of a CPL3 access to addr (user bit checked as well), as the MMU walks. */
static uint32_t walk(const struct fixture *f, uint64_t addr, int *leaf_2m)
{
	uint64_t table = f->cr3, w = 1;

	*leaf_2m = 0;
	for (int level = 3; level >= 0; level--) {
		uint64_t e = table_at(f, table)[addr >> (12 + 9 * level) & 511];

		if (!(e & PTE_P))
			return 0;
		w &= e >> 1 & 1;
		if (level == 1 && (e & PTE_PS)) {
			*leaf_2m = 1;
			return 1 | (uint32_t)w << 1;
		}
		table = e;
	}
	return 1 | (uint32_t)w << 1;
}

static uint32_t model_prot(const struct fixture *f, uint64_t a)
{
	uint32_t prot = layout__prot(&f->l, a);

	if (a < f->l.heap_start || a >= f->l.heap_end)
		return prot;
	switch (f->model[(a - f->l.heap_start) / PG]) {
	case PITH_PROT_NONE:
		return 0;
	case PITH_PROT_READ:
		return prot & ~(uint32_t)(LAYOUT_W | LAYOUT_X);
	default:
		return prot;
	}
}

/* Every page of RAM as the model says; returns the number of wrong pages. */
static unsigned check_all(const struct fixture *f)
{
	unsigned bad = 0;

	for (uint64_t a = 0; a < f->m.size; a += PG) {
		int big;
		uint32_t got = walk(f, a, &big), want = model_prot(f, a);
		uint32_t w = want ? 1 | (want & LAYOUT_W ? 2 : 0) : 0;

		if (got != w && bad++ < 3)
			CHECKF(0, "page %#llx: got %u want %u", (unsigned long long)a, got, w);
	}
	return bad;
}

static int fixture_init(struct fixture *f, uint64_t ram)
{
	const struct elf_image *imgs[1] = {&image};
	char err[256] = "";
	uint64_t total = ram + layout__pt_pool_size(ram); /* the pool sits above RAM (vmm/run.c) */
	void *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	memset(f, 0, sizeof(*f));
	if (!CHECK(p != MAP_FAILED))
		return -1;
	f->m = (struct guest_mem){.base = p, .size = total, .user_lo = PITH_BOOTINFO_BASE};
	f->p = calloc(1, sizeof(*f->p));
	f->live = calloc(total / PG, 1);
	f->snap = malloc(total);
	if (!CHECKF(layout__build(&f->l, ram, imgs, 1, err, sizeof(err)) == 0, "%s", err) ||
	    !CHECK(x86_desc__write(&f->m) == 0) ||
	    !CHECKF(x86_paging__build(&f->l, &f->m, &f->cr3, err, sizeof(err)) == 0, "%s", err))
		return -1;
	f->model = malloc((f->l.heap_end - f->l.heap_start) / PG);
	memset(f->model, PITH_PROT_RW, (f->l.heap_end - f->l.heap_start) / PG);
	protect__init(f->p, &f->l);
	guest_mem__set_prot(&f->m, &f->p->published);
	mark_live(f, f->cr3, 3);
	return 0;
}

static void fixture_free(struct fixture *f)
{
	munmap(f->m.base, f->m.size);
	free(f->p);
	free(f->live);
	free(f->snap);
	free(f->model);
}

/* Pages of live trees whose contents changed although no zap came first. */
static unsigned live_changed(const struct fixture *f)
{
	unsigned n = 0;

	for (uint64_t i = 0; i < f->m.size / PG; i++)
		n += f->live[i] && memcmp(f->snap + i * PG, f->m.base + i * PG, PG) != 0;
	return n;
}

/* One call, with the copy-on-write rule checked; on success the model follows. */
static int apply(struct fixture *f, uint64_t addr, uint64_t len, uint32_t prot)
{
	struct protect_env env = {
	    .l = &f->l, .mem = &f->m, .cr3 = f->cr3, .zap = fake_zap, .zap_arg = f};
	unsigned zaps = f->zaps;
	int rc;

	for (uint64_t i = 0; i < f->m.size / PG; i++)
		if (f->live[i])
			memcpy(f->snap + i * PG, f->m.base + i * PG, PG);
	rc = protect__apply(f->p, &env, addr, len, prot);
	if (f->zaps == zaps)
		CHECKF(live_changed(f) == 0, "a live page-table page was written without a zap");
	if (rc != 0) {
		CHECK_U64(env.cr3, f->cr3);
		return rc;
	}
	CHECK(env.cr3 != f->cr3);
	f->cr3 = env.cr3;
	mark_live(f, f->cr3, 3);
	for (uint64_t a = addr; a < addr + len; a += PG)
		f->model[(a - f->l.heap_start) / PG] = (uint8_t)prot;
	return 0;
}

static void test_ranges(void)
{
	static struct guest_prot_range a[GUEST_PROT_MAX], b[GUEST_PROT_MAX];
	int n = protect__ranges_set(a, 0, 0x10000, 0x12000, PITH_PROT_NONE, b);

	CHECK(n == 1 && b[0].start == 0x10000 && b[0].end == 0x12000);
	n = protect__ranges_set(b, 1, 0x12000, 0x13000, PITH_PROT_NONE, a); /* merges */
	CHECK(n == 1 && a[0].end == 0x13000);
	n = protect__ranges_set(a, 1, 0x11000, 0x12000, PITH_PROT_READ, b); /* splits in three */
	CHECK(n == 3 && b[0].end == 0x11000 && b[1].prot == PITH_PROT_READ &&
	      b[2].start == 0x12000);
	n = protect__ranges_set(b, 3, 0x11000, 0x12000, PITH_PROT_NONE, a); /* merges back */
	CHECK(n == 1 && a[0].start == 0x10000 && a[0].end == 0x13000);
	n = protect__ranges_set(a, 1, 0x10000, 0x11000, PITH_PROT_RW, b); /* removes the head */
	CHECK(n == 1 && b[0].start == 0x11000);
	n = protect__ranges_set(b, 1, 0x8000, 0x20000, PITH_PROT_RW, a); /* removes all */
	CHECK(n == 0);
	n = 0;
	for (unsigned i = 0; i < GUEST_PROT_MAX && n >= 0; i++) {
		n = protect__ranges_set(i % 2 ? b : a, (unsigned)n, 2 * i * PG, (2 * i + 1) * PG,
					PITH_PROT_NONE, i % 2 ? a : b);
	}
	CHECK_U64((uint64_t)n, GUEST_PROT_MAX);
	memcpy(b, GUEST_PROT_MAX % 2 ? b : a, sizeof(b)); /* where the last call wrote */
	CHECK(protect__ranges_set(b, GUEST_PROT_MAX, 1ULL << 32, (1ULL << 32) + PG, 0, a) == -1);
	/* filling a hole between two ranges of the same protection leaves one */
	CHECK(protect__ranges_set(b, GUEST_PROT_MAX, PG, 2 * PG, 0, a) == GUEST_PROT_MAX - 1);
}

static void test_hostile(void)
{
	struct fixture f;

	if (fixture_init(&f, 16 * MIB) < 0)
		return;
	const uint64_t hs = f.l.heap_start, he = f.l.heap_end;
	const struct {
		uint64_t addr, len;
		uint32_t prot;
	} bad[] = {
	    {hs + 1, PG, 0},
	    {hs, PG + 1, 0},
	    {hs, 0, 0},
	    {hs, PG, 2},
	    {hs, PG, 4},
	    {hs, PG, 7},
	    {hs, PG, 0xffffffffu},
	    {hs - PG, PG, 0},
	    {he, PG, 0},
	    {he - PG, 2 * PG, 0},
	    {PITH_BOOTINFO_BASE, PG, 1},
	    {0x100000, PG, 3},
	    {f.l.stack_top - PG, PG, 0},
	    {hs, UINT64_MAX - hs + 1, 0},
	    {hs, -PG, 0},
	    {-PG, PG, 0},
	    {f.l.pt_pool_start, PG, 0},
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(apply(&f, bad[i].addr, bad[i].len, bad[i].prot) == -EINVAL, "bad request %u",
		       i);
	CHECK(apply(&f, hs, he - hs, PITH_PROT_NONE) == 0); /* the whole heap is fine */
	CHECK(apply(&f, hs, PG, PITH_PROT_READ) == 0);
	CHECK_U64(f.p->refused, sizeof(bad) / sizeof(bad[0]));
	CHECK_U64(check_all(&f), 0);
	fixture_free(&f);
}

/* A 2 MiB region inside the heap (the heap is large enough at 64 MiB). */
static uint64_t heap_region(const struct fixture *f, unsigned i)
{
	return ((f->l.heap_start + 2 * MIB - 1) & ~(2 * MIB - 1)) + i * 2 * MIB;
}

static void test_split(void)
{
	struct fixture f;
	uint64_t r, a;
	int big;

	if (fixture_init(&f, 64 * MIB) < 0)
		return;
	r = heap_region(&f, 1);
	a = r + 5 * PG;
	CHECK(walk(&f, a, &big) == 3 && big); /* a 2 MiB leaf at first */
	CHECK(apply(&f, a, PG, PITH_PROT_NONE) == 0);
	CHECK(walk(&f, a, &big) == 0);
	CHECK(walk(&f, a - PG, &big) == 3 && !big); /* split: the neighbours stay read-write */
	CHECK(walk(&f, a + PG, &big) == 3 && !big);
	CHECK(walk(&f, r - PG, &big) == 3 && big);	/* the region before: still 2 MiB */
	CHECK(walk(&f, r + 2 * MIB, &big) == 3 && big); /* and after */
	CHECK(apply(&f, a + PG, PG, PITH_PROT_READ) == 0);
	CHECK(walk(&f, a + PG, &big) == 1);
	CHECK(guest_mem__ptr(&f.m, a, 1) == NULL);	   /* the monitor cannot read a guard */
	CHECK(guest_mem__ptr(&f.m, a - 8, 16) == NULL);	   /* even partly */
	CHECK(guest_mem__ptr(&f.m, a + PG, 8) != NULL);	   /* read-only: readable */
	CHECK(guest_mem__ptr_rw(&f.m, a + PG, 8) == NULL); /* not writable */
	CHECK(guest_mem__ptr_rw(&f.m, a + 2 * PG - 1, 2) == NULL); /* straddling */
	CHECK(guest_mem__ptr_rw(&f.m, a + 2 * PG, 8) != NULL);
	CHECK(guest_mem__ptr_rw(&f.m, a - 8, 8) != NULL);
	CHECK(apply(&f, a, 2 * PG, PITH_PROT_RW) == 0); /* back: one 2 MiB leaf again */
	CHECK(walk(&f, a, &big) == 3 && big);
	CHECK(guest_mem__ptr_rw(&f.m, a, PG) != NULL);
	CHECK(apply(&f, r, 2 * MIB, PITH_PROT_NONE) == 0); /* a whole region: no page table */
	CHECK(walk(&f, r + MIB, &big) == 0);
	CHECK(table_at(&f, table_at(&f, table_at(&f, f.cr3)[0])[0])[r >> 21 & 511] == 0);
	CHECK(apply(&f, r, 2 * MIB, PITH_PROT_READ) == 0); /* read-only: a 2 MiB leaf */
	CHECK(walk(&f, r + MIB, &big) == 1 && big);
	CHECK_U64(check_all(&f), 0);
	CHECK_U64(f.zaps, 0);
	fixture_free(&f);
}

/* A small pool (16 MiB of RAM: 256 KiB): many calls, several resets, always right. */
static void test_reset(void)
{
	struct fixture f;
	uint64_t pages, bad = 0;

	if (fixture_init(&f, 16 * MIB) < 0)
		return;
	pages = (f.l.heap_end - f.l.heap_start) / PG;
	for (unsigned i = 0; i < 400; i++) {
		uint64_t a = f.l.heap_start + (i * 37 % (pages - 3)) * PG;
		uint32_t prot = (uint32_t[]){PITH_PROT_NONE, PITH_PROT_READ, PITH_PROT_RW}[i % 3];

		CHECKF(apply(&f, a, (1 + i % 3) * PG, prot) == 0, "call %u", i);
		if (i % 25 == 0)
			bad += check_all(&f);
	}
	CHECK_U64(bad + check_all(&f), 0);
	CHECKF(f.zaps >= 5, "%u resets", f.zaps);
	CHECK_U64(f.p->resets, f.zaps);
	CHECK_U64(f.p->protects, 400);
	fixture_free(&f);
}

/* The full tree does not fit: -ENOMEM and nothing changes; a failed zap: -EIO, same. */
static void test_enomem(void)
{
	struct fixture f;
	int rc = 0;
	unsigned i;

	if (fixture_init(&f, 64 * MIB) < 0)
		return;
	f.p->pool.end = f.p->pool_start + 8 * PG; /* room for a tree with few page tables */
	for (i = 0; i < 12 && rc == 0; i++)
		rc = apply(&f, heap_region(&f, i) + PG, PG, PITH_PROT_NONE);
	CHECK(rc == -ENOMEM);
	CHECKF(i > 2, "%u calls before -ENOMEM", i);
	CHECK_U64(f.p->n, i - 1);
	CHECK(guest_mem__ptr_rw(&f.m, heap_region(&f, i - 1) + PG, 8) != NULL);
	CHECK_U64(check_all(&f), 0);
	f.zap_fail = 1;
	f.p->pool.next = f.p->pool.end; /* the next call must reset */
	CHECK(apply(&f, heap_region(&f, 0), PG, PITH_PROT_READ) == -EIO);
	CHECK_U64(check_all(&f), 0);
	fixture_free(&f);
}

/* More distinct ranges than the monitor keeps: -ENOMEM. */
static void test_too_many(void)
{
	struct fixture f;
	unsigned i;

	if (fixture_init(&f, 64 * MIB) < 0)
		return;
	for (i = 0; i < GUEST_PROT_MAX; i++)
		if (apply(&f, f.l.heap_start + 2 * i * PG, PG, PITH_PROT_NONE) != 0)
			break;
	CHECK_U64(i, GUEST_PROT_MAX);
	CHECK(apply(&f, f.l.heap_start + 2 * i * PG, PG, PITH_PROT_NONE) == -ENOMEM);
	CHECK(apply(&f, f.l.heap_start + PG, PG, PITH_PROT_NONE) == 0); /* merges: fine */
	CHECK_U64(check_all(&f), 0);
	fixture_free(&f);
}

/* What a full build takes is what x86_paging__tree_pages says. */
static void test_tree_pages(void)
{
	struct fixture f;
	struct x86_pt_view v;
	struct x86_pt_pool pool;
	uint64_t cr3;

	if (fixture_init(&f, 64 * MIB) < 0)
		return;
	for (unsigned i = 0; i < 6; i++)
		CHECK(apply(&f, heap_region(&f, i) + i * PG, PG, PITH_PROT_NONE) == 0);
	v = (struct x86_pt_view){.l = &f.l, .r = f.p->r, .n = f.p->n};
	pool = (struct x86_pt_pool){.next = f.l.pt_pool_start, .end = f.l.pt_pool_end};
	f.zaps++; /* writing the pool's start by hand: as after a reset */
	CHECK(x86_paging__build_tree(&v, &f.m, &pool, &cr3) == 0);
	CHECK_U64((pool.next - f.l.pt_pool_start) / PG, x86_paging__tree_pages(&v));
	f.cr3 = cr3;
	CHECK_U64(check_all(&f), 0);
	fixture_free(&f);
}

int main(void)
{
	test_ranges();
	test_hostile();
	test_split();
	test_reset();
	test_enomem();
	test_too_many();
	test_tree_pages();
	return test__done();
}
