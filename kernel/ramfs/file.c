/* ramfs file data: 4 KiB pages from kernel memory behind a growable array (NULL pages are holes).
 */
#include <errno.h>
#include <string.h>

#include "mem/mem.h"
#include "ramfs/ramfs.h"

static struct ramfs_file *file_of(struct pith_vnode *vn)
{
	return &ramfs_node(vn)->file;
}

static void *page_at(const struct ramfs_file *f, uint64_t idx)
{
	return idx < f->cap ? f->pages[idx] : NULL;
}

/* Makes pages[] hold at least n entries: 0 or -ENOSPC. */
static int pages_grow(struct ramfs_file *f, uint64_t n)
{
	size_t cap = f->cap ? f->cap : 8;
	void **p;

	if (n <= f->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	p = pith_kmalloc(cap * sizeof(*p));
	if (!p)
		return -ENOSPC;
	if (f->pages) {
		memcpy(p, f->pages, f->cap * sizeof(*p));
		pith_kfree(f->pages, f->cap * sizeof(*p));
	}
	f->pages = p;
	f->cap = cap;
	return 0;
}

/* The page at idx, allocated (zeroed) if it was a hole; NULL when memory ran out. */
static void *page_get(struct pith_vnode *vn, uint64_t idx)
{
	struct ramfs_file *f = file_of(vn);

	if (pages_grow(f, idx + 1) < 0)
		return NULL;
	if (!f->pages[idx]) {
		f->pages[idx] = pith_kmalloc(RAMFS_PAGE);
		if (!f->pages[idx])
			return NULL;
		f->npages++;
		vn->blocks = f->npages * (RAMFS_PAGE / 512);
	}
	return f->pages[idx];
}

static void page_free(struct pith_vnode *vn, uint64_t idx)
{
	struct ramfs_file *f = file_of(vn);

	if (idx >= f->cap || !f->pages[idx])
		return;
	pith_kfree(f->pages[idx], RAMFS_PAGE);
	f->pages[idx] = NULL;
	f->npages--;
	vn->blocks = f->npages * (RAMFS_PAGE / 512);
}

long pith_ramfs_read(struct pith_vnode *vn, void *buf, size_t len, uint64_t off)
{
	const struct ramfs_file *f = file_of(vn);
	size_t done = 0;

	if (off >= vn->size)
		return 0;
	if (len > vn->size - off)
		len = (size_t)(vn->size - off);
	while (done < len) {
		uint64_t pos = off + done;
		size_t in = pos % RAMFS_PAGE, n = RAMFS_PAGE - in;
		const char *page = page_at(f, pos / RAMFS_PAGE);

		if (n > len - done)
			n = len - done;
		if (page)
			memcpy((char *)buf + done, page + in, n);
		else
			memset((char *)buf + done, 0, n);
		done += n;
	}
	return (long)done;
}

/* -EFBIG if [off, off + len) reaches past the largest file, else 0. */
static int check_range(uint64_t off, uint64_t len)
{
	const uint64_t max = RAMFS_MAX_PAGES * RAMFS_PAGE;

	return off > max || len > max - off ? -EFBIG : 0;
}

long pith_ramfs_write(struct pith_vnode *vn, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (check_range(off, len) < 0)
		return -EFBIG;
	while (done < len) {
		uint64_t pos = off + done;
		size_t in = pos % RAMFS_PAGE, n = RAMFS_PAGE - in;
		char *page = page_get(vn, pos / RAMFS_PAGE);

		if (!page)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(page + in, (const char *)buf + done, n);
		done += n;
	}
	if (done && off + done > vn->size)
		vn->size = off + done;
	if (done)
		pith_ramfs_touch(vn, true);
	return done || !len ? (long)done : -ENOSPC;
}

int pith_ramfs_truncate(struct pith_vnode *vn, uint64_t size)
{
	struct ramfs_file *f = file_of(vn);
	uint64_t keep = (size + RAMFS_PAGE - 1) / RAMFS_PAGE;

	if (check_range(size, 0) < 0)
		return -EFBIG;
	for (uint64_t i = keep; i < f->cap; i++)
		page_free(vn, i);
	if (size % RAMFS_PAGE && page_at(f, size / RAMFS_PAGE))
		memset((char *)page_at(f, size / RAMFS_PAGE) + size % RAMFS_PAGE, 0,
		       RAMFS_PAGE - size % RAMFS_PAGE);
	if (size == 0)
		pith_ramfs_file_free(f);
	vn->size = size;
	pith_ramfs_touch(vn, true);
	return 0;
}

int pith_ramfs_fallocate(struct pith_vnode *vn, uint64_t off, uint64_t len)
{
	if (check_range(off, len) < 0)
		return -EFBIG;
	for (uint64_t i = off / RAMFS_PAGE; len && i <= (off + len - 1) / RAMFS_PAGE; i++)
		if (!page_get(vn, i))
			return -ENOSPC; /* the pages allocated so far stay (zeroes, as holes read)
					 */
	if (off + len > vn->size) {
		vn->size = off + len;
		pith_ramfs_touch(vn, true);
	}
	return 0;
}

/* SEEK_DATA / SEEK_HOLE at page granularity; the end of the file is a hole. */
long pith_ramfs_seek_data(struct pith_vnode *vn, uint64_t off, bool hole)
{
	const struct ramfs_file *f = file_of(vn);
	uint64_t idx = off / RAMFS_PAGE, last = (vn->size + RAMFS_PAGE - 1) / RAMFS_PAGE;

	if (off >= vn->size)
		return -ENXIO;
	while (idx < last && (page_at(f, idx) != NULL) == hole)
		idx++;
	if (idx >= last)
		return hole ? (long)vn->size : -ENXIO;
	return (long)(idx * RAMFS_PAGE > off ? idx * RAMFS_PAGE : off);
}

void pith_ramfs_file_free(struct ramfs_file *f)
{
	for (size_t i = 0; i < f->cap; i++)
		if (f->pages[i])
			pith_kfree(f->pages[i], RAMFS_PAGE);
	if (f->pages)
		pith_kfree(f->pages, f->cap * sizeof(*f->pages));
	f->pages = NULL;
	f->cap = 0;
	f->npages = 0;
}
