/* ext2: mount, unmount, sync and statfs; the superblock and group descriptors in memory. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "core/note.h"
#include "ext2/ext2.h"
#include "mem/mem.h"

PITH_COMPONENT_NOTE(ext2); /* here: pith_ext2_type, which the vfs refers to, is in this object */

int ext2_corrupt(struct ext2_fs *fs, const char *what)
{
	if (!fs->logged_corrupt) {
		char msg[160] = "corrupt filesystem: ";
		size_t n = strlen(msg), w = strlen(what);

		if (w > sizeof(msg) - n - 1)
			w = sizeof(msg) - n - 1;
		memcpy(msg + n, what, w);
		msg[n + w] = 0;
		pith_vfs_log(fs->mnt, msg);
		fs->logged_corrupt = true;
	}
	return -EIO;
}

/* The superblock's cache block and its offset in it. */
static uint64_t super_block(const struct ext2_fs *fs, uint32_t *off)
{
	*off = fs->block_size == 1024 ? 0 : EXT2_SUPER_OFFSET;
	return fs->block_size == 1024 ? 1 : 0;
}

static int write_super(struct ext2_fs *fs)
{
	uint32_t off;
	int err = 0;
	struct pith_buf *b = pith_bread(fs->cache, super_block(fs, &off), false, &err);
	struct timespec now;

	if (!b)
		return err;
	pith_vfs_now(&now);
	fs->sb.s_wtime = (uint32_t)now.tv_sec;
	memcpy(b->data + off, &fs->sb, sizeof(fs->sb));
	pith_bdirty(b, EXT2_WB_SUPER);
	pith_brelse(b);
	fs->sb_dirty = false;
	return 0;
}

static int write_groups(struct ext2_fs *fs)
{
	uint64_t first = fs->sb.s_first_data_block + 1;
	size_t total = (size_t)fs->ngroups * sizeof(*fs->gd);

	for (uint32_t i = 0; i < fs->gd_blocks; i++) {
		size_t at = (size_t)i * fs->block_size;
		size_t n = total - at < fs->block_size ? total - at : fs->block_size;
		int err = 0;
		struct pith_buf *b = pith_bread(fs->cache, first + i, false, &err);

		if (!b)
			return err;
		memcpy(b->data, (uint8_t *)fs->gd + at, n);
		pith_bdirty(b, EXT2_WB_BITMAP);
		pith_brelse(b);
	}
	fs->gd_dirty = false;
	return 0;
}

int ext2_super_dirty(struct ext2_fs *fs)
{
	int err = 0;

	if (fs->mnt->readonly)
		return 0;
	if (fs->gd_dirty)
		err = write_groups(fs);
	if (!err && fs->sb_dirty)
		err = write_super(fs);
	return err;
}

int ext2_barrier(struct ext2_fs *fs, bool flush)
{
	int err = ext2_super_dirty(fs);

	if (!err)
		err = pith_bcache_sync(fs->cache, flush);
	if (err)
		return err;
	fs->ndir_add = fs->ndir_rm = 0;
	ext2_frees_apply(fs);
	return 0;
}

/* Reads the group descriptors (through the cache) into fs->gd. */
static int read_groups(struct ext2_fs *fs)
{
	size_t total = (size_t)fs->ngroups * sizeof(*fs->gd);

	fs->gd = pith_kmalloc(total);
	if (!fs->gd)
		return -ENOMEM;
	for (uint32_t i = 0; i < fs->gd_blocks; i++) {
		size_t at = (size_t)i * fs->block_size;
		size_t n = total - at < fs->block_size ? total - at : fs->block_size;
		int err = 0;
		struct pith_buf *b =
		    pith_bread(fs->cache, fs->sb.s_first_data_block + 1 + i, false, &err);

		if (!b)
			return err;
		memcpy((uint8_t *)fs->gd + at, b->data, n);
		pith_brelse(b);
	}
	return ext2_check_groups(fs);
}

static void fs_free(struct ext2_fs *fs)
{
	if (fs->cache)
		pith_bcache_free(fs->cache);
	if (fs->gd)
		pith_kfree(fs->gd, (size_t)fs->ngroups * sizeof(*fs->gd));
	if (fs->bounce)
		pith_kfree(fs->bounce, fs->block_size);
	if (fs->zero)
		pith_kfree(fs->zero, fs->block_size);
	ext2_frees_drop(fs);
	pith_kfree(fs, sizeof(*fs));
}

/* Reads and checks the superblock, then sets up the cache and the group descriptors. */
static int fs_load(struct ext2_fs *fs)
{
	uint64_t size = pith_blk_size(fs->dev);
	int err;

	if (size < 2 * EXT2_SUPER_OFFSET) {
		pith_vfs_log(fs->mnt, "not an ext2 filesystem (the disk is too small)");
		return -EINVAL;
	}
	err = pith_blk_read(fs->dev, EXT2_SUPER_OFFSET, &fs->sb, sizeof(fs->sb));
	if (err)
		return err;
	err = ext2_check_super(fs, size);
	if (!err)
		err = ext2_check_features(fs);
	if (err)
		return err;
	fs->cache = pith_bcache_new(fs->dev, fs->block_size);
	fs->bounce = pith_kmalloc(fs->block_size);
	fs->zero = pith_kmalloc(fs->block_size);
	if (!fs->cache || !fs->bounce || !fs->zero)
		return -ENOMEM;
	return read_groups(fs);
}

/* Marks the filesystem in use on the disk (not clean until unmount), warns if it was not
   clean. */
static int fs_begin(struct ext2_fs *fs)
{
	struct timespec now;

	if (!(fs->sb.s_state & EXT2_VALID_FS))
		pith_vfs_log(fs->mnt, "warning: mounting an ext2 filesystem that was not cleanly "
				      "unmounted; run e2fsck on it");
	else if (fs->sb.s_state & EXT2_ERROR_FS)
		pith_vfs_log(fs->mnt, "warning: mounting an ext2 filesystem with errors; run "
				      "e2fsck on it");
	if (fs->mnt->readonly)
		return 0;
	fs->clean_at_mount = (fs->sb.s_state & EXT2_VALID_FS) && !(fs->sb.s_state & EXT2_ERROR_FS);
	pith_vfs_now(&now);
	fs->sb.s_state &= (uint16_t)~EXT2_VALID_FS;
	fs->sb.s_mnt_count++;
	fs->sb.s_mtime = (uint32_t)now.tv_sec;
	fs->sb_dirty = true;
	return ext2_barrier(fs, true);
}

static int ext2_mount(struct pith_mount *m)
{
	struct ext2_fs *fs = pith_kmalloc(sizeof(*fs));
	struct pith_vnode *root = NULL;
	int err;

	if (!fs)
		return -ENOMEM;
	fs->mnt = m;
	fs->dev = m->dev;
	m->priv = fs;
	err = fs_load(fs);
	if (!err)
		err = ext2_iget(fs, EXT2_ROOT_INO, &root);
	if (!err && !S_ISDIR(root->mode))
		err = -EINVAL;
	if (err == -EIO || (err == -EINVAL && root))
		pith_vfs_log(m, "corrupt ext2 filesystem: the root directory is unreadable");
	if (!err)
		err = fs_begin(fs);
	if (err) {
		if (root)
			pith_vnode_put(root);
		fs_free(fs);
		m->priv = NULL;
		return err == -EIO ? -EINVAL : err;
	}
	m->root = root;
	return 0;
}

static int ext2_sync(struct pith_mount *m, bool flush)
{
	struct ext2_fs *fs = m->priv;

	if (m->readonly)
		return 0;
	return ext2_barrier(fs, flush);
}

static int ext2_unmount(struct pith_mount *m)
{
	struct ext2_fs *fs = m->priv;
	int err = 0;

	if (!m->readonly) {
		ext2_orphans_release(fs);
		err = ext2_barrier(fs, false); /* then the frees it released are applied */
		if (!err && fs->clean_at_mount)
			fs->sb.s_state |= EXT2_VALID_FS;
		fs->sb_dirty = true;
		if (!err)
			err = ext2_barrier(fs, true);
	}
	fs_free(fs);
	m->priv = NULL;
	return err;
}

static int ext2_statfs(struct pith_mount *m, struct statfs *st)
{
	const struct ext2_fs *fs = m->priv;
	const struct ext2_super *sb = &fs->sb;

	uint64_t bpending = 0, ipending = 0, bfree;

	for (size_t i = 0; i < fs->nfrees; i++) /* freed, back in the bitmaps at the next barrier */
		*(fs->frees[i].kind == EXT2_FREE_BLOCKS ? &bpending : &ipending) +=
		    fs->frees[i].len;
	bfree = sb->s_free_blocks_count + bpending;
	memset(st, 0, sizeof(*st));
	st->f_type = EXT2_MAGIC;
	st->f_bsize = fs->block_size;
	st->f_frsize = fs->block_size;
	st->f_blocks = sb->s_blocks_count;
	st->f_bfree = bfree;
	st->f_bavail = bfree > sb->s_r_blocks_count ? bfree - sb->s_r_blocks_count : 0;
	st->f_files = sb->s_inodes_count;
	st->f_ffree = sb->s_free_inodes_count + ipending;
	memcpy(&st->f_fsid, sb->s_uuid, sizeof(st->f_fsid));
	st->f_namelen = EXT2_NAME_MAX;
	return 0;
}

const struct pith_fs_type pith_ext2_type = {
    .name = "ext2",
    .mount = ext2_mount,
    .sync = ext2_sync,
    .unmount = ext2_unmount,
    .statfs = ext2_statfs,
};
