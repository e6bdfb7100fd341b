/* The block cache: metadata blocks held while used, bounded in size, written back in order. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "blk/blk.h"
#include "blk/internal.h"
#include "core/core.h"
#include "mem/mem.h"

/*
 * Every cached block is in a hash table by block number. A buffer nobody holds is also on one
 * of two LRU lists (least recently released first): `clean` (can be reused at once) and
 * `dirty` (must be written back first). Held buffers are on neither and are never evicted.
 *
 * Write-back (sync, or eviction of a dirty buffer) sorts the dirty blocks by (order class,
 * block number) and writes one class at a time: runs of adjacent blocks are copied into a
 * staging area and written as one transfer each, all of a class's transfers in flight at once
 * (pith_blk_io). A class is complete on the disk before the next one is posted, and a failed
 * class stops the write-back: a later class never reaches the disk before an earlier one.
 * Eviction writes back every class up to the victim's, so the promise holds there too.
 */

#define BC_MIN_BUFS    16u	  /* the bound never goes below this many buffers */
#define BC_STAGE_BYTES (1u << 20) /* staging area of one write-back batch, at most */
#define BC_BATCH_IOS   64u	  /* transfers of one write-back batch, at most */

struct bc_link {
	struct bc_link *prev, *next;
};

struct bc_buf {
	struct pith_buf b;    /* b.priv is the cache */
	struct bc_link lru;   /* on c->clean or c->dirty while nobody holds it */
	struct bc_buf *hnext; /* hash chain */
	unsigned refs;
	unsigned order; /* write-back class, while dirty */
	bool dirty;
};

struct pith_bcache {
	struct pith_blk *dev;
	uint32_t bsize;
	uint64_t nblocks; /* blocks on the disk */
	size_t max_bufs;  /* the bound, in buffers */
	size_t nbufs;	  /* buffers allocated */
	size_t ndirty;
	unsigned hbits; /* the hash table has 1 << hbits chains */
	bool busy;	/* a write-back is running */
	struct bc_buf **hash;
	struct bc_link clean, dirty;
};

#define BUF_OF_LINK(l) ((struct bc_buf *)((char *)(l)-offsetof(struct bc_buf, lru)))
#define BUF_OF(pb)     ((struct bc_buf *)(pb))

/* ---- Lists and the hash table --------------------------------------------------------- */

static void list_init(struct bc_link *h)
{
	h->prev = h->next = h;
}

static bool list_empty(const struct bc_link *h)
{
	return h->next == h;
}

static void list_del(struct bc_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

static void list_add_tail(struct bc_link *h, struct bc_link *l)
{
	l->prev = h->prev;
	l->next = h;
	h->prev->next = l;
	h->prev = l;
}

static struct bc_buf **hash_chain(struct pith_bcache *c, uint64_t blockno)
{
	return &c->hash[(blockno * 0x9e3779b97f4a7c15ull) >> (64 - c->hbits)];
}

static struct bc_buf *hash_find(struct pith_bcache *c, uint64_t blockno)
{
	struct bc_buf *b = *hash_chain(c, blockno);

	while (b && b->b.blockno != blockno)
		b = b->hnext;
	return b;
}

static void hash_insert(struct pith_bcache *c, struct bc_buf *b)
{
	struct bc_buf **chain = hash_chain(c, b->b.blockno);

	b->hnext = *chain;
	*chain = b;
}

static void hash_remove(struct pith_bcache *c, struct bc_buf *b)
{
	struct bc_buf **p = hash_chain(c, b->b.blockno);

	while (*p != b)
		p = &(*p)->hnext;
	*p = b->hnext;
}

/* Puts an unheld buffer at the tail of the list its state calls for. */
static void buf_park(struct pith_bcache *c, struct bc_buf *b)
{
	list_add_tail(b->dirty ? &c->dirty : &c->clean, &b->lru);
}

static void buf_mark_clean(struct pith_bcache *c, struct bc_buf *b)
{
	if (!b->dirty)
		return;
	b->dirty = false;
	c->ndirty--;
	if (b->refs == 0) {
		list_del(&b->lru);
		buf_park(c, b);
	}
}

/* ---- Buffers: allocation, the bound, eviction ------------------------------------------- */

static void buf_free(struct pith_bcache *c, struct bc_buf *b)
{
	hash_remove(c, b);
	if (b->dirty)
		c->ndirty--;
	list_del(&b->lru);
	pith_kfree(b->b.data, c->bsize);
	pith_kfree(b, sizeof(*b));
	c->nbufs--;
}

static struct bc_buf *buf_new(struct pith_bcache *c)
{
	struct bc_buf *b = pith_kmalloc(sizeof(*b));

	if (!b)
		return NULL;
	b->b.data = pith_kmalloc(c->bsize);
	if (!b->b.data) {
		pith_kfree(b, sizeof(*b));
		return NULL;
	}
	b->b.priv = c;
	list_init(&b->lru);
	c->nbufs++;
	return b;
}

static int writeback(struct pith_bcache *c, unsigned max_order);

/*
 * A buffer to reuse, out of the hash table: the least recently released clean one, else the
 * least recently released dirty one once written back (with every class up to its own).
 * NULL with *err = 0 if every buffer is held; NULL with *err < 0 if the write-back failed.
 */
static struct bc_buf *buf_evict(struct pith_bcache *c, int *err)
{
	struct bc_buf *b;

	*err = 0;
	if (list_empty(&c->clean) && !list_empty(&c->dirty)) {
		*err = writeback(c, BUF_OF_LINK(c->dirty.next)->order);
		if (*err < 0)
			return NULL;
	}
	if (list_empty(&c->clean))
		return NULL;
	b = BUF_OF_LINK(c->clean.next);
	list_del(&b->lru);
	hash_remove(c, b);
	pith_blk_stats.cache_evictions++;
	return b;
}

/* A buffer for blockno (not yet in the hash table): reused under the bound, else new. */
static struct bc_buf *buf_get(struct pith_bcache *c, int *err)
{
	struct bc_buf *b = NULL;

	if (c->nbufs >= c->max_bufs) {
		b = buf_evict(c, err);
		if (*err < 0 && *err != -EBUSY)
			return NULL;
		*err = 0; /* -EBUSY: nothing to reuse now, the bound gives way */
	}
	if (!b)
		b = buf_new(c); /* under the bound, or everything held: the bound gives way */
	if (!b)
		*err = -ENOMEM;
	return b;
}

/* Frees clean unheld buffers while the cache is over its bound (after held ones came back). */
static void trim(struct pith_bcache *c)
{
	while (c->nbufs > c->max_bufs && !list_empty(&c->clean)) {
		buf_free(c, BUF_OF_LINK(c->clean.next));
		pith_blk_stats.cache_evictions++;
	}
}

/* ---- Write-back ------------------------------------------------------------------------ */

static bool buf_before(const struct bc_buf *a, const struct bc_buf *b)
{
	return a->order != b->order ? a->order < b->order : a->b.blockno < b->b.blockno;
}

static void sift_down(struct bc_buf **v, size_t i, size_t n)
{
	for (size_t child; (child = 2 * i + 1) < n; i = child) {
		struct bc_buf *t;

		if (child + 1 < n && buf_before(v[child], v[child + 1]))
			child++;
		if (!buf_before(v[i], v[child]))
			return;
		t = v[i], v[i] = v[child], v[child] = t;
	}
}

/* Heapsort by (order, blockno): no allocation, O(n log n). */
static void sort_bufs(struct bc_buf **v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		struct bc_buf *t = v[0];

		v[0] = v[end], v[end] = t;
		sift_down(v, 0, end);
	}
}

/* The dirty buffers of class <= max_order, held or not, into v (room for c->ndirty). */
static size_t collect_dirty(struct pith_bcache *c, unsigned max_order, struct bc_buf **v)
{
	size_t n = 0;

	for (size_t i = 0; i < ((size_t)1 << c->hbits); i++)
		for (struct bc_buf *b = c->hash[i]; b; b = b->hnext)
			if (b->dirty && b->order <= max_order)
				v[n++] = b;
	return n;
}

/* One write-back batch: transfers and the buffers each one covers. */
struct wb_batch {
	struct pith_blk_io io[BC_BATCH_IOS];
	size_t first[BC_BATCH_IOS], count[BC_BATCH_IOS]; /* indices into the sorted buffers */
	uint8_t *stage;					 /* NULL: no coalescing */
	size_t stage_size;
	size_t n;
};

/* Length of the run of adjacent blocks starting at v[0] that fits in the batch's room. */
static size_t run_length(struct pith_bcache *c, struct bc_buf **v, size_t n, size_t room)
{
	size_t len = 1;

	while (len < n && (len + 1) * c->bsize <= room &&
	       v[len]->b.blockno == v[len - 1]->b.blockno + 1)
		len++;
	return len;
}

static bool adjacent(struct bc_buf **v, size_t n, size_t i)
{
	return i + 1 < n && v[i + 1]->b.blockno == v[i]->b.blockno + 1;
}

/*
 * Fills the batch from v[0..n); returns how many buffers it took (at least one). A run goes
 * through the staging area; a lone block is written from its own buffer. The batch ends
 * early rather than cut a run because the staging area is full.
 */
static size_t batch_fill(struct pith_bcache *c, struct wb_batch *w, struct bc_buf **v, size_t n)
{
	size_t used = 0, taken = 0;

	for (w->n = 0; w->n < BC_BATCH_IOS && taken < n; w->n++) {
		size_t room = w->stage ? w->stage_size - used : 0;
		size_t len = run_length(c, v + taken, n - taken, room);
		struct pith_blk_io *io = &w->io[w->n];

		if (len == 1 && w->stage && w->n > 0 && adjacent(v, n, taken))
			break; /* a run that did not fit: next batch */
		*io = (struct pith_blk_io){.off = v[taken]->b.blockno * c->bsize,
					   .len = len * c->bsize,
					   .write = true,
					   .buf = v[taken]->b.data};
		if (len > 1) {
			io->buf = w->stage + used;
			for (size_t k = 0; k < len; k++)
				memcpy(w->stage + used + k * c->bsize, v[taken + k]->b.data,
				       c->bsize);
			used += len * c->bsize;
		}
		w->first[w->n] = taken;
		w->count[w->n] = len;
		taken += len;
	}
	return taken;
}

/* Writes one batch; the buffers of the transfers that succeeded are clean. 0 or an error. */
static int batch_write(struct pith_bcache *c, struct wb_batch *w, struct bc_buf **v)
{
	int err = pith_blk_io(c->dev, w->io, w->n);

	for (size_t i = 0; i < w->n; i++) {
		if (w->io[i].status < 0) {
			pith_blk_stats.cache_errors++;
			continue;
		}
		for (size_t k = 0; k < w->count[i]; k++)
			buf_mark_clean(c, v[w->first[i] + k]);
		pith_blk_stats.cache_writebacks += w->count[i];
	}
	pith_blk_stats.cache_wb_ios += w->n;
	return err;
}

/* Writes v[0..n) (one class, sorted by block number): every batch, then the first error. */
static int write_class(struct pith_bcache *c, struct wb_batch *w, struct bc_buf **v, size_t n)
{
	int err = 0;

	for (size_t done = 0; done < n;) {
		size_t took = batch_fill(c, w, v + done, n - done);
		int e = batch_write(c, w, v + done);

		if (e < 0 && err == 0)
			err = e;
		done += took;
	}
	return err;
}

/* Writes v[0..n) (sorted) class by class; stops after the first class that failed. */
static int write_sorted(struct pith_bcache *c, struct wb_batch *w, struct bc_buf **v, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		int err;

		for (j = i + 1; j < n && v[j]->order == v[i]->order;)
			j++;
		err = write_class(c, w, v + i, j - i);
		if (err < 0)
			return err;
	}
	return 0;
}

/* The staging area for n dirty blocks; NULL (no coalescing) if memory is short. */
static void stage_alloc(struct pith_bcache *c, struct wb_batch *w, size_t n)
{
	size_t want = n * c->bsize < BC_STAGE_BYTES ? n * c->bsize : BC_STAGE_BYTES;

	w->stage_size = want;
	w->stage = n > 1 && want >= 2 * c->bsize ? pith_kmalloc(want) : NULL;
}

/*
 * Writes back every dirty block of class <= max_order, in order. 0 or the first error; -EBUSY
 * if a write-back of this cache is already running (a poller reached it while that one waits
 * for the disk): the running one writes the blocks.
 */
static int writeback(struct pith_bcache *c, unsigned max_order)
{
	size_t cap = c->ndirty, n;
	struct bc_buf **v;
	struct wb_batch *w;
	int err = -ENOMEM;

	if (cap == 0)
		return 0;
	if (c->busy)
		return -EBUSY;
	v = pith_kmalloc(cap * sizeof(*v));
	w = pith_kmalloc(sizeof(*w));
	if (v && w) {
		c->busy = true;
		n = collect_dirty(c, max_order, v);
		sort_bufs(v, n);
		stage_alloc(c, w, n);
		err = write_sorted(c, w, v, n);
		if (w->stage)
			pith_kfree(w->stage, w->stage_size);
		c->busy = false;
	}
	pith_kfree(w, sizeof(*w));
	pith_kfree(v, cap * sizeof(*v));
	return err;
}

/* ---- The interface (blk.h) ------------------------------------------------------------- */

/* The bound in buffers: min(PITH_BCACHE_BYTES, RAM / 8) bytes, at least BC_MIN_BUFS. */
static size_t bound_bufs(uint32_t bsize)
{
	uint64_t bytes = pith_boot_info->mem_size / 8;

	if (bytes > PITH_BCACHE_BYTES)
		bytes = PITH_BCACHE_BYTES;
	return bytes / bsize > BC_MIN_BUFS ? bytes / bsize : BC_MIN_BUFS;
}

struct pith_bcache *pith_bcache_new(struct pith_blk *d, uint32_t block_size)
{
	struct pith_bcache *c;
	uint32_t ss = pith_blk_sector_size(d);

	if (block_size == 0 || block_size > 65536 || ss == 0 || block_size % ss)
		return NULL;
	c = pith_kmalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->dev = d;
	c->bsize = block_size;
	c->nblocks = pith_blk_size(d) / block_size;
	c->max_bufs = bound_bufs(block_size);
	for (c->hbits = 4; ((size_t)1 << c->hbits) < c->max_bufs / 2;)
		c->hbits++;
	c->hash = pith_kmalloc(sizeof(*c->hash) << c->hbits);
	if (!c->hash) {
		pith_kfree(c, sizeof(*c));
		return NULL;
	}
	list_init(&c->clean);
	list_init(&c->dirty);
	return c;
}

int pith_bcache_free(struct pith_bcache *c)
{
	int err = pith_bcache_sync(c, true);

	for (size_t i = 0; i < ((size_t)1 << c->hbits); i++)
		while (c->hash[i]) {
			PITH_ASSERT_MSG(c->hash[i]->refs == 0,
					"pith_bcache_free: a buffer is held");
			buf_free(c, c->hash[i]);
		}
	pith_kfree(c->hash, sizeof(*c->hash) << c->hbits);
	pith_kfree(c, sizeof(*c));
	return err;
}

/* A cached block, held. */
static struct pith_buf *bread_hit(struct bc_buf *b, bool fresh)
{
	if (b->refs++ == 0)
		list_del(&b->lru);
	if (fresh)
		memset(b->b.data, 0, ((struct pith_bcache *)b->b.priv)->bsize);
	pith_blk_stats.cache_hits++;
	return &b->b;
}

struct pith_buf *pith_bread(struct pith_bcache *c, uint64_t blockno, bool fresh, int *err)
{
	struct bc_buf *b = hash_find(c, blockno);

	if (b)
		return bread_hit(b, fresh);
	if (blockno >= c->nblocks) {
		*err = -EINVAL;
		return NULL;
	}
	b = buf_get(c, err);
	if (!b)
		return NULL;
	b->b.blockno = blockno;
	b->refs = 1;
	b->dirty = false;
	hash_insert(c, b);
	pith_blk_stats.cache_misses++;
	if (fresh) {
		memset(b->b.data, 0, c->bsize);
		return &b->b;
	}
	*err = pith_blk_read(c->dev, blockno * c->bsize, b->b.data, c->bsize);
	if (*err < 0) {
		pith_blk_stats.cache_errors++;
		buf_free(c, b);
		return NULL;
	}
	return &b->b;
}

void pith_bdirty(struct pith_buf *pb, unsigned order)
{
	struct bc_buf *b = BUF_OF(pb);
	struct pith_bcache *c = pb->priv;

	PITH_ASSERT_MSG(b->refs > 0, "pith_bdirty: the buffer is not held");
	if (!b->dirty) {
		b->dirty = true;
		b->order = order;
		c->ndirty++;
	} else if (order < b->order) {
		b->order = order; /* dirty for two classes: the earlier one keeps both promises */
	}
}

void pith_brelse(struct pith_buf *pb)
{
	struct bc_buf *b = BUF_OF(pb);
	struct pith_bcache *c = pb->priv;

	PITH_ASSERT_MSG(b->refs > 0, "pith_brelse: the buffer is not held");
	if (--b->refs)
		return;
	buf_park(c, b);
	trim(c);
}

void pith_bforget(struct pith_bcache *c, uint64_t blockno)
{
	struct bc_buf *b = hash_find(c, blockno);

	if (!b)
		return;
	PITH_ASSERT_MSG(b->refs == 0, "pith_bforget: the buffer is held");
	PITH_ASSERT_MSG(!c->busy || !b->dirty, "pith_bforget: a dirty block during its write-back");
	buf_free(c, b);
	pith_blk_stats.cache_forgets++;
}

int pith_bcache_sync(struct pith_bcache *c, bool flush)
{
	int err = writeback(c, ~0u);

	if (err == 0 && flush)
		err = pith_blk_flush(c->dev);
	return err;
}

struct pith_blk *pith_bcache_dev(const struct pith_bcache *c)
{
	return c->dev;
}
