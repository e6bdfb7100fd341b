/* The ramfs component's private interface: in-memory inodes, directory tables and file pages. */
#ifndef PITH_RAMFS_H
#define PITH_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"

#define RAMFS_MAGIC	0x858458f6u /* statfs f_type, as Linux's ramfs */
#define RAMFS_PAGE	4096u
#define RAMFS_LINK_MAX	0xfffffffeu  /* nlink limit: -EMLINK past it */
#define RAMFS_FIRST_SEQ 2u	     /* readdir cookies 0 and 1 are "." and ".." */
#define RAMFS_MAX_PAGES (1ull << 32) /* largest file: 16 TiB (-EFBIG past it) */

/* One directory entry. Entries hold no vnode reference: the ramfs holds every live inode. */
struct ramfs_entry {
	struct ramfs_entry *hnext; /* hash chain */
	struct pith_vnode *vn;
	uint64_t seq; /* insertion number: the readdir cookie */
	uint8_t len;
	char name[];
};

/* A directory's slot in insertion order; e NULL once removed (a tombstone keeping seq). */
struct ramfs_slot {
	uint64_t seq;
	struct ramfs_entry *e;
};

/*
 * A directory: a chained hash table by name (lookups O(1)) and an array of slots in insertion
 * order, so readdir finds a cookie by binary search and cookies survive inserts and removals.
 */
struct ramfs_dir {
	struct ramfs_entry **hash;
	size_t nbuckets; /* a power of two, or 0 before the first insert */
	struct ramfs_slot *slots;
	size_t nslots, cap; /* slots used (live + tombstones), allocated */
	size_t live;
	uint64_t next_seq;
	struct pith_vnode *parent; /* "..": not held (the parent lives while it has this entry);
				      NULL once removed */
};

/* A regular file's data: one page pointer per 4 KiB (NULL: a hole). */
struct ramfs_file {
	void **pages;
	size_t cap;	 /* entries in pages[] */
	uint64_t npages; /* allocated pages (st_blocks) */
};

struct ramfs_link {
	char *target;
	size_t len;
};

/* The filesystem's state of one inode (vnode->priv). */
struct ramfs_node {
	struct ramfs_node *next, *prev; /* every inode of the mount (for unmount) */
	struct pith_vnode *vn;		/* its vnode (in memory as long as the node is) */
	bool held;			/* the ramfs holds a vnode reference (nlink > 0) */
	union {
		struct ramfs_dir dir;
		struct ramfs_file file;
		struct ramfs_link link;
	};
};

/* One mount's state (mount->priv). */
struct ramfs_sb {
	uint64_t next_ino;
	uint64_t inodes;       /* live inodes */
	struct ramfs_node all; /* list head (circular) */
};

static inline struct ramfs_node *ramfs_node(const struct pith_vnode *vn)
{
	return vn->priv;
}

/* ---- inodes (super.c) ---- */
/* A new inode of mode (type and permissions), nlink 1 (2 for a directory), held for the caller
   and by the ramfs itself; NULL when memory ran out. */
struct pith_vnode *pith_ramfs_inode_new(struct pith_mount *m, uint32_t mode);
/* The inode lost its last link: the ramfs drops its reference (evict frees it when unused). */
void pith_ramfs_inode_unlinked(struct pith_vnode *vn);
/* Sets ctime (and mtime if both) to now. */
void pith_ramfs_touch(struct pith_vnode *vn, bool mtime);
extern const struct pith_vnode_ops pith_ramfs_ops;

/* ---- directory tables (dir.c) ---- */
struct ramfs_entry *pith_ramfs_dir_find(struct ramfs_dir *d, const char *name, size_t len);
/* A new entry (not inserted); NULL when memory ran out. */
struct ramfs_entry *pith_ramfs_entry_new(const char *name, size_t len, struct pith_vnode *vn);
void pith_ramfs_entry_free(struct ramfs_entry *e);
/* Makes room for one more entry: 0 or -ENOSPC. Then insert cannot fail. */
int pith_ramfs_dir_reserve(struct ramfs_dir *d);
void pith_ramfs_dir_insert(struct ramfs_dir *d, struct ramfs_entry *e);
/* Takes e out of the table (not freed). */
void pith_ramfs_dir_remove(struct ramfs_dir *d, struct ramfs_entry *e);
/* The index of the first slot whose seq is >= seq (nslots if none). */
size_t pith_ramfs_dir_seek(const struct ramfs_dir *d, uint64_t seq);
/* Frees every entry and the tables (the entries' inodes are left alone). */
void pith_ramfs_dir_free(struct ramfs_dir *d);

/* ---- file data (file.c) ---- */
long pith_ramfs_read(struct pith_vnode *vn, void *buf, size_t len, uint64_t off);
long pith_ramfs_write(struct pith_vnode *vn, const void *buf, size_t len, uint64_t off);
int pith_ramfs_truncate(struct pith_vnode *vn, uint64_t size);
int pith_ramfs_fallocate(struct pith_vnode *vn, uint64_t off, uint64_t len);
long pith_ramfs_seek_data(struct pith_vnode *vn, uint64_t off, bool hole);
void pith_ramfs_file_free(struct ramfs_file *f);

/* ---- directory operations (dirops.c) ---- */
int pith_ramfs_lookup(struct pith_vnode *dir, const char *name, size_t len,
		      struct pith_vnode **out);
int pith_ramfs_create(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
		      uint64_t rdev, struct pith_vnode **out);
int pith_ramfs_mkdir(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
		     struct pith_vnode **out);
int pith_ramfs_symlink(struct pith_vnode *dir, const char *name, size_t len, const char *target,
		       size_t tlen, struct pith_vnode **out);
int pith_ramfs_link(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
int pith_ramfs_unlink(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
int pith_ramfs_rmdir(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
int pith_ramfs_rename(struct pith_vnode *odir, const char *oname, size_t olen,
		      struct pith_vnode *vn, struct pith_vnode *ndir, const char *nname,
		      size_t nlen, struct pith_vnode *target);
int pith_ramfs_readdir(struct pith_vnode *dir, uint64_t *cookie, pith_filldir_t fill, void *ctx);

#endif
