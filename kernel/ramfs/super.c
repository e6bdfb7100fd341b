/* ramfs: the RAM filesystem of "/": mounts, inodes (held while linked), statfs, the ops table. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "core/core.h"
#include "core/note.h"
#include "mem/mem.h"
#include "ramfs/ramfs.h"

PITH_COMPONENT_NOTE(ramfs); /* here: pith_ramfs_type, which the vfs refers to, is in this object */

void pith_ramfs_touch(struct pith_vnode *vn, bool mtime)
{
	pith_vfs_now(&vn->ctime);
	if (mtime)
		vn->mtime = vn->ctime;
}

static void list_add(struct ramfs_node *head, struct ramfs_node *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static void list_del(struct ramfs_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

/* A vnode for a new inode number of m, with the attributes of a fresh file of mode. */
static struct pith_vnode *vnode_new(struct pith_mount *m, uint32_t mode)
{
	struct ramfs_sb *sb = m->priv;
	bool fresh = false;
	struct pith_vnode *vn = pith_vnode_get(m, sb->next_ino, &fresh);

	if (!vn)
		return NULL;
	PITH_ASSERT_MSG(fresh, "ramfs inode number reused");
	sb->next_ino++;
	vn->ops = &pith_ramfs_ops;
	vn->mode = mode;
	vn->nlink = S_ISDIR(mode) ? 2 : 1;
	pith_vfs_now(&vn->mtime);
	vn->atime = vn->ctime = vn->mtime;
	return vn;
}

struct pith_vnode *pith_ramfs_inode_new(struct pith_mount *m, uint32_t mode)
{
	struct ramfs_sb *sb = m->priv;
	struct ramfs_node *n = pith_kmalloc(sizeof(*n));
	struct pith_vnode *vn;

	if (!n)
		return NULL;
	vn = vnode_new(m, mode);
	if (!vn) {
		pith_kfree(n, sizeof(*n));
		return NULL;
	}
	vn->priv = n;
	n->vn = vn;
	n->held = true;
	pith_vnode_hold(vn); /* the ramfs's own reference, dropped with the last link */
	list_add(&sb->all, n);
	sb->inodes++;
	return vn;
}

void pith_ramfs_inode_unlinked(struct pith_vnode *vn)
{
	struct ramfs_node *n = ramfs_node(vn);

	if (!n->held)
		return;
	n->held = false;
	pith_vnode_put(vn);
}

static void ramfs_evict(struct pith_vnode *vn)
{
	struct ramfs_node *n = ramfs_node(vn);

	if (S_ISDIR(vn->mode))
		pith_ramfs_dir_free(&n->dir);
	else if (S_ISREG(vn->mode))
		pith_ramfs_file_free(&n->file);
	else if (S_ISLNK(vn->mode) && n->link.target)
		pith_kfree(n->link.target, n->link.len);
	if (n->next != n) { /* still on the mount's list (not unmounted) */
		struct ramfs_sb *sb = vn->mnt->priv;

		list_del(n);
		sb->inodes--;
	}
	pith_kfree(n, sizeof(*n));
	vn->priv = NULL;
}

static long ramfs_readlink(struct pith_vnode *vn, char *buf, size_t cap)
{
	struct ramfs_link *l = &ramfs_node(vn)->link;
	size_t n = l->len < cap ? l->len : cap;

	memcpy(buf, l->target, n);
	return (long)n;
}

static int ramfs_setattr(struct pith_vnode *vn)
{
	(void)vn; /* the vnode is the only copy of the attributes */
	return 0;
}

static int ramfs_fsync(struct pith_vnode *vn, bool datasync)
{
	(void)vn;
	(void)datasync;
	return 0;
}

const struct pith_vnode_ops pith_ramfs_ops = {
    .lookup = pith_ramfs_lookup,
    .create = pith_ramfs_create,
    .mkdir = pith_ramfs_mkdir,
    .symlink = pith_ramfs_symlink,
    .link = pith_ramfs_link,
    .unlink = pith_ramfs_unlink,
    .rmdir = pith_ramfs_rmdir,
    .rename = pith_ramfs_rename,
    .readdir = pith_ramfs_readdir,
    .read = pith_ramfs_read,
    .write = pith_ramfs_write,
    .truncate = pith_ramfs_truncate,
    .fallocate = pith_ramfs_fallocate,
    .seek_data = pith_ramfs_seek_data,
    .readlink = ramfs_readlink,
    .setattr = ramfs_setattr,
    .fsync = ramfs_fsync,
    .evict = ramfs_evict,
};

static int ramfs_mount(struct pith_mount *m)
{
	struct ramfs_sb *sb = pith_kmalloc(sizeof(*sb));

	if (!sb)
		return -ENOMEM;
	sb->next_ino = 1;
	sb->all.next = sb->all.prev = &sb->all;
	m->priv = sb;
	m->root = pith_ramfs_inode_new(m, S_IFDIR | 0755);
	if (!m->root) {
		pith_kfree(sb, sizeof(*sb));
		m->priv = NULL;
		return -ENOMEM;
	}
	ramfs_node(m->root)->dir.parent = m->root; /* the root's ".." is itself */
	return 0;
}

static int ramfs_sync(struct pith_mount *m, bool flush)
{
	(void)m;
	(void)flush;
	return 0;
}

/*
 * Drops the ramfs's reference to every inode: those nobody else holds are freed now, the
 * others (open files at exit) when their last reference goes. The list is emptied first, so a
 * later evict does not touch the freed superblock.
 */
static int ramfs_unmount(struct pith_mount *m)
{
	struct ramfs_sb *sb = m->priv;

	while (sb->all.next != &sb->all) {
		struct ramfs_node *n = sb->all.next;

		list_del(n);
		pith_ramfs_inode_unlinked(n->vn);
	}
	pith_kfree(sb, sizeof(*sb));
	m->priv = NULL;
	return 0;
}

static int ramfs_statfs(struct pith_mount *m, struct statfs *st)
{
	struct ramfs_sb *sb = m->priv;
	uint64_t total, avail;

	pith_mem_stats(&total, &avail);
	memset(st, 0, sizeof(*st));
	st->f_type = RAMFS_MAGIC;
	st->f_bsize = st->f_frsize = RAMFS_PAGE;
	st->f_blocks = total / RAMFS_PAGE;
	st->f_bfree = st->f_bavail = avail / RAMFS_PAGE;
	st->f_files = sb->inodes + avail / RAMFS_PAGE;
	st->f_ffree = avail / RAMFS_PAGE;
	st->f_namelen = 255;
	return 0;
}

const struct pith_fs_type pith_ramfs_type = {
    .name = "ramfs",
    .mount = ramfs_mount,
    .sync = ramfs_sync,
    .unmount = ramfs_unmount,
    .statfs = ramfs_statfs,
};
