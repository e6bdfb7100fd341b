/* ext2: regular files' data, moved directly between the caller's buffer and the disk. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "ext2/ext2.h"

#define IO_BATCH 16 /* transfers in flight at once */

/* A batch of transfers of whole blocks; contiguous blocks are merged into one transfer. */
struct batch {
	struct ext2_fs *fs;
	struct pith_blk_io io[IO_BATCH];
	size_t n;
	bool write;
};

static int batch_submit(struct batch *bt)
{
	int err = 0;

	if (bt->n)
		err = pith_blk_io(bt->fs->dev, bt->io, bt->n);
	bt->n = 0;
	return err;
}

/* Adds block pblk <-> buf to the batch; may submit what was there. */
static int batch_add(struct batch *bt, uint32_t pblk, uint8_t *buf)
{
	uint32_t bs = bt->fs->block_size;
	uint64_t off = (uint64_t)pblk << bt->fs->log_block_size;
	struct pith_blk_io *last = bt->n ? &bt->io[bt->n - 1] : NULL;
	int err;

	if (last && last->off + last->len == off && (uint8_t *)last->buf + last->len == buf &&
	    last->len + bs <= PITH_BLK_REQ_MAX) {
		last->len += bs;
		return 0;
	}
	if (bt->n == IO_BATCH) {
		err = batch_submit(bt);
		if (err)
			return err;
	}
	bt->io[bt->n++] =
	    (struct pith_blk_io){.off = off, .buf = buf, .len = bs, .write = bt->write};
	return 0;
}

static int block_rw(struct ext2_fs *fs, uint32_t b, void *data, bool write)
{
	uint64_t off = (uint64_t)b << fs->log_block_size;

	if (!ext2_block_ok(fs, b))
		return ext2_corrupt(fs, "a data block pointer out of range");
	return write ? pith_blk_write(fs->dev, off, data, fs->block_size)
		     : pith_blk_read(fs->dev, off, data, fs->block_size);
}

int ext2_write_block(struct ext2_fs *fs, uint32_t b, const void *data)
{
	return block_rw(fs, b, (void *)data, true);
}

/* Reads part of one block (through the bounce block) or a hole. */
static int read_part(struct ext2_fs *fs, uint32_t pblk, uint8_t *dst, uint32_t boff, size_t n)
{
	int err;

	if (pblk == 0) {
		memset(dst, 0, n);
		return 0;
	}
	err = block_rw(fs, pblk, fs->bounce, false);
	if (!err)
		memcpy(dst, fs->bounce + boff, n);
	return err;
}

long ext2_read(struct pith_vnode *vn, void *buf, size_t len, uint64_t off)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct batch bt = {.fs = fs, .write = false};
	uint32_t bs = fs->block_size;
	size_t done = 0;
	int err = 0;

	if (off >= vn->size)
		return 0;
	if (len > vn->size - off)
		len = (size_t)(vn->size - off);
	while (done < len && !err) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos & (bs - 1)), pblk;
		size_t chunk = bs - boff < len - done ? bs - boff : len - done;
		bool fresh;

		err = ext2_bmap(vn, pos >> fs->log_block_size, false, &pblk, &fresh);
		if (!err && pblk && chunk == bs)
			err = batch_add(&bt, pblk, (uint8_t *)buf + done);
		else if (!err)
			err = read_part(fs, pblk, (uint8_t *)buf + done, boff, chunk);
		if (!err)
			done += chunk;
	}
	if (!err)
		err = batch_submit(&bt);
	return err ? err : (long)done;
}

/* Writes part of one block: read-modify-write through the bounce block (zeros if fresh). */
static int write_part(struct ext2_fs *fs, uint32_t pblk, bool fresh, const uint8_t *src,
		      uint32_t boff, size_t n)
{
	int err = 0;

	if (fresh)
		memset(fs->bounce, 0, fs->block_size);
	else
		err = block_rw(fs, pblk, fs->bounce, false);
	if (err)
		return err;
	memcpy(fs->bounce + boff, src, n);
	return block_rw(fs, pblk, fs->bounce, true);
}

/* Largest file size in bytes. */
static uint64_t max_size(const struct ext2_fs *fs)
{
	if (fs->sb.s_rev_level == 0)
		return 0x7fffffff; /* no feature flags in revision 0, so no large_file */
	return ext2_max_blocks(fs) << fs->log_block_size;
}

static void touch(struct pith_vnode *vn)
{
	pith_vfs_now(&vn->mtime);
	vn->ctime = vn->mtime;
}

/* Maps (allocating) and writes [off, off + len); *done: bytes whose blocks exist. */
static int write_range(struct pith_vnode *vn, const uint8_t *buf, size_t len, uint64_t off,
		       size_t *done)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct batch bt = {.fs = fs, .write = true};
	uint32_t bs = fs->block_size;
	int err = 0, serr;

	while (*done < len && !err) {
		uint64_t pos = off + *done;
		uint32_t boff = (uint32_t)(pos & (bs - 1)), pblk;
		size_t chunk = bs - boff < len - *done ? bs - boff : len - *done;
		bool fresh;

		err = ext2_bmap(vn, pos >> fs->log_block_size, true, &pblk, &fresh);
		if (!err && chunk == bs)
			err = batch_add(&bt, pblk, (uint8_t *)buf + *done);
		else if (!err)
			err = write_part(fs, pblk, fresh, buf + *done, boff, chunk);
		if (!err)
			*done += chunk;
	}
	serr = batch_submit(&bt);
	if (serr)
		*done = 0; /* which transfer failed is not known: claim nothing */
	return serr ? serr : err;
}

long ext2_write(struct pith_vnode *vn, const void *buf, size_t len, uint64_t off)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	size_t done = 0;
	int err;

	if (off >= max_size(fs))
		return len ? -EFBIG : 0;
	if (len > max_size(fs) - off)
		len = (size_t)(max_size(fs) - off);
	err = write_range(vn, buf, len, off, &done);
	if (done && off + done > vn->size)
		vn->size = off + done;
	if (done)
		touch(vn);
	if (ext2_iwrite(vn) < 0 && !err)
		err = -EIO;
	return done ? (long)done : err;
}

/* Zeros the on-disk tail of the block holding byte `size` (so a later extension reads zeros). */
static int zero_tail(struct pith_vnode *vn, uint64_t size)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint32_t boff = (uint32_t)(size & (fs->block_size - 1)), pblk;
	bool fresh;
	int err;

	if (boff == 0)
		return 0;
	err = ext2_bmap(vn, size >> fs->log_block_size, false, &pblk, &fresh);
	if (err || pblk == 0)
		return err;
	err = block_rw(fs, pblk, fs->bounce, false);
	if (err)
		return err;
	memset(fs->bounce + boff, 0, fs->block_size - boff);
	return block_rw(fs, pblk, fs->bounce, true);
}

int ext2_truncate(struct pith_vnode *vn, uint64_t size)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	int err = 0;

	if (size > max_size(fs))
		return -EFBIG;
	touch(vn);
	if (size >= vn->size) {
		vn->size = size;
		return ext2_iwrite(vn);
	}
	err = zero_tail(vn, size);
	if (err)
		return err;
	vn->size = size;
	return ext2_btruncate(vn, (size + fs->block_size - 1) >> fs->log_block_size);
}

/* Allocates [first, end) (zeroing new blocks on the disk); undone on failure. */
static int alloc_range(struct pith_vnode *vn, uint64_t first, uint64_t end)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct batch bt = {.fs = fs, .write = true};
	int err = 0;

	for (uint64_t l = first; l < end && !err; l++) {
		uint32_t pblk;
		bool fresh;

		err = ext2_bmap(vn, l, true, &pblk, &fresh);
		if (!err && fresh) {
			if (bt.n == IO_BATCH)
				err = batch_submit(&bt);
			bt.io[bt.n++] =
			    (struct pith_blk_io){.off = (uint64_t)pblk << fs->log_block_size,
						 .buf = fs->zero,
						 .len = fs->block_size,
						 .write = true};
		}
	}
	if (!err)
		err = batch_submit(&bt);
	return err;
}

int ext2_fallocate(struct pith_vnode *vn, uint64_t off, uint64_t len)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint64_t end = off + len;
	int err;

	if (!S_ISREG(vn->mode))
		return -ENODEV;
	if (end < off || end > max_size(fs))
		return -EFBIG;
	err = alloc_range(vn, off >> fs->log_block_size,
			  (end + fs->block_size - 1) >> fs->log_block_size);
	if (err) {
		/* Free what lies past the end again (blocks inside the file stay: harmless). */
		ext2_btruncate(vn, (vn->size + fs->block_size - 1) >> fs->log_block_size);
		return err;
	}
	if (end > vn->size) {
		vn->size = end;
		touch(vn);
	}
	return ext2_iwrite(vn);
}

long ext2_seek_data(struct pith_vnode *vn, uint64_t off, bool hole)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint64_t nblk = (vn->size + fs->block_size - 1) >> fs->log_block_size;
	uint64_t r, pos;

	if (off >= vn->size)
		return -ENXIO;
	r = ext2_bmap_scan(vn, off >> fs->log_block_size, nblk, !hole);
	if (!hole && r >= nblk)
		return -ENXIO;
	pos = r << fs->log_block_size;
	if (pos < off)
		pos = off;
	return (long)(pos > vn->size ? vn->size : pos);
}

bool ext2_fast_symlink(struct pith_vnode *vn)
{
	uint64_t ea = ext2_vi(vn)->raw.i_file_acl ? ext2_fs_of(vn)->block_size >> 9 : 0;

	return S_ISLNK(vn->mode) && vn->blocks <= ea; /* no data block: the target is in i_block */
}

long ext2_readlink(struct pith_vnode *vn, char *buf, size_t cap)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct ext2_vinfo *vi = ext2_vi(vn);
	size_t n = vn->size < cap ? (size_t)vn->size : cap;
	uint32_t pblk;
	bool fresh;
	int err;

	if (ext2_fast_symlink(vn)) {
		if (vn->size >= EXT2_FAST_SYMLINK_MAX)
			return ext2_corrupt(fs, "a fast symlink too long");
		memcpy(buf, vi->raw.i_block, n);
		return (long)n;
	}
	if (vn->size >= fs->block_size)
		return ext2_corrupt(fs, "a symlink longer than its block");
	err = ext2_bmap(vn, 0, false, &pblk, &fresh);
	if (!err)
		err = read_part(fs, pblk, (uint8_t *)buf, 0, n);
	return err ? err : (long)n;
}
