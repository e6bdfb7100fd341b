/* ext2: inodes between the disk (inode tables, through the block cache) and vnodes. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ext2/ext2.h"
#include "mem/mem.h"

/* The inode table block holding ino and the byte offset of ino in it. */
static uint64_t inode_where(const struct ext2_fs *fs, uint32_t ino, uint32_t *off)
{
	uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
	uint32_t idx = (ino - 1) % fs->sb.s_inodes_per_group;

	*off = (idx % fs->inodes_per_block) * fs->inode_size;
	return fs->gd[g].bg_inode_table + idx / fs->inodes_per_block;
}

static int inode_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw)
{
	uint32_t off;
	int err = 0;
	struct pith_buf *b = pith_bread(fs->cache, inode_where(fs, ino, &off), false, &err);

	if (!b)
		return err;
	memcpy(raw, b->data + off, sizeof(*raw));
	pith_brelse(b);
	return 0;
}

/* Device numbers as Linux's ext2 stores them in i_block: old (8:8) in [0], else new in [1]. */
static uint64_t inode_rdev(const struct ext2_inode *raw)
{
	uint32_t v = raw->i_block[0];

	if (v)
		return makedev((v >> 8) & 0xff, v & 0xff);
	v = raw->i_block[1];
	return makedev((v & 0xfff00) >> 8, (v & 0xff) | ((v >> 12) & 0xfff00));
}

static void encode_rdev(struct ext2_inode *raw, uint64_t rdev)
{
	uint32_t ma = major(rdev), mi = minor(rdev);

	if (ma < 256 && mi < 256) {
		raw->i_block[0] = ma << 8 | mi;
		raw->i_block[1] = 0;
	} else {
		raw->i_block[0] = 0;
		raw->i_block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
	}
	raw->i_block[2] = 0;
}

static bool is_dev(uint32_t mode)
{
	return S_ISCHR(mode) || S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode);
}

/* The vnode's attributes from its on-disk inode. */
static void vnode_fill(struct pith_vnode *vn, const struct ext2_inode *raw)
{
	vn->mode = raw->i_mode;
	vn->nlink = raw->i_links_count;
	vn->uid = raw->i_uid | (uint32_t)raw->l_i_uid_high << 16;
	vn->gid = raw->i_gid | (uint32_t)raw->l_i_gid_high << 16;
	vn->size = raw->i_size;
	if (S_ISREG(raw->i_mode))
		vn->size |= (uint64_t)raw->i_size_high << 32;
	vn->blocks = raw->i_blocks;
	vn->rdev = S_ISCHR(raw->i_mode) || S_ISBLK(raw->i_mode) ? inode_rdev(raw) : 0;
	vn->atime = (struct timespec){raw->i_atime, 0};
	vn->mtime = (struct timespec){raw->i_mtime, 0};
	vn->ctime = (struct timespec){raw->i_ctime, 0};
	vn->ops = &ext2_vnode_ops;
}

static bool mode_ok(uint32_t mode)
{
	return S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode) || is_dev(mode);
}

/* Loads a fresh vnode from the disk. */
static int vnode_load(struct ext2_fs *fs, struct pith_vnode *vn)
{
	struct ext2_vinfo *vi = pith_kmalloc(sizeof(*vi));
	int err;

	if (!vi)
		return -ENOMEM;
	err = inode_read(fs, (uint32_t)vn->ino, &vi->raw);
	if (!err && (vi->raw.i_links_count == 0 || !mode_ok(vi->raw.i_mode)))
		err = ext2_corrupt(fs, "a directory entry names a free or invalid inode");
	if (err) {
		pith_kfree(vi, sizeof(*vi));
		return err;
	}
	vn->priv = vi;
	vnode_fill(vn, &vi->raw);
	return 0;
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct pith_vnode **out)
{
	struct pith_vnode *vn;
	bool fresh;
	int err;

	if (ino == 0 || ino > fs->sb.s_inodes_count ||
	    (ino < fs->first_ino && ino != EXT2_ROOT_INO))
		return ext2_corrupt(fs, "an inode number out of range");
	vn = pith_vnode_get(fs->mnt, ino, &fresh);
	if (!vn)
		return -ENOMEM;
	if (fresh) {
		err = vnode_load(fs, vn);
		if (err) {
			pith_vnode_discard(vn);
			return err;
		}
	}
	*out = vn;
	return 0;
}

/* The on-disk inode from the vnode's attributes. */
static void raw_fill(struct ext2_inode *raw, const struct pith_vnode *vn)
{
	raw->i_mode = (uint16_t)vn->mode;
	raw->i_uid = (uint16_t)vn->uid;
	raw->l_i_uid_high = (uint16_t)(vn->uid >> 16);
	raw->i_gid = (uint16_t)vn->gid;
	raw->l_i_gid_high = (uint16_t)(vn->gid >> 16);
	raw->i_size = (uint32_t)vn->size;
	if (S_ISREG(vn->mode))
		raw->i_size_high = (uint32_t)(vn->size >> 32);
	raw->i_links_count = (uint16_t)vn->nlink;
	raw->i_blocks = (uint32_t)vn->blocks;
	raw->i_atime = (uint32_t)vn->atime.tv_sec;
	raw->i_mtime = (uint32_t)vn->mtime.tv_sec;
	raw->i_ctime = (uint32_t)vn->ctime.tv_sec;
	if (vn->nlink == 0 && raw->i_dtime == 0) {
		struct timespec now;

		pith_vfs_now(&now);
		raw->i_dtime = (uint32_t)now.tv_sec ? (uint32_t)now.tv_sec : 1;
	}
	if (S_ISCHR(vn->mode) || S_ISBLK(vn->mode))
		encode_rdev(raw, vn->rdev);
}

int ext2_iwrite(struct pith_vnode *vn)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct ext2_vinfo *vi = ext2_vi(vn);
	uint32_t off;
	int err = 0;
	struct pith_buf *b;

	if (vn->size > 0x7fffffffu && S_ISREG(vn->mode) &&
	    !(fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE)) {
		fs->sb.s_feature_ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
		fs->sb_dirty = true;
	}
	raw_fill(&vi->raw, vn);
	b = pith_bread(fs->cache, inode_where(fs, (uint32_t)vn->ino, &off), false, &err);
	if (!b)
		return err;
	memcpy(b->data + off, &vi->raw, sizeof(vi->raw));
	pith_bdirty(b, EXT2_WB_INODE);
	pith_brelse(b);
	return 0;
}

int ext2_inew(struct ext2_fs *fs, uint32_t ino, uint32_t mode, struct pith_vnode **out)
{
	struct ext2_vinfo *vi = pith_kmalloc(sizeof(*vi));
	struct pith_vnode *vn;
	bool fresh;

	if (!vi)
		return -ENOMEM;
	vn = pith_vnode_get(fs->mnt, ino, &fresh);
	if (!vn || !fresh) {
		pith_kfree(vi, sizeof(*vi));
		if (vn)
			pith_vnode_put(vn);
		return vn ? ext2_corrupt(fs, "a free inode is in use") : -ENOMEM;
	}
	vn->priv = vi;
	vn->ops = &ext2_vnode_ops;
	vn->mode = mode;
	vn->nlink = 1;
	pith_vfs_now(&vn->mtime);
	vn->mtime.tv_nsec = 0;
	vn->atime = vn->ctime = vn->mtime;
	vi->goal = fs->sb.s_first_data_block +
		   (ino - 1) / fs->sb.s_inodes_per_group * fs->sb.s_blocks_per_group;
	*out = vn;
	return 0;
}

void ext2_iblocks_add(struct pith_vnode *vn, int64_t delta)
{
	vn->blocks += (uint64_t)(delta * ((int64_t)1 << (ext2_fs_of(vn)->log_block_size - 9)));
}

int ext2_setattr(struct pith_vnode *vn)
{
	return ext2_iwrite(vn);
}

int ext2_fsync(struct pith_vnode *vn, bool datasync)
{
	int err = ext2_iwrite(vn);

	(void)datasync; /* the whole cache is written: a superset of what either needs */
	if (err)
		return err;
	return ext2_barrier(ext2_fs_of(vn), true);
}

/* Frees a dead inode's blocks and the inode itself on the disk. */
static void inode_release(struct pith_vnode *vn)
{
	struct ext2_fs *fs = ext2_fs_of(vn);

	if (!is_dev(vn->mode) && !ext2_fast_symlink(vn)) /* i_block holds no block numbers */
		ext2_btruncate(vn, 0);
	vn->size = 0;
	ext2_iwrite(vn);
	ext2_ifree(fs, (uint32_t)vn->ino, S_ISDIR(vn->mode));
}

static void orphan_unlist(struct pith_vnode *vn)
{
	struct ext2_orphan **p = &ext2_fs_of(vn)->orphans, *o;

	while (*p && (*p)->vn != vn)
		p = &(*p)->next;
	o = *p;
	if (!o)
		return;
	*p = o->next;
	pith_kfree(o, sizeof(*o));
	ext2_vi(vn)->orphan = false;
}

void ext2_evict(struct pith_vnode *vn)
{
	struct ext2_vinfo *vi = ext2_vi(vn);

	if (vi->orphan)
		orphan_unlist(vn);
	if (vn->nlink == 0 && !vn->mnt->readonly)
		inode_release(vn);
	pith_kfree(vi, sizeof(*vi));
	vn->priv = NULL;
}

int ext2_orphan_add(struct pith_vnode *vn)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	struct ext2_orphan *o;
	int err = ext2_iwrite(vn); /* dead on the disk before its entry goes (EXT2_WB_DIR_RM) */

	if (err || ext2_vi(vn)->orphan)
		return err;
	o = pith_kmalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->vn = vn;
	o->next = fs->orphans;
	fs->orphans = o;
	ext2_vi(vn)->orphan = true;
	return 0;
}

/* What a vnode still held after its filesystem was unmounted can do: be freed. */
static void evict_unmounted(struct pith_vnode *vn)
{
	pith_kfree(vn->priv, sizeof(struct ext2_vinfo));
	vn->priv = NULL;
}

static const struct pith_vnode_ops unmounted_ops = {.evict = evict_unmounted};

void ext2_orphans_release(struct ext2_fs *fs)
{
	while (fs->orphans) {
		struct pith_vnode *vn = fs->orphans->vn;

		orphan_unlist(vn);
		inode_release(vn);
		vn->ops = &unmounted_ops;
	}
}
