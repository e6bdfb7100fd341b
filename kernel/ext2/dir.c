/* ext2: linear directories (hashed ones read linearly): lookup, readdir, add, remove entries. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "ext2/ext2.h"

/* rec_len on the disk: 64 KiB blocks store 65536 as 0 or 65535 (as Linux does). */
static uint32_t rec_get(const struct ext2_fs *fs, const struct ext2_dirent *de)
{
	if (fs->block_size == 65536 && (de->rec_len == 0 || de->rec_len == 65535))
		return 65536;
	return de->rec_len;
}

static void rec_set(struct ext2_dirent *de, uint32_t len)
{
	de->rec_len = len >= 65536 ? 65535 : (uint16_t)len;
}

static struct ext2_dirent *dent(struct pith_buf *b, uint32_t off)
{
	return (struct ext2_dirent *)(b->data + off);
}

/* Every entry of a block obeys the rec_len rules (Poirier 4.1): -EIO otherwise. */
static int block_check(struct ext2_fs *fs, const uint8_t *data)
{
	uint32_t off = 0;

	while (off < fs->block_size) {
		const struct ext2_dirent *de = (const void *)(data + off);
		uint32_t rec;

		if (fs->block_size - off < 8)
			return ext2_corrupt(fs, "a directory entry crosses its block");
		rec = rec_get(fs, de);
		if (rec < 8 || rec % 4 || rec > fs->block_size - off ||
		    rec < EXT2_DIR_REC_LEN(de->name_len) || de->inode > fs->sb.s_inodes_count)
			return ext2_corrupt(fs,
					    "a bad directory entry (rec_len, name_len or inode)");
		off += rec;
	}
	return 0;
}

/* Number of blocks of a directory (its size must be whole blocks). */
static int dir_nblocks(struct pith_vnode *dir, uint64_t *n)
{
	struct ext2_fs *fs = ext2_fs_of(dir);

	*n = 0;
	if (dir->size & (fs->block_size - 1))
		return ext2_corrupt(fs, "a directory size that is not whole blocks");
	*n = dir->size >> fs->log_block_size;
	return 0;
}

/* Block lblk of a directory, checked and held. */
static struct pith_buf *dir_block(struct pith_vnode *dir, uint64_t lblk, int *err)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	struct pith_buf *b;
	uint32_t pblk;
	bool fresh;

	*err = ext2_bmap(dir, lblk, false, &pblk, &fresh);
	if (*err)
		return NULL;
	if (pblk == 0) {
		*err = ext2_corrupt(fs, "a hole in a directory");
		return NULL;
	}
	b = pith_bread(fs->cache, pblk, false, err);
	if (b && (*err = block_check(fs, b->data)) != 0) {
		pith_brelse(b);
		return NULL;
	}
	return b;
}

static bool name_is(const struct ext2_dirent *de, const char *name, size_t len)
{
	return de->inode && de->name_len == len && memcmp(de->name, name, len) == 0;
}

/* Finds name: its block held in *bp, the entry's offset in *offp and the previous entry's
   offset (or UINT32_MAX) in *prevp. 0, -ENOENT or -EIO. */
static int dir_search(struct pith_vnode *dir, const char *name, size_t len, struct pith_buf **bp,
		      uint32_t *offp, uint32_t *prevp)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	uint64_t n;
	int err = dir_nblocks(dir, &n);

	for (uint64_t l = 0; l < n && !err; l++) {
		struct pith_buf *b = dir_block(dir, l, &err);
		uint32_t prev = UINT32_MAX;

		for (uint32_t off = 0; b && off < fs->block_size;
		     off += rec_get(fs, dent(b, off))) {
			if (name_is(dent(b, off), name, len)) {
				*bp = b;
				*offp = off;
				*prevp = prev;
				return 0;
			}
			prev = off;
		}
		if (b)
			pith_brelse(b);
	}
	return err ? err : -ENOENT;
}

int ext2_dir_find(struct pith_vnode *dir, const char *name, size_t len, uint32_t *ino)
{
	struct pith_buf *b;
	uint32_t off, prev;
	int err = dir_search(dir, name, len, &b, &off, &prev);

	*ino = 0;
	if (err)
		return err == -ENOENT ? 0 : err;
	*ino = dent(b, off)->inode;
	pith_brelse(b);
	return 0;
}

static uint8_t ftype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return EXT2_FT_REG;
	case S_IFDIR:
		return EXT2_FT_DIR;
	case S_IFCHR:
		return EXT2_FT_CHR;
	case S_IFBLK:
		return EXT2_FT_BLK;
	case S_IFIFO:
		return EXT2_FT_FIFO;
	case S_IFSOCK:
		return EXT2_FT_SOCK;
	case S_IFLNK:
		return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

static void dent_fill(struct ext2_fs *fs, struct ext2_dirent *de, const char *name, size_t len,
		      uint32_t ino, uint32_t mode)
{
	de->inode = ino;
	de->name_len = (uint8_t)len;
	de->file_type = fs->filetype ? ftype(mode) : 0;
	memcpy(de->name, name, len);
}

/* A directory changed: times, and a hashed directory becomes linear (its index would be stale;
   e2fsck accepts a cleared EXT2_INDEX_FL). */
static int dir_changed(struct pith_vnode *dir)
{
	ext2_vi(dir)->raw.i_flags &= ~EXT2_INDEX_FL;
	pith_vfs_now(&dir->mtime);
	dir->ctime = dir->mtime;
	return ext2_iwrite(dir);
}

/* ---- ordering: a block takes additions or removals between two barriers, not both ------ */

static bool in_set(const uint64_t *set, unsigned n, uint64_t blk)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i] == blk)
			return true;
	return false;
}

/*
 * Directory block blk is about to gain an entry (or lose or replace one: removal). Its two
 * kinds of change have different write-back classes (EXT2_WB_DIR before the inodes,
 * EXT2_WB_DIR_RM after them) and a dirty block goes with the lower one, so a block with
 * changes of the other kind pending must reach the disk first: false then (or when the
 * record is full), and the caller releases the block, calls ext2_barrier and retries.
 */
static bool claim(struct ext2_fs *fs, uint64_t blk, bool removal)
{
	uint64_t *mine = removal ? fs->dir_rm : fs->dir_add;
	unsigned *n = removal ? &fs->ndir_rm : &fs->ndir_add;

	if (removal ? !fs->dir_move && in_set(fs->dir_add, fs->ndir_add, blk)
		    : in_set(fs->dir_rm, fs->ndir_rm, blk))
		return false;
	if (in_set(mine, *n, blk))
		return true;
	if (*n == EXT2_DIR_SET)
		return false;
	mine[(*n)++] = blk;
	return true;
}

/* The claim, after a barrier if needed; -EIO if it still fails (the barrier failed). */
static int claim_now(struct ext2_fs *fs, uint64_t blk, bool removal)
{
	int err;

	if (claim(fs, blk, removal))
		return 0;
	err = ext2_barrier(fs, false);
	if (!err && !claim(fs, blk, removal))
		err = -EIO;
	return err;
}

/* The offset of an entry of block b with room for a name of len bytes after its own, or
   UINT32_MAX. */
static uint32_t find_room(struct ext2_fs *fs, struct pith_buf *b, size_t len)
{
	uint32_t need = EXT2_DIR_REC_LEN(len);

	for (uint32_t off = 0; off < fs->block_size;) {
		struct ext2_dirent *de = dent(b, off);
		uint32_t rec = rec_get(fs, de),
			 used = de->inode ? EXT2_DIR_REC_LEN(de->name_len) : 0;

		if (rec - used >= need)
			return off;
		off += rec;
	}
	return UINT32_MAX;
}

/* Puts the entry into the slack of the entry at off (found by find_room). */
static void insert_at(struct ext2_fs *fs, struct pith_buf *b, uint32_t off, const char *name,
		      size_t len, uint32_t ino, uint32_t mode)
{
	struct ext2_dirent *de = dent(b, off);
	uint32_t rec = rec_get(fs, de), used = de->inode ? EXT2_DIR_REC_LEN(de->name_len) : 0;

	if (used) {
		rec_set(de, used);
		de = dent(b, off + used);
		rec_set(de, rec - used);
	}
	dent_fill(fs, de, name, len, ino, mode);
	pith_bdirty(b, EXT2_WB_DIR);
}

/* Adds the entry to block l if it has room: 1 if done, 0 if no room, -errno. */
static int block_add(struct pith_vnode *dir, uint64_t l, const char *name, size_t len, uint32_t ino,
		     uint32_t mode)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	int err;
	struct pith_buf *b = dir_block(dir, l, &err);
	uint32_t off;

	if (!b)
		return err;
	off = find_room(fs, b, len);
	if (off != UINT32_MAX && !claim(fs, b->blockno, false)) {
		pith_brelse(b);
		err = claim_now(fs, b->blockno, false); /* the block is unchanged meanwhile */
		b = err ? NULL : dir_block(dir, l, &err);
		if (!b)
			return err;
	}
	if (off != UINT32_MAX)
		insert_at(fs, b, off, name, len, ino, mode);
	pith_brelse(b);
	return off != UINT32_MAX;
}

/* A directory's new block, initialised by fill, written to the disk before anything names it. */
static int new_dir_block(struct pith_vnode *dir, uint64_t l,
			 void (*fill)(struct ext2_fs *, struct pith_buf *, const void *),
			 const void *arg)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	struct pith_buf *b;
	uint32_t pblk;
	bool fresh;
	int err = ext2_bmap(dir, l, true, &pblk, &fresh);

	if (!err)
		err = claim_now(fs, pblk, false);
	if (err)
		return err;
	b = pith_bread(fs->cache, pblk, true, &err);
	if (!b)
		return err;
	fill(fs, b, arg);
	err = ext2_write_block(fs, pblk, b->data);
	pith_bdirty(b, EXT2_WB_DIR);
	pith_brelse(b);
	if (!err)
		dir->size = (l + 1) << fs->log_block_size;
	return err;
}

struct one_entry {
	const char *name;
	size_t len;
	uint32_t ino, mode;
};

static void fill_one(struct ext2_fs *fs, struct pith_buf *b, const void *arg)
{
	const struct one_entry *e = arg;

	rec_set(dent(b, 0), fs->block_size);
	dent_fill(fs, dent(b, 0), e->name, e->len, e->ino, e->mode);
}

int ext2_dir_add(struct pith_vnode *dir, const char *name, size_t len, uint32_t ino, uint32_t mode)
{
	struct one_entry e = {name, len, ino, mode};
	uint64_t n;
	int err = dir_nblocks(dir, &n), done = 0;

	struct ext2_vinfo *vi = ext2_vi(dir);
	uint32_t need = EXT2_DIR_REC_LEN(len);

	/* Blocks before room_hint have no room for room_need bytes or more: skip them. */
	for (uint64_t l = need >= vi->room_need ? vi->room_hint : 0; l < n && !err && !done; l++) {
		done = block_add(dir, l, name, len, ino, mode);
		err = done < 0 ? done : 0;
		if (!done && !err) {
			vi->room_hint = l + 1;
			vi->room_need = need;
		}
	}
	if (!err && !done)
		err = new_dir_block(dir, n, fill_one, &e);
	if (err)
		return err;
	return dir_changed(dir);
}

/* Finds name for a removal or replacement (the block claimed, held). */
static int search_claimed(struct pith_vnode *dir, const char *name, size_t len,
			  struct pith_buf **bp, uint32_t *off, uint32_t *prev)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	int err = dir_search(dir, name, len, bp, off, prev);
	uint64_t blk;

	if (err || claim(fs, (*bp)->blockno, true))
		return err;
	blk = (*bp)->blockno;
	pith_brelse(*bp);
	err = claim_now(fs, blk, true);
	return err ? err : dir_search(dir, name, len, bp, off, prev);
}

int ext2_dir_remove(struct pith_vnode *dir, const char *name, size_t len)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	struct pith_buf *b;
	uint32_t off, prev;
	int err = search_claimed(dir, name, len, &b, &off, &prev);

	if (err)
		return err;
	if (prev != UINT32_MAX)
		rec_set(dent(b, prev), rec_get(fs, dent(b, prev)) + rec_get(fs, dent(b, off)));
	else
		dent(b, off)->inode = 0;
	ext2_vi(dir)->room_hint = 0; /* a block has room again */
	pith_bdirty(b, EXT2_WB_DIR_RM);
	pith_brelse(b);
	return dir_changed(dir);
}

int ext2_dir_set(struct pith_vnode *dir, const char *name, size_t len, uint32_t ino, uint32_t mode)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	struct pith_buf *b;
	uint32_t off, prev;
	int err = search_claimed(dir, name, len, &b, &off, &prev);

	if (err)
		return err;
	dent(b, off)->inode = ino;
	dent(b, off)->file_type = fs->filetype ? ftype(mode) : 0;
	pith_bdirty(b, EXT2_WB_DIR_RM);
	pith_brelse(b);
	return dir_changed(dir);
}

static bool is_dot_or_dotdot(const struct ext2_dirent *de)
{
	return (de->name_len == 1 && de->name[0] == '.') ||
	       (de->name_len == 2 && de->name[0] == '.' && de->name[1] == '.');
}

int ext2_dir_empty(struct pith_vnode *dir)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	uint64_t n;
	int err = dir_nblocks(dir, &n);

	for (uint64_t l = 0; l < n && !err; l++) {
		struct pith_buf *b = dir_block(dir, l, &err);

		for (uint32_t off = 0; b && off < fs->block_size;
		     off += rec_get(fs, dent(b, off))) {
			if (dent(b, off)->inode && !is_dot_or_dotdot(dent(b, off))) {
				err = -ENOTEMPTY;
				break;
			}
		}
		if (b)
			pith_brelse(b);
	}
	return err;
}

static void fill_dots(struct ext2_fs *fs, struct pith_buf *b, const void *arg)
{
	const uint32_t *ino = arg; /* this directory, its parent */

	rec_set(dent(b, 0), 12);
	dent_fill(fs, dent(b, 0), ".", 1, ino[0], S_IFDIR);
	rec_set(dent(b, 12), fs->block_size - 12);
	dent_fill(fs, dent(b, 12), "..", 2, ino[1], S_IFDIR);
}

int ext2_dir_init(struct pith_vnode *dir, uint32_t parent)
{
	uint32_t ino[2] = {(uint32_t)dir->ino, parent};

	return new_dir_block(dir, 0, fill_dots, ino);
}

static unsigned dtype(const struct ext2_fs *fs, uint8_t ft)
{
	static const unsigned map[8] = {DT_UNKNOWN, DT_REG,  DT_DIR,  DT_CHR,
					DT_BLK,	    DT_FIFO, DT_SOCK, DT_LNK};

	return fs->filetype && ft < 8 ? map[ft] : DT_UNKNOWN;
}

/* Gives fill the entries of one block from byte boff on; false if fill said stop. */
static bool block_emit(struct ext2_fs *fs, struct pith_buf *b, uint64_t base, uint32_t boff,
		       uint64_t *cookie, pith_filldir_t fill, void *ctx)
{
	for (uint32_t off = 0; off < fs->block_size; off += rec_get(fs, dent(b, off))) {
		const struct ext2_dirent *de = dent(b, off);
		uint64_t next = base + off + rec_get(fs, de);

		if (off < boff || !de->inode)
			continue;
		if (!fill(ctx, de->name, de->name_len, de->inode, dtype(fs, de->file_type), next))
			return false;
		*cookie = next;
	}
	return true;
}

int ext2_readdir(struct pith_vnode *dir, uint64_t *cookie, pith_filldir_t fill, void *ctx)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	uint64_t n;
	int err = dir_nblocks(dir, &n);

	while (!err && *cookie < dir->size) {
		uint64_t l = *cookie >> fs->log_block_size, base = l << fs->log_block_size;
		struct pith_buf *b = dir_block(dir, l, &err);
		bool more;

		if (!b)
			break;
		more = block_emit(fs, b, base, (uint32_t)(*cookie - base), cookie, fill, ctx);
		pith_brelse(b);
		if (!more)
			return 0;
		*cookie = base + fs->block_size;
	}
	return err;
}
