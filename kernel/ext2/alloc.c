/* ext2: block and inode allocation in the groups' bitmaps, with the free counts kept right. */
#include <errno.h>
#include <string.h>

#include "ext2/ext2.h"
#include "mem/mem.h"

uint32_t ext2_group_of_block(const struct ext2_fs *fs, uint32_t b)
{
	if (b < fs->sb.s_first_data_block)
		return 0;
	return (b - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
}

/* Blocks in group g (the last group may be short). */
static uint32_t group_nblocks(const struct ext2_fs *fs, uint32_t g)
{
	uint64_t start = fs->sb.s_first_data_block + (uint64_t)g * fs->sb.s_blocks_per_group;
	uint64_t n = fs->sb.s_blocks_count - start;

	return n < fs->sb.s_blocks_per_group ? (uint32_t)n : fs->sb.s_blocks_per_group;
}

/* The first clear bit in [from, n) of a bitmap, or n. */
static uint32_t find_zero(const uint8_t *map, uint32_t from, uint32_t n)
{
	uint32_t i = from;

	while (i < n) {
		if ((i & 7) == 0 && map[i >> 3] == 0xff) {
			i += 8;
			continue;
		}
		if (!(map[i >> 3] & (1u << (i & 7))))
			return i;
		i++;
	}
	return n;
}

/* Takes a free, non-metadata block of group g in bits [from, to); 0 or -ENOSPC. */
static int take_block(struct ext2_fs *fs, uint32_t g, uint32_t from, uint32_t to, uint32_t *out)
{
	uint64_t start = fs->sb.s_first_data_block + (uint64_t)g * fs->sb.s_blocks_per_group;
	int err = 0;
	struct pith_buf *b = pith_bread(fs->cache, fs->gd[g].bg_block_bitmap, false, &err);

	if (!b)
		return err;
	for (uint32_t i = find_zero(b->data, from, to); i < to; i = find_zero(b->data, i + 1, to)) {
		if (ext2_block_is_meta(fs, start + i)) {
			ext2_corrupt(fs, "a block bitmap marks metadata free");
			continue;
		}
		b->data[i >> 3] |= (uint8_t)(1u << (i & 7));
		pith_bdirty(b, EXT2_WB_BITMAP);
		pith_brelse(b);
		fs->gd[g].bg_free_blocks_count--;
		fs->sb.s_free_blocks_count--;
		fs->gd_dirty = fs->sb_dirty = true;
		*out = (uint32_t)(start + i);
		return 0;
	}
	pith_brelse(b);
	return -ENOSPC;
}

static int balloc_once(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	uint32_t g0, bit;

	if (fs->sb.s_free_blocks_count == 0)
		return -ENOSPC;
	if (goal < fs->sb.s_first_data_block || goal >= fs->sb.s_blocks_count)
		goal = fs->sb.s_first_data_block;
	g0 = ext2_group_of_block(fs, goal);
	bit = goal - fs->sb.s_first_data_block - g0 * fs->sb.s_blocks_per_group;
	for (uint32_t k = 0; k <= fs->ngroups; k++) {
		uint32_t g = (g0 + k) % fs->ngroups;
		uint32_t from = k == 0 ? bit : 0,
			 to = k == fs->ngroups ? bit : group_nblocks(fs, g);
		int err;

		if (fs->gd[g].bg_free_blocks_count == 0)
			continue;
		err = take_block(fs, g, from, to, out);
		if (err != -ENOSPC)
			return err;
	}
	return -ENOSPC;
}

int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	int err = balloc_once(fs, goal, out);

	if (err == -ENOSPC && fs->nfrees && ext2_barrier(fs, false) == 0)
		err = balloc_once(fs, goal, out); /* blocks freed since the last barrier */
	return err;
}

/* Clears the bits of blocks [b, b + count) now. */
static void bfree_now(struct ext2_fs *fs, uint32_t b, uint32_t count)
{
	for (; count; count--, b++) {
		uint32_t g = ext2_group_of_block(fs, b), i;
		int err = 0;
		struct pith_buf *buf;

		if (!ext2_block_ok(fs, b)) {
			ext2_corrupt(fs, "freeing a block outside the data area");
			continue;
		}
		buf = pith_bread(fs->cache, fs->gd[g].bg_block_bitmap, false, &err);
		if (!buf)
			continue;
		i = b - fs->sb.s_first_data_block - g * fs->sb.s_blocks_per_group;
		if (buf->data[i >> 3] & (1u << (i & 7))) {
			buf->data[i >> 3] &= (uint8_t) ~(1u << (i & 7));
			pith_bdirty(buf, EXT2_WB_BITMAP);
			fs->gd[g].bg_free_blocks_count++;
			fs->sb.s_free_blocks_count++;
			fs->gd_dirty = fs->sb_dirty = true;
		} else {
			ext2_corrupt(fs, "a block freed twice");
		}
		pith_brelse(buf);
	}
}

/* Takes a free inode of group g: 0 or -ENOSPC. */
static int take_inode(struct ext2_fs *fs, uint32_t g, bool is_dir, uint32_t *out)
{
	uint32_t ipg = fs->sb.s_inodes_per_group;
	int err = 0;
	struct pith_buf *b = pith_bread(fs->cache, fs->gd[g].bg_inode_bitmap, false, &err);

	if (!b)
		return err;
	for (uint32_t i = find_zero(b->data, 0, ipg); i < ipg; i = find_zero(b->data, i + 1, ipg)) {
		uint64_t ino = (uint64_t)g * ipg + i + 1;

		if (ino < fs->first_ino)
			continue;
		if (ino > fs->sb.s_inodes_count)
			break;
		b->data[i >> 3] |= (uint8_t)(1u << (i & 7));
		pith_bdirty(b, EXT2_WB_BITMAP);
		pith_brelse(b);
		fs->gd[g].bg_free_inodes_count--;
		if (is_dir)
			fs->gd[g].bg_used_dirs_count++;
		fs->sb.s_free_inodes_count--;
		fs->gd_dirty = fs->sb_dirty = true;
		*out = (uint32_t)ino;
		return 0;
	}
	pith_brelse(b);
	return -ENOSPC;
}

/* A directory's group: the one after the parent's with at least the average free inodes and
   the most free blocks (directories spread across groups, Orlov-like). */
static uint32_t dir_group(const struct ext2_fs *fs, uint32_t parent_group)
{
	uint32_t avg = fs->sb.s_free_inodes_count / fs->ngroups, best = parent_group;
	int best_blocks = -1;

	for (uint32_t k = 1; k <= fs->ngroups; k++) {
		uint32_t g = (parent_group + k) % fs->ngroups;
		const struct ext2_group_desc *gd = &fs->gd[g];

		if (gd->bg_free_inodes_count && gd->bg_free_inodes_count >= avg &&
		    (int)gd->bg_free_blocks_count > best_blocks) {
			best = g;
			best_blocks = gd->bg_free_blocks_count;
		}
	}
	return best;
}

static int ialloc_once(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir, uint32_t *out)
{
	uint32_t pg = (dir_ino - 1) / fs->sb.s_inodes_per_group, g0;

	if (fs->sb.s_free_inodes_count == 0)
		return -ENOSPC;
	if (pg >= fs->ngroups)
		pg = 0;
	g0 = is_dir ? dir_group(fs, pg) : pg;
	for (uint32_t k = 0; k < fs->ngroups; k++) {
		uint32_t g = (g0 + k) % fs->ngroups;
		int err;

		if (fs->gd[g].bg_free_inodes_count == 0)
			continue;
		err = take_inode(fs, g, is_dir, out);
		if (err != -ENOSPC)
			return err;
	}
	return -ENOSPC;
}

int ext2_ialloc(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir, uint32_t *out)
{
	int err = ialloc_once(fs, dir_ino, is_dir, out);

	if (err == -ENOSPC && fs->nfrees && ext2_barrier(fs, false) == 0)
		err = ialloc_once(fs, dir_ino, is_dir, out);
	return err;
}

/* Clears the bit of inode ino now. */
static void ifree_now(struct ext2_fs *fs, uint32_t ino, bool is_dir)
{
	uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
	uint32_t i = (ino - 1) % fs->sb.s_inodes_per_group;
	int err = 0;
	struct pith_buf *b;

	if (ino < fs->first_ino || ino > fs->sb.s_inodes_count || g >= fs->ngroups)
		return;
	b = pith_bread(fs->cache, fs->gd[g].bg_inode_bitmap, false, &err);
	if (!b)
		return;
	if (b->data[i >> 3] & (1u << (i & 7))) {
		b->data[i >> 3] &= (uint8_t) ~(1u << (i & 7));
		pith_bdirty(b, EXT2_WB_BITMAP);
		fs->gd[g].bg_free_inodes_count++;
		if (is_dir && fs->gd[g].bg_used_dirs_count)
			fs->gd[g].bg_used_dirs_count--;
		fs->sb.s_free_inodes_count++;
		fs->gd_dirty = fs->sb_dirty = true;
	} else {
		ext2_corrupt(fs, "an inode freed twice");
	}
	pith_brelse(b);
}

/* ---- frees wait for the next barrier ------------------------------------------------------ */

/* Queues a free; false if the queue cannot grow (then the caller frees at once). */
static bool free_later(struct ext2_fs *fs, struct ext2_free f)
{
	struct ext2_free *last = fs->nfrees ? &fs->frees[fs->nfrees - 1] : NULL;

	if (last && f.kind == EXT2_FREE_BLOCKS && last->kind == EXT2_FREE_BLOCKS &&
	    last->start + last->len == f.start) {
		last->len += f.len;
		return true;
	}
	if (fs->nfrees == fs->frees_cap) {
		size_t cap = fs->frees_cap ? fs->frees_cap * 2 : 64;
		struct ext2_free *p = pith_kmalloc(cap * sizeof(*p));

		if (!p)
			return false;
		if (fs->nfrees)
			memcpy(p, fs->frees, fs->nfrees * sizeof(*p));
		ext2_frees_drop(fs);
		fs->frees = p;
		fs->frees_cap = cap;
	}
	fs->frees[fs->nfrees++] = f;
	return true;
}

void ext2_bfree(struct ext2_fs *fs, uint32_t b, uint32_t count)
{
	if (!free_later(fs, (struct ext2_free){b, count, EXT2_FREE_BLOCKS}))
		bfree_now(fs, b, count);
}

void ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool is_dir)
{
	uint8_t kind = is_dir ? EXT2_FREE_DIR_INODE : EXT2_FREE_INODE;

	if (!free_later(fs, (struct ext2_free){ino, 1, kind}))
		ifree_now(fs, ino, is_dir);
}

void ext2_frees_apply(struct ext2_fs *fs)
{
	for (size_t i = 0; i < fs->nfrees; i++) {
		const struct ext2_free *f = &fs->frees[i];

		if (f->kind != EXT2_FREE_BLOCKS) {
			ifree_now(fs, f->start, f->kind == EXT2_FREE_DIR_INODE);
			continue;
		}
		for (uint32_t k = 0; k < f->len; k++)
			pith_bforget(fs->cache,
				     (uint64_t)f->start + k); /* no stale copy survives */
		bfree_now(fs, f->start, f->len);
	}
	fs->nfrees = 0;
}

void ext2_frees_drop(struct ext2_fs *fs)
{
	if (fs->frees)
		pith_kfree(fs->frees, fs->frees_cap * sizeof(*fs->frees));
	fs->frees = NULL;
	fs->frees_cap = 0;
}
