/* ext2: the on-disk format (revisions 0 and 1) and the interface between kernel/ext2 files. */
#ifndef PITH_EXT2_H
#define PITH_EXT2_H

/*
 * Layout facts from "The Second Extended File System: Internal Layout" (Dave Poirier) and the
 * Linux kernel's Documentation/filesystems/ext2.rst; field names follow them. All fields are
 * little-endian (x86_64 is too, so they are used directly).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "blk/blk.h"
#include "vfs/vfs.h"

#define EXT2_SUPER_OFFSET	 1024u /* the superblock is at byte 1024, whatever the block size */
#define EXT2_MAGIC		 0xEF53u
#define EXT2_ROOT_INO		 2u
#define EXT2_GOOD_OLD_FIRST_INO	 11u
#define EXT2_GOOD_OLD_INODE_SIZE 128u
#define EXT2_NDIR		 12u /* direct blocks in i_block */
#define EXT2_IND		 12u /* i_block index of the single, double, triple indirect blocks */
#define EXT2_DIND		 13u
#define EXT2_TIND		 14u
#define EXT2_N_BLOCKS		 15u
#define EXT2_NAME_MAX		 255u
#define EXT2_FAST_SYMLINK_MAX	 60u /* a target shorter than this lives in i_block */
#define EXT2_LINK_MAX		 32000u

/* s_state */
#define EXT2_VALID_FS 0x1u /* cleanly unmounted */
#define EXT2_ERROR_FS 0x2u

/* Feature flags (Poirier, section 3.1.26-28). */
#define EXT2_FEATURE_COMPAT_DIR_INDEX	    0x0020u
#define EXT2_FEATURE_INCOMPAT_FILETYPE	    0x0002u
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001u
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE   0x0002u
#define EXT2_FEATURE_RO_COMPAT_DIR_NLINK    0x0020u
#define EXT2_RO_COMPAT_WRITABLE                                                                    \
	(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE |                 \
	 EXT2_FEATURE_RO_COMPAT_DIR_NLINK)

/* i_flags */
#define EXT2_INDEX_FL 0x00001000u /* hashed directory (read here as a linear one) */

/* Directory entry file types (with INCOMPAT_FILETYPE). */
enum {
	EXT2_FT_UNKNOWN,
	EXT2_FT_REG,
	EXT2_FT_DIR,
	EXT2_FT_CHR,
	EXT2_FT_BLK,
	EXT2_FT_FIFO,
	EXT2_FT_SOCK,
	EXT2_FT_SYMLINK
};

struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size; /* block size = 1024 << this */
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;
	uint16_t s_mnt_count;
	int16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* Revision 1 (EXT2_DYNAMIC_REV) from here. */
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algo_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks; /* COMPAT_RESIZE_INODE: GDT growth room after the GDT */
	uint8_t s_rest[1024 - 208];
};

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_pad;
	uint32_t bg_reserved[3];
};

struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size;
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks; /* 512-byte units, indirect blocks included */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl;
	uint32_t i_size_high; /* i_dir_acl in revision 0; the size's high half for regular files */
	uint32_t i_faddr;
	uint8_t l_i_frag;
	uint8_t l_i_fsize;
	uint16_t l_i_pad;
	uint16_t l_i_uid_high;
	uint16_t l_i_gid_high;
	uint32_t l_i_reserved;
};

struct ext2_dirent {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type;
	char name[];
};

_Static_assert(sizeof(struct ext2_super) == 1024, "superblock layout");
_Static_assert(sizeof(struct ext2_group_desc) == 32, "group descriptor layout");
_Static_assert(sizeof(struct ext2_inode) == 128, "inode layout");

/* The smallest record for a name of len bytes: 8 + len, rounded up to 4. */
#define EXT2_DIR_REC_LEN(len) ((8u + (len) + 3u) & ~3u)

/*
 * Write-back classes for pith_bdirty (lower classes reach the disk first in a sync; a block
 * dirty for two classes goes with the lower). Without a journal, every crash must leave what
 * `e2fsck -p` repairs without asking (see README.md), so:
 * - additions go resource, then content, then pointer: bitmaps first, then directory blocks
 *   that gained entries and indirect blocks, then inodes, the superblock last (a crash leaves
 *   at worst an entry to an unused inode, which e2fsck -p clears); new indirect and directory
 *   blocks are written to the disk initialised when allocated, before anything points to them;
 * - removals go pointer, then resource: directory blocks that lost entries after the inodes
 *   (an unlinked inode is dead on the disk before its entry goes), and freed blocks and inodes
 *   return to the bitmaps only after the next barrier (ext2_barrier) wrote what referred to
 *   them. A directory block with both kinds of change pending is written out (a barrier)
 *   before it takes the second kind (dir.c: claim).
 */
#define EXT2_WB_BITMAP 0u
#define EXT2_WB_DIR    1u /* a directory block that gained entries */
#define EXT2_WB_IND    1u
#define EXT2_WB_INODE  2u
#define EXT2_WB_DIR_RM 3u /* a directory block that lost entries (or had one replaced) */
#define EXT2_WB_SUPER  4u

#define EXT2_DIR_SET 32u /* directory blocks tracked per kind of change between barriers */

/* A free that waits for the next barrier: blocks [start, start + len), or an inode. */
struct ext2_free {
	uint32_t start, len;
	uint8_t kind; /* EXT2_FREE_* */
};

enum { EXT2_FREE_BLOCKS, EXT2_FREE_INODE, EXT2_FREE_DIR_INODE };

/* The state of one mounted filesystem (pith_mount.priv). */
struct ext2_fs {
	struct pith_mount *mnt;
	struct pith_blk *dev;
	struct pith_bcache *cache;
	struct ext2_super sb; /* the truth while mounted; written at sync */
	struct ext2_group_desc *gd;
	uint32_t ngroups;
	uint32_t gd_blocks;		     /* blocks of group descriptors */
	uint32_t block_size, log_block_size; /* log2 of block_size */
	uint32_t inode_size, inodes_per_block;
	uint32_t addr_per_block; /* block numbers per indirect block */
	uint32_t first_ino;
	bool filetype; /* INCOMPAT_FILETYPE: entries carry a type */
	bool gd_dirty, sb_dirty;
	bool clean_at_mount;	     /* unmount marks it clean again only if it was (as Linux) */
	bool logged_corrupt;	     /* one corruption line per mount */
	uint8_t *bounce;	     /* one block, for partial-block I/O */
	uint8_t *zero;		     /* one block of zeros */
	struct ext2_orphan *orphans; /* unlinked inodes still held (freed at unmount) */
	struct ext2_free *frees;     /* waiting for the next barrier */
	size_t nfrees, frees_cap;
	uint64_t dir_add[EXT2_DIR_SET], dir_rm[EXT2_DIR_SET]; /* changed since the last barrier */
	unsigned ndir_add, ndir_rm;
	bool dir_move; /* renaming a directory: its two entries change in one write if they can */
};

/* The in-memory part of an ext2 vnode (pith_vnode.priv). */
struct ext2_vinfo {
	struct ext2_inode raw; /* the on-disk inode's first 128 bytes */
	uint32_t goal;	       /* next physical block to try for this file */
	uint64_t room_hint;    /* directories: blocks before this one have no room for an entry */
	uint32_t room_need;    /* of this record size or more */
	bool orphan;	       /* on fs->orphans */
};

struct ext2_orphan {
	struct pith_vnode *vn;
	struct ext2_orphan *next;
};

static inline struct ext2_fs *ext2_fs_of(const struct pith_vnode *vn)
{
	return vn->mnt->priv;
}

static inline struct ext2_vinfo *ext2_vi(const struct pith_vnode *vn)
{
	return vn->priv;
}

/* ---- check.c ---- */
/* Logs "<pre><v><post>" (v in decimal, or hex) on the console for mount m. */
void ext2_log_num(const struct pith_mount *m, const char *pre, uint64_t v, bool hex,
		  const char *post);
bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t g);
/* Mount checks: 0, or -EINVAL after one line on the console. */
int ext2_check_super(struct ext2_fs *fs, uint64_t disk_bytes);
int ext2_check_features(struct ext2_fs *fs);
int ext2_check_groups(struct ext2_fs *fs);

/* ---- super.c ---- */
/* Logs "corrupt: <what>" once per mount and returns -EIO. */
int ext2_corrupt(struct ext2_fs *fs, const char *what);
/* Writes the superblock and group descriptors into the cache (dirty) if they changed. */
int ext2_super_dirty(struct ext2_fs *fs);
/* Everything dirty reaches the disk (in class order; flush: durable), then the frees that
   waited for it are applied (in the cache). */
int ext2_barrier(struct ext2_fs *fs, bool flush);
/* Whether b is a valid data block: inside the filesystem, not group metadata. */
bool ext2_block_ok(const struct ext2_fs *fs, uint64_t b);
/* Whether b lies in group metadata (superblock and GDT copies, bitmaps, inode table). */
bool ext2_block_is_meta(const struct ext2_fs *fs, uint64_t b);

/* ---- alloc.c ---- */
/* A free block near goal, marked used (-ENOSPC: none, even after applying pending frees). */
int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
/* Frees blocks / an inode at the next barrier (after what referred to them is on the disk). */
void ext2_bfree(struct ext2_fs *fs, uint32_t b, uint32_t count);
int ext2_ialloc(struct ext2_fs *fs, uint32_t dir_ino, bool is_dir, uint32_t *out);
void ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool is_dir);
/* Applies the waiting frees (ext2_barrier calls it); frees the list at unmount. */
void ext2_frees_apply(struct ext2_fs *fs);
void ext2_frees_drop(struct ext2_fs *fs);
/* The group of a block / an inode. */
uint32_t ext2_group_of_block(const struct ext2_fs *fs, uint32_t b);

/* ---- inode.c ---- */
extern const struct pith_vnode_ops ext2_vnode_ops;
/* The vnode of ino, held (loaded from the disk if not in memory). */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct pith_vnode **out);
/* Copies vn's attributes into its on-disk inode (in the cache, dirty). */
int ext2_iwrite(struct pith_vnode *vn);
/* A new vnode for a freshly allocated inode, held: mode set, links 1, times now. */
int ext2_inew(struct ext2_fs *fs, uint32_t ino, uint32_t mode, struct pith_vnode **out);
/* vn's blocks in 512-byte units changed by delta blocks of the fs's size. */
void ext2_iblocks_add(struct pith_vnode *vn, int64_t delta);
int ext2_setattr(struct pith_vnode *vn);
int ext2_fsync(struct pith_vnode *vn, bool datasync);
void ext2_evict(struct pith_vnode *vn);
/* nlink went to 0 while held: record it on disk (dead) and keep it for unmount. */
int ext2_orphan_add(struct pith_vnode *vn);
/* Frees every orphan's blocks and inode (unmount). */
void ext2_orphans_release(struct ext2_fs *fs);

/* ---- bmap.c ---- */
/* The physical block of logical block lblk (0: a hole). With alloc, a hole gets a new block
   (*fresh = true: its contents on the disk are stale, the caller writes it). */
int ext2_bmap(struct pith_vnode *vn, uint64_t lblk, bool alloc, uint32_t *pblk, bool *fresh);
/* Frees every block at or past logical block `from` (the size already shrunk). */
int ext2_btruncate(struct pith_vnode *vn, uint64_t from);
/* The number of logical blocks the block map can address. */
uint64_t ext2_max_blocks(const struct ext2_fs *fs);
/* The first logical block >= lblk that is mapped (data) or not (hole), up to `end`. */
uint64_t ext2_bmap_scan(struct pith_vnode *vn, uint64_t lblk, uint64_t end, bool want_data);

/* ---- file.c ---- */
long ext2_read(struct pith_vnode *vn, void *buf, size_t len, uint64_t off);
long ext2_write(struct pith_vnode *vn, const void *buf, size_t len, uint64_t off);
int ext2_truncate(struct pith_vnode *vn, uint64_t size);
int ext2_fallocate(struct pith_vnode *vn, uint64_t off, uint64_t len);
long ext2_seek_data(struct pith_vnode *vn, uint64_t off, bool hole);
/* Whether vn is a symlink whose target sits in i_block (no data block). */
bool ext2_fast_symlink(struct pith_vnode *vn);
long ext2_readlink(struct pith_vnode *vn, char *buf, size_t cap);
/* Writes a block of data directly (not cached): new directory and symlink blocks. */
int ext2_write_block(struct ext2_fs *fs, uint32_t b, const void *data);

/* ---- dir.c ---- */
/* The inode number of name in dir (0: absent); its entry type in *type. */
int ext2_dir_find(struct pith_vnode *dir, const char *name, size_t len, uint32_t *ino);
/* Adds (name -> ino, type) to dir. */
int ext2_dir_add(struct pith_vnode *dir, const char *name, size_t len, uint32_t ino, uint32_t mode);
/* Removes name from dir. */
int ext2_dir_remove(struct pith_vnode *dir, const char *name, size_t len);
/* Points an existing entry at ino (rename's atomic replacement, ".." of a moved directory). */
int ext2_dir_set(struct pith_vnode *dir, const char *name, size_t len, uint32_t ino, uint32_t mode);
/* Whether dir holds nothing but "." and "..": 0 (empty), -ENOTEMPTY or -EIO. */
int ext2_dir_empty(struct pith_vnode *dir);
/* A new directory's first block: "." and "..". */
int ext2_dir_init(struct pith_vnode *dir, uint32_t parent);
int ext2_readdir(struct pith_vnode *dir, uint64_t *cookie, pith_filldir_t fill, void *ctx);

/* ---- namei.c ---- */
int ext2_lookup(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode **out);
int ext2_create(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		struct pith_vnode **out);
int ext2_mkdir(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
	       struct pith_vnode **out);
int ext2_symlink(struct pith_vnode *dir, const char *name, size_t len, const char *target,
		 size_t tlen, struct pith_vnode **out);
int ext2_link(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
int ext2_unlink(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
int ext2_rmdir(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
int ext2_rename(struct pith_vnode *odir, const char *oname, size_t olen, struct pith_vnode *vn,
		struct pith_vnode *ndir, const char *nname, size_t nlen, struct pith_vnode *target);

#endif
