/* Host test: mem's protections and thread-stack cache through its syscalls, on a host arena. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <pith/abi.h>

#include "core/core.h"
#include "mem/mem.h"
#include "test.h"

#define PAGE	 PITH_PAGE
#define NPAGES	 (80UL << 8) /* 80 MiB of arena: room for more than the cache's 32 MiB */
#define ANON	 (MAP_PRIVATE | MAP_ANONYMOUS)
#define GUARD	 2  /* musl's default guard: 8 KiB */
#define STACK_NP 35 /* guard + 128 KiB stack + TLS and TSD, rounded up, as musl maps it */

long pith_sys_mmap(long a, long b, long c, long d, long e, long f);
long pith_sys_munmap(long a, long b, long c, long d, long e, long f);
long pith_sys_mprotect(long a, long b, long c, long d, long e, long f);
long pith_sys_madvise(long a, long b, long c, long d, long e, long f);
long pith_sys_mremap(long a, long b, long c, long d, long e, long f);
long pith_sys_brk(long a, long b, long c, long d, long e, long f);

/* What the kernel links with and the host does not have. */
const struct pith_boot_info *pith_boot_info;
int pith_trace_enabled;

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a, long b, long c,
			long d, long e, long f)
{
	(void)nr, (void)kinds, (void)retkind, (void)ret, (void)a, (void)b, (void)c, (void)d,
	    (void)e, (void)f;
}

void pith_panic(const char *msg)
{
	fprintf(stderr, "pith_panic: %s\n", msg);
	abort();
}

/*
 * The fake PITH_HC_PROTECT: checks the call as the monitor would and applies it to the host
 * pages for real, so a kernel memset of a protected page crashes this test, and a test can
 * probe what the program could touch. fail: the status to return instead (nothing applied).
 */
static struct {
	unsigned calls, bad;
	uint64_t addr, len;
	unsigned prot;
	int fail;
} hc;

int pith_mem_protect_hc(uint64_t addr, uint64_t len, unsigned prot)
{
	int host = prot == PITH_PROT_RW ? PROT_READ | PROT_WRITE : prot ? PROT_READ : PROT_NONE;

	hc.calls++;
	hc.addr = addr, hc.len = len, hc.prot = prot;
	if (hc.fail)
		return hc.fail;
	if ((addr | len) % PAGE || !len || addr < pith_mem.arena_start ||
	    addr + len > pith_mem.arena_end || prot == 2 || prot > 3) {
		hc.bad++;
		return -EINVAL;
	}
	if (mprotect((void *)(uintptr_t)addr, len, host))
		abort();
	return 0;
}

static struct pith_boot_info boot;
static char *heap;

static void arena_open(void)
{
	size_t bytes = NPAGES * PAGE;

	heap = mmap(NULL, bytes, PROT_READ | PROT_WRITE, ANON | MAP_NORESERVE, -1, 0);
	if (heap == MAP_FAILED)
		abort();
	boot.heap_start = (uint64_t)(uintptr_t)heap;
	boot.heap_end = boot.heap_start + bytes;
	boot.mem_size = bytes;
	pith_boot_info = &boot;
	pith_mem_init(&boot);
	pith_user_map.n = 1;
	pith_user_map.r[0] = (struct pith_user_range){boot.heap_start, boot.heap_end, true};
	pith_user_prot_ok = NULL;
	memset(&hc, 0, sizeof(hc));
	memset(&pith_stack_cache_stats, 0, sizeof(pith_stack_cache_stats));
}

static void arena_close(void)
{
	pith_stack_cache_settle();
	pith_stack_cache_flush();
	munmap(heap, NPAGES * PAGE);
}

static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;

/* A fault outside probe() (the kernel code touched a protected page) ends the test. */
static void on_segv(int sig)
{
	if (!probing) {
		signal(sig, SIG_DFL);
		fprintf(stderr, "FAIL: page fault outside a probe\n");
		return; /* the fault repeats, now fatal */
	}
	siglongjmp(probe_env, 1);
}

/* Whether the host lets us read (write) the byte at p: what the guest program would see. */
static bool probe(char *p, bool write)
{
	volatile char *v = p;

	probing = 1;
	if (sigsetjmp(probe_env, 1)) {
		probing = 0;
		return false;
	}
	if (write)
		*v = *v;
	else
		(void)*v;
	probing = 0;
	return true;
}

static char *map(size_t npages, int prot)
{
	return (char *)pith_sys_mmap(0, (long)(npages * PAGE), prot, ANON, -1, 0);
}

static long unmap(char *p, size_t npages)
{
	return pith_sys_munmap((long)p, (long)(npages * PAGE), 0, 0, 0, 0);
}

static long protect(char *p, size_t npages, int prot)
{
	return pith_sys_mprotect((long)p, (long)(npages * PAGE), prot, 0, 0, 0);
}

static bool all_zero(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static size_t page_of(const char *p)
{
	return ((uint64_t)(uintptr_t)p - pith_mem.arena_start) / PAGE;
}

/* NONE, READ, RW on heap pages: one hypercall per change, none when nothing changes. */
static void test_mprotect_heap(void)
{
	arena_open();
	char *p = map(4, PROT_READ | PROT_WRITE);

	CHECK(pith_user_prot_ok == NULL); /* fast path until a page is protected */
	CHECK_U64(protect(p + PAGE, 2, PROT_NONE), 0);
	CHECK_U64(hc.calls, 1);
	CHECK(hc.addr == (uint64_t)(uintptr_t)(p + PAGE) && hc.len == 2 * PAGE && !hc.prot);
	CHECK(!probe(p + PAGE, false) && !probe(p + 2 * PAGE + 100, false));
	CHECK(probe(p, true) && probe(p + 3 * PAGE, true));
	CHECK_U64(protect(p + PAGE, 2, PROT_NONE), 0);
	CHECK_U64(hc.calls, 1);
	CHECK(!pith_user_readable(p + PAGE, 1));
	CHECK(pith_user_readable(p, PAGE) && !pith_user_readable(p, PAGE + 1));
	CHECK(pith_user_writable(p + 3 * PAGE, PAGE));
	/* Merged: pages 0 and 3 (RW) and 1-2 (NONE) all change: one call over the four. */
	CHECK_U64(protect(p, 4, PROT_READ), 0);
	CHECK_U64(hc.calls, 2);
	CHECK(hc.len == 4 * PAGE && hc.prot == PITH_PROT_READ);
	CHECK(probe(p + 2 * PAGE, false) && !probe(p + 2 * PAGE, true) && !probe(p, true));
	CHECK(pith_user_readable(p, 4 * PAGE) && !pith_user_writable(p + 3 * PAGE, 1));
	CHECK_U64(protect(p + 2 * PAGE, 1, PROT_WRITE), 0); /* PROT_WRITE alone is RW */
	CHECK(probe(p + 2 * PAGE, true) && !probe(p + PAGE, true));
	CHECK_U64(protect(p, 4, PROT_READ | PROT_WRITE), 0);
	CHECK_U64(hc.calls, 4);
	CHECK(probe(p, true) && probe(p + 3 * PAGE, true) && pith_user_writable(p, 4 * PAGE));
	CHECK_U64(pith_mem.pages.nprot, 0);
	CHECK_U64(protect(p, 1, PROT_READ | PROT_EXEC), (uint64_t)-EACCES);
	CHECK_U64(protect(p - 8 * PAGE, 1, PROT_NONE), (uint64_t)-ENOMEM); /* not mapped */
	CHECK_U64(hc.calls, 4);
	CHECK_U64(hc.bad, 0);
	arena_close();
}

/* mmap(PROT_NONE / PROT_READ) is enforced; munmap gives back RW pages, zeroed on reuse. */
static void test_mmap_none(void)
{
	arena_open();
	char *p = map(3, PROT_NONE);

	CHECK(p && (long)p > 0);
	CHECK_U64(hc.calls, 1);
	CHECK_U64(pith_stack_cache_stats.misses, 1);
	CHECK(!probe(p, false) && !probe(p + 2 * PAGE, false));
	CHECK(!pith_user_readable(p, 1));
	CHECK_U64(unmap(p, 3), 0); /* no RW part: not a stack, not cached */
	CHECK_U64(hc.calls, 2);
	CHECK(hc.prot == PITH_PROT_RW && hc.len == 3 * PAGE);
	CHECK(pith_pages_all_free(&pith_mem.pages, page_of(p), 3));
	CHECK(probe(p, true));
	char *r = map(1, PROT_READ);

	CHECK(!probe(r, true) && probe(r, false) && all_zero(r, PAGE));
	CHECK_U64(unmap(r, 1), 0);
	CHECK_U64(hc.calls, 4);
	CHECK_U64(hc.bad, 0);
	arena_close();
}

/* musl's pthread_create and join, as its syscalls: mmap NONE, mprotect RW above the guard,
   munmap. Only the first thread costs hypercalls. */
static void test_stack_cache_musl(void)
{
	bool zero = true, same = true, guarded = true, pending_hidden = true, ok = true;
	char *first_map = NULL;

	arena_open();
	for (int i = 0; i < 1000; i++) {
		char *m = map(STACK_NP, PROT_NONE);

		first_map = first_map ? first_map : m;
		same &= m == first_map;
		pending_hidden &= !pith_user_readable(m + GUARD * PAGE, 1);
		ok &= !protect(m + GUARD * PAGE, STACK_NP - GUARD, PROT_READ | PROT_WRITE);
		zero &= all_zero(m + GUARD * PAGE, (STACK_NP - GUARD) * PAGE);
		memset(m + GUARD * PAGE, 0xa5, (STACK_NP - GUARD) * PAGE); /* the thread ran */
		guarded &= !probe(m + PAGE, false) && pith_user_writable(m + GUARD * PAGE, 1);
		ok &= !unmap(m, STACK_NP);
		guarded &= !probe(m, false);
	}
	CHECK(ok && same && zero && guarded && pending_hidden);
	CHECK_U64(hc.calls, 2); /* the first mmap and mprotect; nothing else */
	CHECK_U64(pith_stack_cache_stats.hits, 999);
	CHECK_U64(pith_stack_cache_stats.misses, 1);
	CHECK_U64(pith_stack_cache_stats.lazy, 999);
	CHECK_U64(pith_stack_cache_pages(), STACK_NP);
	/* Cached pages count as free memory. */
	uint64_t total, free;

	pith_mem_stats(&total, &free);
	CHECK_U64(free, (pith_mem.pages.npages - pith_mem.pages.nused + STACK_NP) * PAGE);
	arena_close();
}

/* Other sizes miss; RW maps and maps at an address never take a cached region. */
static void test_stack_cache_miss(void)
{
	arena_open();
	char *m = map(STACK_NP, PROT_NONE);

	protect(m + GUARD * PAGE, STACK_NP - GUARD, PROT_READ | PROT_WRITE);
	unmap(m, STACK_NP);
	unsigned calls = hc.calls;
	char *other = map(STACK_NP + 1, PROT_NONE);

	CHECK(other != m && hc.calls == calls + 1);
	CHECK_U64(pith_stack_cache_stats.misses, 2);
	char *rw = map(STACK_NP, PROT_READ | PROT_WRITE);

	CHECK(rw != m && pith_stack_cache_pages() == STACK_NP);
	char *again = map(STACK_NP, PROT_NONE);

	CHECK(again == m && pith_stack_cache_stats.hits == 1);
	/* A double munmap of a cached region evicts it: its pages are free and RW again. */
	CHECK_U64(unmap(again, STACK_NP), 0); /* pending settled (hc), shape all NONE: released */
	CHECK(pith_pages_all_free(&pith_mem.pages, page_of(m), STACK_NP) && probe(m, true));
	CHECK_U64(hc.bad, 0);
	arena_close();
}

/* The pending part gets its real protection as soon as the next mem call is another one. */
static void test_pending_settle(void)
{
	arena_open();
	char *m = map(STACK_NP, PROT_NONE);

	protect(m + GUARD * PAGE, STACK_NP - GUARD, PROT_READ | PROT_WRITE);
	unmap(m, STACK_NP);
	unsigned calls = hc.calls;

	CHECK(map(STACK_NP, PROT_NONE) == m);
	CHECK_U64(hc.calls, calls);
	char *x = map(1, PROT_READ | PROT_WRITE); /* not the expected mprotect */

	CHECK(x && hc.calls == calls + 1 && !hc.prot);
	CHECK(hc.addr == (uint64_t)(uintptr_t)(m + GUARD * PAGE));
	CHECK(!probe(m + GUARD * PAGE, false) && !probe(m + (STACK_NP - 1) * PAGE, false));
	CHECK_U64(unmap(m, STACK_NP), 0); /* all NONE now: released, not cached */
	CHECK_U64(pith_stack_cache_pages(), 0);
	/* An mprotect of another range than the pending part is not the expected one either. */
	char *n = map(STACK_NP, PROT_NONE);

	protect(n + GUARD * PAGE, STACK_NP - GUARD, PROT_READ | PROT_WRITE);
	unmap(n, STACK_NP);
	CHECK(map(STACK_NP, PROT_NONE) == n);
	calls = hc.calls;
	CHECK_U64(protect(n + PAGE, STACK_NP - 1, PROT_READ | PROT_WRITE), 0);
	CHECK_U64(hc.calls, calls + 2); /* settle to NONE, then the real request */
	CHECK(probe(n + PAGE, true) && !probe(n, false));
	CHECK_U64(hc.bad, 0);
	arena_close();
}

static char *make_stack(size_t npages)
{
	char *m = map(npages, PROT_NONE);

	protect(m + GUARD * PAGE, npages - GUARD, PROT_READ | PROT_WRITE);
	return m;
}

/* At most 64 regions and 32 MiB: the oldest are evicted, RW and free again. */
static void test_eviction_bound(void)
{
	char *m[80];

	arena_open();
	for (int i = 0; i < 70; i++)
		m[i] = make_stack(STACK_NP);
	for (int i = 0; i < 70; i++)
		unmap(m[i], STACK_NP);
	CHECK_U64(pith_stack_cache_pages(), 64 * STACK_NP);
	CHECK_U64(pith_stack_cache_stats.evictions, 6);
	CHECK(pith_pages_all_free(&pith_mem.pages, page_of(m[0]), STACK_NP) && probe(m[0], true));
	CHECK(pith_pages_all_free(&pith_mem.pages, page_of(m[5]), STACK_NP) && probe(m[5], true));
	CHECK(!pith_pages_all_free(&pith_mem.pages, page_of(m[6]), STACK_NP));
	CHECK(!probe(m[6], false));
	arena_close();

	arena_open(); /* 1 MiB stacks: 32 MiB hold 31 of them */
	for (int i = 0; i < 40; i++)
		m[i] = make_stack(257);
	for (int i = 0; i < 40; i++)
		unmap(m[i], 257);
	CHECK_U64(pith_stack_cache_pages(), 31 * 257);
	CHECK_U64(pith_stack_cache_stats.evictions, 9);
	m[0] = make_stack((32UL << 20) / PAGE + 1); /* larger than the whole cache */
	unmap(m[0], (32UL << 20) / PAGE + 1);
	CHECK(pith_pages_all_free(&pith_mem.pages, page_of(m[0]), (32UL << 20) / PAGE + 1));
	CHECK_U64(hc.bad, 0);
	arena_close();
}

/* A guarded region that is not cached (guard at the top) comes back RW and zeroed. */
static void test_munmap_guarded(void)
{
	arena_open();
	char *m = map(8, PROT_READ | PROT_WRITE);

	memset(m, 0x5a, 8 * PAGE);
	protect(m + 7 * PAGE, 1, PROT_NONE);
	CHECK_U64(unmap(m, 8), 0);
	CHECK_U64(pith_stack_cache_pages(), 0);
	CHECK(hc.prot == PITH_PROT_RW && pith_mem.pages.nprot == 0);
	char *again = map(8, PROT_READ | PROT_WRITE); /* top-down: the same pages */

	CHECK(again == m && all_zero(m, 8 * PAGE) && probe(m + 7 * PAGE, true));
	/* A cached stack evicted by memory pressure is reused the same way. */
	char *s = make_stack(STACK_NP);

	memset(s + GUARD * PAGE, 0x77, PAGE);
	unmap(s, STACK_NP);
	CHECK(pith_stack_cache_flush());
	char *t = map(STACK_NP, PROT_READ | PROT_WRITE);

	CHECK(t == s && all_zero(t, STACK_NP * PAGE) && probe(t, true));
	CHECK_U64(hc.bad, 0);
	arena_close();
}

/* When the arena is full, the cached stacks are given back before mmap fails. */
static void test_cache_flushed_when_full(void)
{
	arena_open();
	char *s = make_stack(STACK_NP);

	unmap(s, STACK_NP);
	size_t free_pages = pith_mem.pages.npages - pith_mem.pages.nused;
	char *big = map(free_pages + STACK_NP, PROT_READ | PROT_WRITE);

	CHECK((long)big > 0);
	CHECK_U64(pith_stack_cache_pages(), 0);
	CHECK(map(1, PROT_READ | PROT_WRITE) == (char *)(long)-ENOMEM);
	arena_close();
}

/* MAP_FIXED, MADV_DONTNEED, mremap and brk over protected pages. */
static void test_other_calls(void)
{
	arena_open();
	char *p = map(4, PROT_READ | PROT_WRITE);

	memset(p, 1, 4 * PAGE);
	protect(p, 2, PROT_NONE);
	CHECK(pith_sys_mmap((long)p, PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, -1, 0) ==
	      (long)p);
	CHECK(probe(p, true) && all_zero(p, PAGE) && !probe(p + PAGE, false));
	protect(p + 2 * PAGE, 1, PROT_READ);
	CHECK_U64(pith_sys_madvise((long)(p + 2 * PAGE), PAGE, MADV_DONTNEED, 0, 0, 0), 0);
	CHECK(all_zero(p + 2 * PAGE, PAGE) && !probe(p + 2 * PAGE, true));
	/* mremap keeps the protection of a uniform range and refuses a mixed one. */
	CHECK_U64(pith_sys_mremap((long)p, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0, 0),
		  (uint64_t)-EFAULT);
	char *q =
	    (char *)pith_sys_mremap((long)(p + 2 * PAGE), PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0, 0);

	CHECK((long)q > 0 && probe(q + 2 * PAGE, false) && !probe(q + 2 * PAGE, true));
	CHECK(pith_pages_prot(&pith_mem.pages, page_of(q) + 2) == PITH_PROT_READ);
	/* brk: protected pages of the break come back RW when it shrinks. */
	long base = pith_sys_brk(0, 0, 0, 0, 0, 0);

	CHECK(pith_sys_brk(base + 4 * (long)PAGE, 0, 0, 0, 0, 0) == base + 4 * (long)PAGE);
	protect((char *)base + PAGE, 2, PROT_NONE);
	CHECK(pith_sys_brk(base, 0, 0, 0, 0, 0) == base);
	CHECK(pith_pages_all_free(&pith_mem.pages, page_of((char *)base), 4));
	CHECK(probe((char *)base + PAGE, true));
	CHECK_U64(pith_mem.pages.nprot, 4); /* p + PAGE (NONE) and q's 3 pages (READ) */
	CHECK_U64(hc.bad, 0);
	arena_close();
}

/* A refused hypercall changes nothing and is ENOMEM. */
static void test_refused(void)
{
	arena_open();
	char *p = map(2, PROT_READ | PROT_WRITE);

	hc.fail = -ENOMEM;
	CHECK_U64(protect(p, 1, PROT_NONE), (uint64_t)-ENOMEM);
	CHECK(pith_pages_prot(&pith_mem.pages, page_of(p)) == PITH_PROT_RW && probe(p, true));
	size_t used = pith_mem.pages.nused;

	CHECK(map(3, PROT_NONE) == (char *)(long)-ENOMEM);
	CHECK_U64(pith_mem.pages.nused, used);
	hc.fail = 0;
	arena_close();
}

/* What steady-state thread creation costs the mem component (zeroing included). */
static void test_cycle_speed(void)
{
	struct timespec t0, t1;
	int n = 20000;

	arena_open();
	unmap(make_stack(STACK_NP), STACK_NP);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		char *m = map(STACK_NP, PROT_NONE);

		protect(m + GUARD * PAGE, STACK_NP - GUARD, PROT_READ | PROT_WRITE);
		unmap(m, STACK_NP);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n;

	printf("mmap+mprotect+munmap of a cached %lu KiB stack: %.0f ns\n", STACK_NP * PAGE / 1024,
	       ns);
	CHECK_U64(hc.calls, 2);
	arena_close();
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_segv};

	sigaction(SIGSEGV, &sa, NULL);
	test_mprotect_heap();
	test_mmap_none();
	test_stack_cache_musl();
	test_stack_cache_miss();
	test_pending_settle();
	test_eviction_bound();
	test_munmap_guarded();
	test_cache_flushed_when_full();
	test_other_calls();
	test_refused();
	test_cycle_speed();
	return test__done();
}
