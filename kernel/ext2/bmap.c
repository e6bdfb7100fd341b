/* ext2: the block map (direct and 1-3 level indirect blocks): lookup, allocation, truncation. */
#include <errno.h>
#include <string.h>

#include "ext2/ext2.h"
#include "mem/mem.h"

uint64_t ext2_max_blocks(const struct ext2_fs *fs)
{
	uint64_t p = fs->addr_per_block;
	uint64_t n = EXT2_NDIR + p + p * p + p * p * p;
	uint64_t by_iblocks = (0xffffffffull >> (fs->log_block_size - 9)) - p * p - p - 3;

	return n < by_iblocks ? n : by_iblocks; /* i_blocks (32 bits of sectors) limits too */
}

static uint64_t span(const struct ext2_fs *fs, int level);

/* Splits lblk into the i_block slot and the indices in each indirect level; the depth. */
static int bmap_path(const struct ext2_fs *fs, uint64_t lblk, unsigned *slot, uint32_t idx[3])
{
	uint64_t p = fs->addr_per_block;

	if (lblk < EXT2_NDIR) {
		*slot = (unsigned)lblk;
		return 0;
	}
	lblk -= EXT2_NDIR;
	if (lblk < p) {
		*slot = EXT2_IND;
		idx[0] = (uint32_t)lblk;
		return 1;
	}
	lblk -= p;
	if (lblk < p * p) {
		*slot = EXT2_DIND;
		idx[0] = (uint32_t)(lblk / p);
		idx[1] = (uint32_t)(lblk % p);
		return 2;
	}
	lblk -= p * p;
	if (lblk >= p * p * p)
		return -EFBIG;
	*slot = EXT2_TIND;
	idx[0] = (uint32_t)(lblk / (p * p));
	idx[1] = (uint32_t)(lblk / p % p);
	idx[2] = (uint32_t)(lblk % p);
	return 3;
}

/* Allocates a block near the file's goal for *slot (in buf, or in the inode if buf is NULL). */
static int bmap_alloc(struct pith_vnode *vn, uint32_t *slot, struct pith_buf *buf, bool ind)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct ext2_vinfo *vi = ext2_vi(vn);
	uint32_t nb;
	int err = ext2_balloc(fs, vi->goal, &nb);

	if (err)
		return err;
	if (ind) {
		/* Zeros on the disk before anything points to it; the cache's copy is zero. */
		struct pith_buf *z;

		err = ext2_write_block(fs, nb, fs->zero);
		z = err ? NULL : pith_bread(fs->cache, nb, true, &err);
		if (!z) {
			ext2_bfree(fs, nb, 1);
			return err;
		}
		pith_brelse(z);
	}
	*slot = nb;
	if (buf)
		pith_bdirty(buf, EXT2_WB_IND);
	ext2_iblocks_add(vn, 1);
	vi->goal = nb + 1;
	return 0;
}

/* Reads the indirect block b (checked) held. */
static struct pith_buf *ind_read(struct ext2_fs *fs, uint32_t b, int *err)
{
	if (!ext2_block_ok(fs, b)) {
		*err = ext2_corrupt(fs, "a block pointer out of range");
		return NULL;
	}
	return pith_bread(fs->cache, b, false, err);
}

int ext2_bmap(struct pith_vnode *vn, uint64_t lblk, bool alloc, uint32_t *pblk, bool *fresh)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint32_t idx[3], *slot;
	unsigned s;
	int depth = bmap_path(fs, lblk, &s, idx), err = 0;
	struct pith_buf *buf = NULL;

	*fresh = false;
	*pblk = 0;
	if (depth < 0)
		return depth;
	slot = &ext2_vi(vn)->raw.i_block[s];
	for (int i = 0; i < depth; i++) {
		struct pith_buf *next;

		if (*slot == 0 && (!alloc || (err = bmap_alloc(vn, slot, buf, true)) != 0))
			goto out;
		next = ind_read(fs, *slot, &err);
		if (buf)
			pith_brelse(buf);
		buf = next;
		if (!buf)
			return err;
		slot = (uint32_t *)buf->data + idx[i];
	}
	if (*slot == 0 && alloc) {
		err = bmap_alloc(vn, slot, buf, false);
		*fresh = !err;
	}
	if (*slot && !ext2_block_ok(fs, *slot))
		err = ext2_corrupt(fs, "a block pointer out of range");
	else
		*pblk = *slot;
out:
	if (buf)
		pith_brelse(buf);
	return err;
}

/* The region of the block map lblk lies in: its first logical block and depth. */
static uint64_t region_base(const struct ext2_fs *fs, int depth)
{
	uint64_t p = fs->addr_per_block;

	return depth == 1 ? EXT2_NDIR : depth == 2 ? EXT2_NDIR + p : EXT2_NDIR + p + p * p;
}

/* Like ext2_bmap without allocation, but a hole also says where it ends at least: *next is
   the first block past the missing subtree (lblk + 1 for a missing data block). */
static int bmap_peek(struct pith_vnode *vn, uint64_t lblk, uint32_t *pblk, uint64_t *next)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint32_t idx[3], slot_v;
	unsigned s;
	int depth = bmap_path(fs, lblk, &s, idx), err = 0;

	*next = lblk + 1;
	*pblk = 0;
	if (depth < 0)
		return depth;
	slot_v = ext2_vi(vn)->raw.i_block[s];
	for (int i = 0; i < depth && slot_v; i++) {
		struct pith_buf *buf = ind_read(fs, slot_v, &err);

		if (!buf)
			return err;
		slot_v = ((uint32_t *)buf->data)[idx[i]];
		pith_brelse(buf);
		if (slot_v == 0 && i + 1 < depth) {
			uint64_t sp = 1, rel = lblk - region_base(fs, depth);

			for (int k = i + 1; k < depth; k++)
				sp *= fs->addr_per_block;
			*next = region_base(fs, depth) + rel - rel % sp + sp;
		}
	}
	if (slot_v == 0 && depth > 0 && ext2_vi(vn)->raw.i_block[s] == 0) {
		uint64_t sp = span(fs, depth + 1);

		*next = region_base(fs, depth) + sp;
	}
	*pblk = slot_v;
	return 0;
}

uint64_t ext2_bmap_scan(struct pith_vnode *vn, uint64_t lblk, uint64_t end, bool want_data)
{
	while (lblk < end) {
		uint32_t pblk;
		uint64_t next;

		if (bmap_peek(vn, lblk, &pblk, &next) < 0)
			return lblk; /* an unreadable block counts as data: reading it says EIO */
		if ((pblk != 0) == want_data)
			return lblk;
		lblk = pblk ? lblk + 1 : next;
	}
	return end;
}

/* ---- truncation: collect the freed blocks as runs, free them after the pointers are gone */

struct runs {
	struct {
		uint32_t start, len;
	} * r;
	size_t n, cap;
	int err;
};

static void runs_add(struct runs *rs, uint32_t b)
{
	if (rs->n && rs->r[rs->n - 1].start + rs->r[rs->n - 1].len == b) {
		rs->r[rs->n - 1].len++;
		return;
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		void *p = pith_kmalloc(cap * sizeof(*rs->r));

		if (!p) {
			rs->err = -ENOMEM; /* the block leaks (e2fsck -p reclaims it) */
			return;
		}
		if (rs->n)
			memcpy(p, rs->r, rs->n * sizeof(*rs->r));
		if (rs->r)
			pith_kfree(rs->r, rs->cap * sizeof(*rs->r));
		rs->r = p;
		rs->cap = cap;
	}
	rs->r[rs->n].start = b;
	rs->r[rs->n++].len = 1;
}

/* Span in logical blocks of one pointer at `level` (1: a data block). */
static uint64_t span(const struct ext2_fs *fs, int level)
{
	uint64_t s = 1;

	while (--level > 0)
		s *= fs->addr_per_block;
	return s;
}

/* Frees what the indirect block b (at level >= 1) maps from relative block `from`; true if b
   maps nothing any more (then b itself is freed by the caller). */
static bool trunc_tree(struct pith_vnode *vn, uint32_t b, int level, uint64_t from, struct runs *rs)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint64_t cs = span(fs, level);
	int err = 0;
	struct pith_buf *buf = ind_read(fs, b, &err);
	uint32_t *p;
	bool empty = true;

	if (!buf)
		return false;
	p = (uint32_t *)buf->data;
	for (uint32_t i = 0; i < fs->addr_per_block; i++) {
		uint64_t first = (uint64_t)i * cs;

		if (p[i] && first + cs > from &&
		    (level == 1 || !ext2_block_ok(fs, p[i]) ||
		     trunc_tree(vn, p[i], level - 1, first >= from ? 0 : from - first, rs))) {
			if (ext2_block_ok(fs, p[i]))
				runs_add(rs, p[i]);
			p[i] = 0;
			pith_bdirty(buf, EXT2_WB_IND);
		}
		empty &= p[i] == 0;
	}
	pith_brelse(buf);
	return empty;
}

/* Clears every pointer at or past `from`, collecting the blocks in rs. */
static void trunc_map(struct pith_vnode *vn, uint64_t from, struct runs *rs)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint32_t *ib = ext2_vi(vn)->raw.i_block;
	uint64_t base = EXT2_NDIR;

	for (uint64_t i = from; i < EXT2_NDIR; i++) {
		if (ib[i] && ext2_block_ok(fs, ib[i]))
			runs_add(rs, ib[i]);
		ib[i] = 0;
	}
	for (int level = 1; level <= 3; level++) {
		uint64_t s = span(fs, level + 1);
		uint32_t *slot = &ib[EXT2_IND + level - 1];

		if (*slot && from < base + s &&
		    (!ext2_block_ok(fs, *slot) ||
		     trunc_tree(vn, *slot, level, from > base ? from - base : 0, rs))) {
			if (ext2_block_ok(fs, *slot))
				runs_add(rs, *slot);
			*slot = 0;
		}
		base += s;
	}
}

int ext2_btruncate(struct pith_vnode *vn, uint64_t from)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct runs rs = {0};
	int err;

	trunc_map(vn, from, &rs);
	for (size_t i = 0; i < rs.n; i++)
		ext2_iblocks_add(vn, -(int64_t)rs.r[i].len);
	err = ext2_iwrite(vn);
	for (size_t i = 0; i < rs.n && !err; i++) /* at the next barrier: pointers gone first */
		ext2_bfree(fs, rs.r[i].start, rs.r[i].len);
	if (rs.r)
		pith_kfree(rs.r, rs.cap * sizeof(*rs.r));
	return err ? err : rs.err;
}
