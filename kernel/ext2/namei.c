/* ext2: names (lookup, create, mkdir, symlink, link, unlink, rmdir, rename); the vnode ops. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "ext2/ext2.h"

int ext2_lookup(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode **out)
{
	uint32_t ino;
	int err = ext2_dir_find(dir, name, len, &ino);

	if (err)
		return err;
	if (ino == 0)
		return -ENOENT;
	return ext2_iget(ext2_fs_of(dir), ino, out);
}

static void touch_c(struct pith_vnode *vn)
{
	pith_vfs_now(&vn->ctime);
}

/* A new inode of the given mode (directories spread across groups), written, held. */
static int inode_make(struct pith_vnode *dir, uint32_t mode, struct pith_vnode **out)
{
	struct ext2_fs *fs = ext2_fs_of(dir);
	uint32_t ino;
	int err = ext2_ialloc(fs, (uint32_t)dir->ino, S_ISDIR(mode), &ino);

	if (err)
		return err;
	err = ext2_inew(fs, ino, mode, out);
	if (err)
		ext2_ifree(fs, ino, S_ISDIR(mode));
	return err;
}

/* Undoes inode_make: the inode (and any block it got) is freed by evict. */
static void inode_unmake(struct pith_vnode *vn)
{
	vn->nlink = 0;
	pith_vnode_put(vn);
}

/* Adds the entry for a new vnode; undoes the inode on failure. */
static int enter(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn,
		 struct pith_vnode **out)
{
	int err = ext2_iwrite(vn);

	if (!err)
		err = ext2_dir_add(dir, name, len, (uint32_t)vn->ino, vn->mode);
	if (err) {
		inode_unmake(vn);
		return err;
	}
	*out = vn;
	return 0;
}

int ext2_create(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		struct pith_vnode **out)
{
	struct pith_vnode *vn;
	int err = inode_make(dir, mode, &vn);

	if (err)
		return err;
	vn->rdev = S_ISCHR(mode) || S_ISBLK(mode) ? rdev : 0;
	return enter(dir, name, len, vn, out);
}

int ext2_mkdir(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
	       struct pith_vnode **out)
{
	struct pith_vnode *vn;
	int err;

	if (dir->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	err = inode_make(dir, S_IFDIR | (mode & 07777), &vn);
	if (err)
		return err;
	vn->nlink = 2;
	err = ext2_dir_init(vn, (uint32_t)dir->ino);
	if (err) {
		inode_unmake(vn);
		return err;
	}
	err = enter(dir, name, len, vn, out);
	if (err)
		return err;
	dir->nlink++;
	return ext2_iwrite(dir);
}

/* A slow symlink's target in its one data block. */
static int symlink_block(struct pith_vnode *vn, const char *target, size_t tlen)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	uint32_t pblk;
	bool fresh;
	int err;

	if (tlen >= fs->block_size)
		return -ENAMETOOLONG;
	err = ext2_bmap(vn, 0, true, &pblk, &fresh);
	if (err)
		return err;
	memset(fs->bounce, 0, fs->block_size);
	memcpy(fs->bounce, target, tlen);
	return ext2_write_block(fs, pblk, fs->bounce);
}

int ext2_symlink(struct pith_vnode *dir, const char *name, size_t len, const char *target,
		 size_t tlen, struct pith_vnode **out)
{
	struct pith_vnode *vn;
	int err = inode_make(dir, S_IFLNK | 0777, &vn);

	if (err)
		return err;
	if (tlen < EXT2_FAST_SYMLINK_MAX)
		memcpy(ext2_vi(vn)->raw.i_block, target, tlen);
	else
		err = symlink_block(vn, target, tlen);
	if (err) {
		inode_unmake(vn);
		return err;
	}
	vn->size = tlen;
	return enter(dir, name, len, vn, out);
}

int ext2_link(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn)
{
	int err;

	if (vn->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	err = ext2_dir_add(dir, name, len, (uint32_t)vn->ino, vn->mode);
	if (err)
		return err;
	vn->nlink++;
	touch_c(vn);
	return ext2_iwrite(vn);
}

/* vn lost one name: its count on the disk first (dead and kept as an orphan at 0). */
static int drop_link(struct pith_vnode *vn, bool all)
{
	vn->nlink = all || vn->nlink == 0 ? 0 : vn->nlink - 1;
	touch_c(vn);
	return vn->nlink ? ext2_iwrite(vn) : ext2_orphan_add(vn);
}

int ext2_unlink(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn)
{
	int err = drop_link(vn, false);

	return err ? err : ext2_dir_remove(dir, name, len);
}

int ext2_rmdir(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn)
{
	int err = ext2_dir_empty(vn);

	if (!err)
		err = drop_link(vn, true);
	if (!err)
		err = ext2_dir_remove(dir, name, len);
	if (err)
		return err;
	if (dir->nlink > 1)
		dir->nlink--;
	return ext2_iwrite(dir);
}

/* rename's first half: ndir/nname names vn (replacing target, dead on the disk first). */
static int rename_enter(struct pith_vnode *vn, struct pith_vnode *ndir, const char *nname,
			size_t nlen, struct pith_vnode *target)
{
	bool tdir = target && S_ISDIR(target->mode);
	int err;

	if (!target)
		return ext2_dir_add(ndir, nname, nlen, (uint32_t)vn->ino, vn->mode);
	if (tdir && (err = ext2_dir_empty(target)) != 0)
		return err;
	err = drop_link(target, tdir);
	if (!err)
		err = ext2_dir_set(ndir, nname, nlen, (uint32_t)vn->ino, vn->mode);
	if (!err && tdir && ndir->nlink > 1)
		ndir->nlink--; /* the target's ".." is gone */
	return err;
}

/* Moves the entry (rename without the link counts and times). */
static int rename_entries(struct pith_vnode *odir, const char *oname, size_t olen,
			  struct pith_vnode *vn, struct pith_vnode *ndir, const char *nname,
			  size_t nlen, struct pith_vnode *target)
{
	bool moved_dir = S_ISDIR(vn->mode) && odir != ndir;
	int err = rename_enter(vn, ndir, nname, nlen, target);

	if (!err)
		err = ext2_dir_remove(odir, oname, olen);
	if (!err && moved_dir) {
		err = ext2_dir_set(vn, "..", 2, (uint32_t)ndir->ino, S_IFDIR);
		odir->nlink--;
		ndir->nlink++;
	}
	return err;
}

/*
 * A file: its new name (EXT2_WB_DIR) reaches the disk before the old one goes
 * (EXT2_WB_DIR_RM), or both in one write when they share a block; a crash in between leaves
 * two names and a low link count, which e2fsck -p fixes. A directory may have neither two
 * names nor none (e2fsck asks): after a barrier, both entries change in the same write when
 * they share a block (fs->dir_move); across blocks no order helps without a journal.
 */
int ext2_rename(struct pith_vnode *odir, const char *oname, size_t olen, struct pith_vnode *vn,
		struct pith_vnode *ndir, const char *nname, size_t nlen, struct pith_vnode *target)
{
	struct ext2_fs *fs = ext2_fs_of(vn);
	int err = 0;

	if (S_ISDIR(vn->mode) && odir != ndir && !target && ndir->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	if (S_ISDIR(vn->mode))
		err = ext2_barrier(fs, false);
	fs->dir_move = S_ISDIR(vn->mode);
	if (!err)
		err = rename_entries(odir, oname, olen, vn, ndir, nname, nlen, target);
	fs->dir_move = false;
	if (err)
		return err;
	touch_c(vn);
	err = ext2_iwrite(vn);
	if (!err)
		err = ext2_iwrite(odir);
	if (!err && ndir != odir)
		err = ext2_iwrite(ndir);
	return err;
}

const struct pith_vnode_ops ext2_vnode_ops = {
    .lookup = ext2_lookup,
    .create = ext2_create,
    .mkdir = ext2_mkdir,
    .symlink = ext2_symlink,
    .link = ext2_link,
    .unlink = ext2_unlink,
    .rmdir = ext2_rmdir,
    .rename = ext2_rename,
    .readdir = ext2_readdir,
    .read = ext2_read,
    .write = ext2_write,
    .truncate = ext2_truncate,
    .fallocate = ext2_fallocate,
    .seek_data = ext2_seek_data,
    .readlink = ext2_readlink,
    .setattr = ext2_setattr,
    .fsync = ext2_fsync,
    .evict = ext2_evict,
};
