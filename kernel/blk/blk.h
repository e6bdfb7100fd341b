/* The blk component's interface: the disks' request rings and a block cache for metadata. */
#ifndef PITH_BLK_H
#define PITH_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Disks come from boot info (disks[0..disk_count)). Each has one request ring (struct
 * pith_blk_ring) attached with PITH_HC_BLK_SETUP the first time it is opened. All I/O here is
 * synchronous for the caller: requests are posted (several in flight, each at most
 * PITH_BLK_REQ_MAX bytes: longer transfers are split), the ring is kicked when the monitor asked
 * for it, and the caller waits with pith_io_wait until every request it posted has completed.
 * Buffers may be any guest memory the kernel can write (user memory included: the monitor reads
 * and writes guest RAM directly, there is no copy).
 *
 * Errors are -errno: -EIO (the host failed, or the device stopped), -EINVAL (a request outside
 * the disk: a caller bug), -EROFS (a write to a read-only disk).
 */
struct pith_blk;

/* Number of disks; the disk i (0 <= i < count), or NULL. */
unsigned pith_blk_count(void);
struct pith_blk *pith_blk_get(unsigned i);

/* What boot info says of a disk. */
uint64_t pith_blk_size(const struct pith_blk *d); /* bytes: sectors * sector_size */
uint32_t pith_blk_sector_size(const struct pith_blk *d);
bool pith_blk_readonly(const struct pith_blk *d);
const char *pith_blk_mount_point(const struct pith_blk *d);

/* Attaches the disk's ring (once; later calls return the first result): 0 or -errno. */
int pith_blk_open(struct pith_blk *d);

/*
 * One transfer of a vectored request: byte offset `off` on the disk, `len` bytes at `buf`.
 * off and len are multiples of the sector size. Filled in by the caller; status is written by
 * pith_blk_io.
 */
struct pith_blk_io {
	uint64_t off;
	void *buf;
	size_t len;
	bool write;
	int status; /* OUT: 0 or -errno */
};

/*
 * Performs n transfers (in any order, several in flight) and returns when all are done: 0 if
 * every one succeeded, else the first error (each io's status says which).
 */
int pith_blk_io(struct pith_blk *d, struct pith_blk_io *io, size_t n);

/* One transfer: pith_blk_io of a single request. */
int pith_blk_read(struct pith_blk *d, uint64_t off, void *buf, size_t len);
int pith_blk_write(struct pith_blk *d, uint64_t off, const void *buf, size_t len);

/* Every write completed so far is durable in the host file (the monitor's fdatasync). */
int pith_blk_flush(struct pith_blk *d);

/* ---- The block cache (bcache.c): metadata blocks of one block size, written back ----------- */

/*
 * A filesystem reads its metadata (superblock, bitmaps, inode tables, directories, indirect
 * blocks) through a cache of fixed-size blocks. A block is returned held; the caller changes
 * data, marks the buffer dirty, and releases it. Dirty blocks are written back by
 * pith_bcache_sync (in the order given by their `order` class, lower first, then by block
 * number, coalesced into large requests), when the cache needs room, and by the exit hook. The
 * cache has a bounded size (PITH_BCACHE_BYTES or an eighth of guest RAM per cache, whichever
 * is smaller); held buffers are never evicted.
 */
struct pith_bcache;

struct pith_buf {
	uint64_t blockno;
	uint8_t *data; /* block_size bytes */
	/* The rest is the cache's own. */
	void *priv;
};

#define PITH_BCACHE_BYTES (8u << 20)

/* A cache of block_size-byte blocks (a multiple of the sector size, <= 64 KiB) on d; NULL if
   memory ran out. */
struct pith_bcache *pith_bcache_new(struct pith_blk *d, uint32_t block_size);

/* Writes back everything (pith_bcache_sync) and frees the cache; held buffers are a bug. */
int pith_bcache_free(struct pith_bcache *c);

/*
 * The block, held: read from the disk unless cached (or unless `fresh`: the caller will
 * overwrite all of it, e.g. a newly allocated block: it is zeroed instead of read).
 * Returns NULL and sets *err (-EIO, -ENOMEM, -EINVAL past the end of the disk) on failure.
 */
struct pith_buf *pith_bread(struct pith_bcache *c, uint64_t blockno, bool fresh, int *err);

/* Marks b dirty; order: write-back class (lower classes reach the disk first in a sync). */
void pith_bdirty(struct pith_buf *b, unsigned order);

/* Releases a held buffer. */
void pith_brelse(struct pith_buf *b);

/* Forgets a block (it was freed): a dirty copy is dropped, never written. Must not be held. */
void pith_bforget(struct pith_bcache *c, uint64_t blockno);

/*
 * Writes every dirty block back, then flushes the disk (durable) if `flush`. 0 or the first
 * error (-EIO): the blocks that failed stay dirty.
 */
int pith_bcache_sync(struct pith_bcache *c, bool flush);

/* The disk under a cache. */
struct pith_blk *pith_bcache_dev(const struct pith_bcache *c);

#endif
