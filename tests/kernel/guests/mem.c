/* Pith guest test: the mem component's mmap, munmap, mremap, madvise, mprotect and brk. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pith/abi.h>

#include "test.h"

#define PAGE 4096UL
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++)
		if (c[i])
			return 0;
	return 1;
}

/* mmap and munmap failing with errno e (ret is the call's result). */
static int failed_with(long ret, int e)
{
	return ret == -1 && errno == e;
}

static void test_mmap_basic(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);

	CHECK(p != MAP_FAILED && (uintptr_t)p % PAGE == 0 && all_zero(p, 3 * PAGE));
	memset(p, 0x77, 3 * PAGE);
	CHECK(munmap(p, 3 * PAGE) == 0);
	char *q = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);

	CHECK(q == p);		      /* top-down first fit gives the same pages back... */
	CHECK(all_zero(q, 3 * PAGE)); /* ...cleared */
	char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK(s != MAP_FAILED && all_zero(s, PAGE));
	CHECK(munmap(q, 3 * PAGE) == 0 && munmap(s, PAGE) == 0);
}

static void test_mmap_refusals(void)
{
	CHECK(failed_with((long)mmap(NULL, 0, PROT_READ, ANON, -1, 0), EINVAL));
	CHECK(failed_with((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 5, 0), EBADF));
	CHECK(failed_with((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 0, 0), ENODEV));
	CHECK(failed_with((long)mmap(NULL, PAGE, PROT_READ | PROT_EXEC, ANON, -1, 0), EACCES));
	CHECK(failed_with((long)mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL));
	CHECK(failed_with((long)mmap(NULL, PAGE, PROT_READ, ANON, -1, 100), EINVAL));
	CHECK(failed_with((long)mmap(NULL, 1UL << 40, PROT_READ, ANON, -1, 0), ENOMEM));
	CHECK(failed_with((long)mmap(NULL, PAGE, 0x100, ANON, -1, 0), EINVAL));
}

static void test_mmap_fixed(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);

	memset(p, 0x33, 4 * PAGE);
	char *f = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, -1, 0);

	CHECK(f == p + PAGE && all_zero(f, PAGE) && p[0] == 0x33 && p[2 * PAGE] == 0x33);
	CHECK(
	    failed_with((long)mmap(p, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST));
	CHECK(failed_with((long)mmap(p + 1, PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0), EINVAL));
	CHECK(failed_with((long)mmap((void *)(1UL << 36), PAGE, PROT_READ, ANON | MAP_FIXED, -1, 0),
			  ENOMEM));
	CHECK(munmap(p, 4 * PAGE) == 0);
	/* a free hint is taken as is */
	char *h = mmap(p + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);

	CHECK(h == p + 2 * PAGE && all_zero(h, PAGE));
	CHECK(munmap(h, PAGE) == 0);
}

static void test_munmap(void)
{
	static char in_image[PAGE] __attribute__((aligned(4096)));

	CHECK(failed_with(munmap((char *)&in_image + 1, PAGE), EINVAL));
	CHECK(failed_with(munmap(in_image, PAGE), EINVAL)); /* the image cannot be unmapped */
	CHECK(failed_with(munmap(NULL, 0), EINVAL));
	CHECK(munmap((void *)(1UL << 40), PAGE) == 0); /* nothing there: nothing to do */
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);

	CHECK(munmap(p, 8 * PAGE) == 0 || errno == EINVAL); /* may run past the arena's end */
	CHECK(munmap(p, 2 * PAGE) == 0);		    /* unmapping unmapped pages is fine */
}

/* As on Linux, unmapping pages that map nothing succeeds; Pith keeps its fixed pages mapped. */
static void test_munmap_unmapped(void)
{
	const struct pith_boot_info *bi = (const void *)(uintptr_t)PITH_BOOTINFO_BASE;
	char *guard = (char *)(uintptr_t)bi->heap_end, *stack = guard + PAGE;

	CHECK(munmap(NULL, PAGE) == 0);	 /* page 0 */
	CHECK(munmap(guard, PAGE) == 0); /* the guard page under the stack */
	CHECK(munmap((void *)(uintptr_t)bi->mem_size, 16 * PAGE) == 0); /* past the end of RAM */
	CHECK(failed_with(munmap(stack, PAGE), EINVAL));		/* the stack stays */
	CHECK(failed_with(munmap(guard, 2 * PAGE), EINVAL));
	CHECK(failed_with(munmap((void *)PITH_BOOTINFO_BASE, PAGE), EINVAL));
	CHECK(failed_with(munmap((void *)PITH_MONITOR_BASE, PAGE), EINVAL));
	CHECK(failed_with(munmap(NULL, 2 * PAGE), EINVAL)); /* runs into the monitor's pages */
	CHECK(failed_with(munmap((void *)(uintptr_t)bi->heap_start, PAGE), EINVAL)); /* bitmaps */
	CHECK(failed_with(munmap((void *)1, PAGE), EINVAL) &&
	      failed_with(munmap(guard, 0), EINVAL));
	CHECK(failed_with(munmap((void *)(1UL << 47), PAGE), EINVAL)); /* past TASK_SIZE */
	CHECK(failed_with(mprotect(guard, PAGE, PROT_READ), ENOMEM));  /* not mapped: as Linux */
	CHECK(failed_with(madvise(guard, PAGE, MADV_NORMAL), ENOMEM));
}

static void test_mremap(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);

	memset(p, 0x44, 2 * PAGE);
	char *blocker = mmap(p + 2 * PAGE, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, -1, 0);

	CHECK(failed_with((long)mremap(p, 2 * PAGE, 3 * PAGE, 0), ENOMEM));
	char *q = mremap(p, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);

	CHECK(q != MAP_FAILED && q != p && q[0] == 0x44 && q[2 * PAGE - 1] == 0x44 &&
	      all_zero(q + 2 * PAGE, 62 * PAGE));
	CHECK(mremap(q, 64 * PAGE, PAGE, 0) == q && q[0] == 0x44);
	munmap(blocker, PAGE);
	CHECK(failed_with((long)mremap(p, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EFAULT)); /* gone */
	CHECK(failed_with((long)mremap(q, PAGE, 2 * PAGE, MREMAP_DONTUNMAP | MREMAP_MAYMOVE),
			  EINVAL));
	char *r = mremap(q, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p);

	CHECK(r == p && r[0] == 0x44 && all_zero(r + PAGE, PAGE));
	CHECK(munmap(r, 2 * PAGE) == 0);
}

static void test_madvise_mprotect(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, ANON, -1, 0);

	memset(p, 0x55, 2 * PAGE);
	CHECK(madvise(p, PAGE, MADV_DONTNEED) == 0 && all_zero(p, PAGE) && p[PAGE] == 0x55);
	CHECK(madvise(p, 2 * PAGE, MADV_FREE) == 0 && madvise(p, PAGE, MADV_WILLNEED) == 0);
	CHECK(failed_with(madvise(p, PAGE, 12345), EINVAL));
	CHECK(failed_with(madvise(p + 1, PAGE, MADV_NORMAL), EINVAL));
	CHECK(mprotect(p, PAGE, PROT_READ) == 0 && mprotect(p, PAGE, PROT_NONE) == 0);
	CHECK(failed_with(mprotect(p, PAGE, PROT_READ | PROT_EXEC), EACCES));
	CHECK(failed_with(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ),
			  EINVAL)); /* raw: musl aligns */
	CHECK(munmap(p, 2 * PAGE) == 0);
	CHECK(failed_with(mprotect(p, PAGE, PROT_READ), ENOMEM));
	CHECK(failed_with(madvise(p, PAGE, MADV_DONTNEED), ENOMEM));
}

static void test_brk(void)
{
	char *start = (char *)syscall(SYS_brk, 0);
	char *end = (char *)syscall(SYS_brk, start + 3 * PAGE + 100);

	CHECK(end == start + 3 * PAGE + 100 && all_zero(start, 3 * PAGE + 100));
	memset(start, 0x66, 3 * PAGE + 100);
	CHECK((char *)syscall(SYS_brk, start + PAGE) == start + PAGE);
	CHECK((char *)syscall(SYS_brk, start + 3 * PAGE) == start + 3 * PAGE);
	CHECK(start[0] == 0x66 && all_zero(start + 2 * PAGE, PAGE)); /* regrown pages are clear */
	CHECK((char *)syscall(SYS_brk, start - PAGE) == start + 3 * PAGE); /* below: refused */
	CHECK((char *)syscall(SYS_brk, start) == start);
}

int main(void)
{
	test_mmap_basic();
	test_mmap_refusals();
	test_mmap_fixed();
	test_munmap();
	test_munmap_unmapped();
	test_mremap();
	test_madvise_mprotect();
	test_brk();
	return test__done();
}
