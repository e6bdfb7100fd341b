/* ramfs directory operations: lookup, creations, links, removals, rename and readdir. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core.h"
#include "mem/mem.h"
#include "ramfs/ramfs.h"

static struct ramfs_dir *dir_of(struct pith_vnode *vn)
{
	return &ramfs_node(vn)->dir;
}

/* A directory that was removed takes no new entries and has none. */
static bool dir_dead(struct pith_vnode *dir)
{
	return dir->nlink == 0;
}

int pith_ramfs_lookup(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode **out)
{
	struct ramfs_dir *d = dir_of(dir);
	struct ramfs_entry *e;

	if (dir_dead(dir))
		return -ENOENT;
	if (len == 1 && name[0] == '.')
		*out = dir;
	else if (len == 2 && name[0] == '.' && name[1] == '.')
		*out = d->parent;
	else if ((e = pith_ramfs_dir_find(d, name, len)))
		*out = e->vn;
	else
		return -ENOENT;
	pith_vnode_hold(*out);
	return 0;
}

/* Enters vn (already counted in its nlink) as dir/name: 0 or -ENOSPC. */
static int add_entry(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn)
{
	struct ramfs_entry *e = pith_ramfs_entry_new(name, len, vn);

	if (!e || pith_ramfs_dir_reserve(dir_of(dir)) < 0) {
		if (e)
			pith_ramfs_entry_free(e);
		return -ENOSPC;
	}
	pith_ramfs_dir_insert(dir_of(dir), e);
	pith_ramfs_touch(dir, true);
	return 0;
}

/* A new inode entered as dir/name, held for the caller (in *out); 0 or -errno. */
static int make(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
		struct pith_vnode **out)
{
	struct pith_vnode *vn;
	int err;

	if (dir_dead(dir))
		return -ENOENT;
	vn = pith_ramfs_inode_new(dir->mnt, mode);
	if (!vn)
		return -ENOSPC;
	err = add_entry(dir, name, len, vn);
	if (err < 0) {
		vn->nlink = 0;
		pith_ramfs_inode_unlinked(vn);
		pith_vnode_put(vn);
		return err;
	}
	*out = vn;
	return 0;
}

int pith_ramfs_create(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
		      uint64_t rdev, struct pith_vnode **out)
{
	int err;

	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		return -EPERM;
	}
	err = make(dir, name, len, mode, out);
	if (err == 0)
		(*out)->rdev = rdev;
	return err;
}

int pith_ramfs_mkdir(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
		     struct pith_vnode **out)
{
	int err;

	if (dir->nlink >= RAMFS_LINK_MAX)
		return -EMLINK;
	err = make(dir, name, len, S_IFDIR | (mode & 07777), out);
	if (err < 0)
		return err;
	dir_of(*out)->parent = dir;
	dir->nlink++;
	return 0;
}

int pith_ramfs_symlink(struct pith_vnode *dir, const char *name, size_t len, const char *target,
		       size_t tlen, struct pith_vnode **out)
{
	char *copy = pith_kmalloc(tlen);
	int err;

	if (!copy)
		return -ENOSPC;
	err = make(dir, name, len, S_IFLNK | 0777, out);
	if (err < 0) {
		pith_kfree(copy, tlen);
		return err;
	}
	memcpy(copy, target, tlen);
	ramfs_node(*out)->link.target = copy;
	ramfs_node(*out)->link.len = tlen;
	(*out)->size = tlen;
	return 0;
}

int pith_ramfs_link(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn)
{
	int err;

	if (dir_dead(dir) || vn->nlink == 0)
		return -ENOENT;
	if (vn->nlink >= RAMFS_LINK_MAX)
		return -EMLINK;
	err = add_entry(dir, name, len, vn);
	if (err < 0)
		return err;
	vn->nlink++;
	pith_ramfs_touch(vn, false);
	return 0;
}

/* Takes dir/name (vnode vn) out of dir: the entry is freed, vn's counts are the caller's. */
static void drop_entry(struct pith_vnode *dir, const char *name, size_t len)
{
	struct ramfs_dir *d = dir_of(dir);
	struct ramfs_entry *e = pith_ramfs_dir_find(d, name, len);

	PITH_ASSERT_MSG(e, "ramfs: the VFS removed an entry that does not exist");
	pith_ramfs_dir_remove(d, e);
	pith_ramfs_entry_free(e);
	pith_ramfs_touch(dir, true);
}

/* One link of vn is gone (a non-directory). */
static void unlinked(struct pith_vnode *vn)
{
	vn->nlink--;
	pith_ramfs_touch(vn, false);
	if (vn->nlink == 0)
		pith_ramfs_inode_unlinked(vn);
}

/* The directory vn (empty) left its parent dir. */
static void dir_gone(struct pith_vnode *dir, struct pith_vnode *vn)
{
	vn->nlink = 0;
	dir->nlink--;
	dir_of(vn)->parent = NULL;
	pith_ramfs_touch(vn, false);
	pith_ramfs_inode_unlinked(vn);
}

int pith_ramfs_unlink(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn)
{
	drop_entry(dir, name, len);
	unlinked(vn);
	return 0;
}

int pith_ramfs_rmdir(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn)
{
	if (dir_of(vn)->live)
		return -ENOTEMPTY;
	drop_entry(dir, name, len);
	dir_gone(dir, vn);
	return 0;
}

/*
 * Everything that can fail happens before anything changes: the new entry is allocated and
 * the new directory has room for it. Then the target goes, the old entry goes, the new one
 * comes in, and a moved directory's ".." and the parents' link counts follow.
 */
int pith_ramfs_rename(struct pith_vnode *odir, const char *oname, size_t olen,
		      struct pith_vnode *vn, struct pith_vnode *ndir, const char *nname,
		      size_t nlen, struct pith_vnode *target)
{
	bool isdir = S_ISDIR(vn->mode);
	struct ramfs_entry *e;

	if (target && S_ISDIR(target->mode) && dir_of(target)->live)
		return -ENOTEMPTY;
	if (isdir && odir != ndir && !target && ndir->nlink >= RAMFS_LINK_MAX)
		return -EMLINK;
	e = pith_ramfs_entry_new(nname, nlen, vn);
	if (!e || pith_ramfs_dir_reserve(dir_of(ndir)) < 0) {
		if (e)
			pith_ramfs_entry_free(e);
		return -ENOSPC;
	}
	if (target) {
		drop_entry(ndir, nname, nlen);
		if (S_ISDIR(target->mode))
			dir_gone(ndir, target);
		else
			unlinked(target);
	}
	drop_entry(odir, oname, olen);
	pith_ramfs_dir_insert(dir_of(ndir), e);
	pith_ramfs_touch(ndir, true);
	pith_ramfs_touch(vn, false);
	if (isdir && odir != ndir) {
		dir_of(vn)->parent = ndir;
		odir->nlink--;
		ndir->nlink++;
	}
	return 0;
}

static unsigned dtype(const struct pith_vnode *vn)
{
	return (vn->mode & S_IFMT) >> 12; /* DT_* are the S_IFMT type bits shifted (dirent.h) */
}

int pith_ramfs_readdir(struct pith_vnode *dir, uint64_t *cookie, pith_filldir_t fill, void *ctx)
{
	struct ramfs_dir *d = dir_of(dir);

	if (dir_dead(dir))
		return 0;
	if (*cookie == 0) {
		if (!fill(ctx, ".", 1, dir->ino, dtype(dir), 1))
			return 0;
		*cookie = 1;
	}
	if (*cookie == 1) {
		if (!fill(ctx, "..", 2, d->parent->ino, dtype(d->parent), RAMFS_FIRST_SEQ))
			return 0;
		*cookie = RAMFS_FIRST_SEQ;
	}
	for (size_t i = pith_ramfs_dir_seek(d, *cookie); i < d->nslots; i++) {
		const struct ramfs_entry *e = d->slots[i].e;

		if (!e)
			continue;
		if (!fill(ctx, e->name, e->len, e->vn->ino, dtype(e->vn), e->seq + 1))
			return 0;
		*cookie = e->seq + 1;
	}
	return 0;
}
