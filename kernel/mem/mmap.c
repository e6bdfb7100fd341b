/* mmap (anonymous memory, and copies of files), munmap and mremap in the heap arena. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "console/console.h"
#include "core/core.h"
#include "fd/fd.h"
#include "mem/mem.h"
#include "syscall/syscall.h"

#define LINUX_PROT_SEM	0x8
#define LINUX_MAP_TYPE	0x0f
#define LINUX_TASK_SIZE 0x7ffffffff000ULL

/* The flags MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK plus the ones it validates). */
#define KNOWN_MAP_FLAGS                                                                            \
	(LINUX_MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN | MAP_DENYWRITE |  \
	 MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK |   \
	 MAP_HUGETLB | MAP_FIXED_NOREPLACE | (0x3fu << MAP_HUGE_SHIFT))

/* Weak: an image without the fd component (a program that never opens a file) maps no file,
   and mem must not pull fd into it. */
extern struct pith_file *pith_fd_get(int fd) __attribute__((weak));

/*
 * A file mapping is a copy: the pages are filled with the file's preadv (kernel/vfs/: mem
 * needs no link-time dependency on the VFS), so only seekable files map. In Linux's order:
 * O_PATH -EBADF; no preadv (console, pipes, sockets, devices) -ENODEV; MAP_SHARED with
 * PROT_WRITE on a file not open for writing, or any map of a file not open for reading,
 * -EACCES; MAP_SHARED with PROT_WRITE otherwise -ENODEV (writes could not reach the file).
 */
static long file_check(int fd, int prot, int flags, long off)
{
	struct pith_file *f = pith_fd_get ? pith_fd_get(fd) : NULL;
	unsigned mode = f ? f->flags & O_ACCMODE : 0;
	bool shared_write = (flags & LINUX_MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE);

	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (!f->ops->preadv)
		return -ENODEV;
	if ((shared_write && mode != O_RDWR) || mode == O_WRONLY)
		return -EACCES;
	if (off < 0)
		return -EINVAL;
	return shared_write ? -ENODEV : 0;
}

static long mmap_check(size_t len, int prot, int flags, int fd, long off)
{
	int type = flags & LINUX_MAP_TYPE;

	if ((off & (PITH_PAGE - 1)) || !len)
		return -EINVAL;
	if (!pith_mem_page_round(len))
		return -ENOMEM;
	if (type == MAP_SHARED_VALIDATE) {
		if (flags & ~KNOWN_MAP_FLAGS)
			return -EOPNOTSUPP;
	} else if (type != MAP_SHARED && type != MAP_PRIVATE) {
		return -EINVAL;
	}
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | LINUX_PROT_SEM))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		long err = file_check(fd, prot, flags, off);

		if (err)
			return err;
	}
	if (prot & PROT_EXEC)
		return -EACCES; /* W^X: no page the program can write ever becomes executable */
	if (flags & MAP_HUGETLB)
		return -ENOMEM; /* no huge pages are reserved, as on a Linux without hugetlbfs pools
				 */
	return 0;
}

/*
 * Claim [first, first + n) over whatever the program had mapped there (MAP_FIXED): made RW
 * first, then zeroed by the allocator. Cached stacks there are evicted.
 */
static long claim_over(size_t first, size_t n)
{
	pith_stack_cache_evict_range(first, n);
	if (pith_mem_protect(first, n, PITH_PROT_RW))
		return -ENOMEM;
	pith_pages_claim(&pith_mem.pages, first, n);
	return (long)pith_pages_addr(&pith_mem.pages, first);
}

/* MAP_FIXED: the range must lie in the arena; what was mapped there is replaced by zeroes. */
static long map_fixed(uint64_t addr, size_t len, int noreplace)
{
	size_t first, n;

	if (addr & (PITH_PAGE - 1))
		return -EINVAL;
	if (!pith_mem_arena_range(addr, len, &first, &n) ||
	    pith_pages_any_kern(&pith_mem.pages, first, n))
		return -ENOMEM; /* kernel memory is as untouchable as memory outside the arena */
	pith_stack_cache_evict_range(first, n);
	if (noreplace && !pith_pages_all_free(&pith_mem.pages, first, n))
		return -EEXIST;
	return claim_over(first, n);
}

/* A hint is taken when the range is page-aligned, inside the arena and free. */
static int map_at_hint(uint64_t addr, size_t len)
{
	size_t first, n;

	if (!pith_mem_arena_range(addr, len, &first, &n))
		return 0;
	pith_stack_cache_evict_range(first, n);
	if (!pith_pages_all_free(&pith_mem.pages, first, n))
		return 0;
	pith_pages_claim(&pith_mem.pages, first, n);
	return 1;
}

/* Top-down; when the arena is full, cached thread stacks are freed and the search retried. */
static long map_anywhere(size_t len)
{
	size_t n = pith_mem_page_round(len) / PITH_PAGE;
	long first = pith_pages_alloc(&pith_mem.pages, n);

	if (first < 0 && pith_stack_cache_flush())
		first = pith_pages_alloc(&pith_mem.pages, n);
	return first < 0 ? -ENOMEM : (long)pith_pages_addr(&pith_mem.pages, (size_t)first);
}

/* An anonymous private PROT_NONE map with no address: maybe a thread stack the cache has. */
static long map_cached(uint64_t addr, size_t len, int prot, int flags)
{
	int kind = flags & (LINUX_MAP_TYPE | MAP_ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE);
	long first;

	if (addr || (prot & ~LINUX_PROT_SEM) || kind != (MAP_PRIVATE | MAP_ANONYMOUS))
		return -1;
	first = pith_stack_cache_take(pith_mem_page_round(len) / PITH_PAGE);
	return first < 0 ? -1 : (long)pith_pages_addr(&pith_mem.pages, (size_t)first);
}

/* The new mapping [addr, addr + len) gets prot (it is RW); undone if the monitor refuses. */
static long map_protect(long addr, size_t len, int prot)
{
	unsigned want = pith_mem_prot_of(prot);
	size_t first, n;

	if (addr < 0 || want == PITH_PROT_RW)
		return addr;
	pith_mem_arena_range((uint64_t)addr, len, &first, &n);
	if (!pith_mem_protect(first, n, want))
		return addr;
	pith_mem_release(first, n);
	return -ENOMEM;
}

/* Copies the file at off into the new mapping [addr, addr + len) (zeros past its end); on an
   error the mapping is undone. */
static long map_file(long addr, size_t len, int fd, long off)
{
	struct pith_file *f = pith_fd_get(fd);
	size_t done = 0, first, n;

	while (addr >= 0 && done < len) {
		size_t want = len - done < PITH_MAX_RW_COUNT ? len - done : PITH_MAX_RW_COUNT;
		struct iovec iov = {(char *)addr + done, want};
		long got = f->ops->preadv(f, &iov, 1, want, (uint64_t)off + done);

		if (got <= 0) {
			if (!got)
				break;
			pith_mem_arena_range((uint64_t)addr, len, &first, &n);
			pith_mem_release(first, n);
			return got;
		}
		done += (size_t)got;
	}
	return addr;
}

/*
 * A shared anonymous mapping is accepted: with one process and no fork, nothing can tell it
 * from a private one. A file mapping (MAP_PRIVATE, or MAP_SHARED read-only) is a private copy
 * of the file made now: later writes to the file are not seen through it. PROT_NONE and
 * PROT_READ are enforced (the pages are protected once filled); PROT_EXEC is refused.
 */
PITH_SYSCALL_RET6(PITH_RET_ADDR, mmap, void *, addr, size_t, len, int, prot, int, flags, int, fd,
		  long, off)
{
	long err = mmap_check(len, prot, flags, fd, off);
	uint64_t a = (uint64_t)(uintptr_t)addr;

	if (err)
		return err;
	pith_stack_cache_settle();
	err = map_cached(a, len, prot, flags);
	if (err >= 0)
		return err;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
		err = map_fixed(a, len, (flags & MAP_FIXED_NOREPLACE) != 0);
	else if (a && map_at_hint(a, len))
		err = (long)a;
	else
		err = map_anywhere(len);
	if (!(flags & MAP_ANONYMOUS))
		err = map_file(err, len, fd, off);
	return map_protect(err, len, prot);
}

/*
 * Unmapping frees the arena pages in the range; as on Linux, pages that map nothing (page 0,
 * the guard page under the stack, anything past the end of guest RAM) are skipped. Unlike
 * Linux, a range that touches a page mapped outside the arena (the image, the boot info, the
 * stack, the kernel's bitmaps) or the monitor's pages fails with EINVAL: those stay mapped.
 */
static int overlaps(uint64_t a, uint64_t end, uint64_t lo, uint64_t hi)
{
	return a < hi && lo < end;
}

/* Whether [a, end) touches kernel memory (pith_kmalloc's pages) inside the arena. */
static int touches_kern(uint64_t a, uint64_t end)
{
	uint64_t lo = pith_mem.arena_start, hi = pith_mem.arena_end;
	size_t first, n;

	if (!overlaps(a, end, lo, hi))
		return 0;
	a = a < lo ? lo : a;
	end = end > hi ? hi : end;
	return pith_mem_arena_range(a, end - a, &first, &n) &&
	       pith_pages_any_kern(&pith_mem.pages, first, n);
}

/* Whether [a, end) touches a page that cannot be unmapped: outside the arena, or kernel's. */
static int touches_fixed(uint64_t a, uint64_t end)
{
	uint64_t lo = pith_mem.arena_start, hi = pith_mem.arena_end;

	if (overlaps(a, end, PITH_MONITOR_BASE, PITH_MONITOR_END) || touches_kern(a, end))
		return 1;
	return (a < lo && pith_user_map_overlaps(&pith_user_map, a, end < lo ? end : lo)) ||
	       (end > hi && pith_user_map_overlaps(&pith_user_map, a > hi ? a : hi, end));
}

/*
 * Arena pages [first, first + n) go back to the allocator, RW (a thread stack's region to the
 * stack cache instead); -ENOMEM if the monitor refused to make them RW (they stay mapped).
 */
static int unmap_pages(size_t first, size_t n)
{
	pith_stack_cache_evict_range(first, n); /* unmapped already: nothing of the program's */
	if (pith_stack_cache_put(first, n))
		return 0;
	return pith_mem_release(first, n) ? -ENOMEM : 0;
}

PITH_SYSCALL2(munmap, void *, addr, size_t, len)
{
	uint64_t a = (uint64_t)(uintptr_t)addr, size = pith_mem_page_round(len), end = a + size;
	uint64_t lo = pith_mem.arena_start, hi = pith_mem.arena_end;

	pith_stack_cache_settle();
	if ((a & (PITH_PAGE - 1)) || !size || a > LINUX_TASK_SIZE || size > LINUX_TASK_SIZE - a)
		return -EINVAL;
	if (touches_fixed(a, end))
		return -EINVAL;
	if (!overlaps(a, end, lo, hi))
		return 0;
	a = a < lo ? lo : a;
	end = end > hi ? hi : end;
	PITH_ASSERT(lo <= a && a < end && end <= hi);
	return unmap_pages((a - lo) / PITH_PAGE, (end - a) / PITH_PAGE);
}

/* Moves a mapping to [to, to + new_size): copies the bytes both sizes share, frees the old. */
static long remap_move(uint64_t from, size_t old_size, uint64_t to, size_t new_size)
{
	size_t first, n;

	pith_mem_arena_range(from, old_size, &first, &n);
	memcpy((void *)(uintptr_t)to, (const void *)(uintptr_t)from,
	       old_size < new_size ? old_size : new_size);
	pith_pages_release(&pith_mem.pages, first, n);
	return (long)to;
}

static long remap_fixed(uint64_t old, size_t old_size, uint64_t to, size_t new_size)
{
	size_t first, n;

	if (to & (PITH_PAGE - 1))
		return -EINVAL;
	if (!pith_mem_arena_range(to, new_size, &first, &n) ||
	    pith_pages_any_kern(&pith_mem.pages, first, n))
		return -ENOMEM;
	if (to < old + old_size && old < to + new_size)
		return -EINVAL; /* the ranges overlap */
	if (claim_over(first, n) < 0)
		return -ENOMEM;
	return remap_move(old, old_size, to, new_size);
}

/* Grows in place when the pages above are free; otherwise moves (MREMAP_MAYMOVE) or fails. */
static long remap_grow(uint64_t old, size_t old_size, size_t new_size, int may_move)
{
	size_t first, n;
	bool above = pith_mem_arena_range(old + old_size, new_size - old_size, &first, &n);

	if (above)
		pith_stack_cache_evict_range(first, n);
	if (above && pith_pages_all_free(&pith_mem.pages, first, n)) {
		pith_pages_claim(&pith_mem.pages, first, n);
		return (long)old;
	}
	if (!may_move)
		return -ENOMEM;
	long to = map_anywhere(new_size);

	return to < 0 ? to : remap_move(old, old_size, (uint64_t)to, new_size);
}

/* The arena mapping [old, old + old_size) (pages [first, first + n), all RW) resized or moved. */
static long remap(uint64_t old, size_t old_size, size_t new_size, int flags, uint64_t new_addr,
		  size_t first)
{
	if (flags & MREMAP_FIXED)
		return remap_fixed(old, old_size, new_addr, new_size);
	if (new_size <= old_size) {
		pith_pages_release(&pith_mem.pages, first + new_size / PITH_PAGE,
				   (old_size - new_size) / PITH_PAGE);
		return (long)old;
	}
	return remap_grow(old, old_size, new_size, (flags & MREMAP_MAYMOVE) != 0);
}

/*
 * A protected mapping moves with its protection: made RW for the copy and the release, the
 * result (or, on failure, the old mapping) protected again. As on Linux, the old range must be
 * one mapping: pages with different protections are -EFAULT.
 */
static long remap_protected(uint64_t old, size_t old_size, size_t new_size, int flags,
			    uint64_t new_addr)
{
	size_t first, n, rfirst, rn;
	unsigned prot;
	long to;

	pith_mem_arena_range(old, old_size, &first, &n);
	prot = pith_pages_prot(&pith_mem.pages, first);
	if (pith_pages_prot_run(&pith_mem.pages, first, n, prot) != n)
		return -EFAULT;
	if (pith_mem_protect(first, n, PITH_PROT_RW))
		return -ENOMEM;
	to = remap(old, old_size, new_size, flags, new_addr, first);
	if (prot != PITH_PROT_RW) {
		pith_mem_arena_range(to < 0 ? old : (uint64_t)to, to < 0 ? old_size : new_size,
				     &rfirst, &rn);
		pith_mem_protect(rfirst, rn, prot); /* if refused, it stays RW (as the map says) */
	}
	return to;
}

/* MREMAP_DONTUNMAP is not supported (EINVAL); old_size 0 (duplicate a shared mapping) neither. */
PITH_SYSCALL_RET5(PITH_RET_ADDR, mremap, void *, old_addr, size_t, old_len, size_t, new_len, int,
		  flags, void *, new_addr)
{
	uint64_t old = (uint64_t)(uintptr_t)old_addr;
	size_t old_size = pith_mem_page_round(old_len), new_size = pith_mem_page_round(new_len);
	size_t first, n;

	pith_stack_cache_settle();
	if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) || (old & (PITH_PAGE - 1)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || !new_size || !old_size)
		return -EINVAL;
	if (!pith_mem_arena_range(old, old_size, &first, &n))
		return -EFAULT;
	pith_stack_cache_evict_range(first, n); /* cached stacks are not the program's */
	if (!pith_pages_all_used(&pith_mem.pages, first, n) ||
	    pith_pages_any_kern(&pith_mem.pages, first, n))
		return -EFAULT;
	return remap_protected(old, old_size, new_size, flags, (uint64_t)(uintptr_t)new_addr);
}
