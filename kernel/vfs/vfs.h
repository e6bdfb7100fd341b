/* The vfs component's interface for filesystems: vnodes and their operations, mounts, devices. */
#ifndef PITH_VFS_H
#define PITH_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pith_blk;  /* kernel/blk/blk.h */
struct pith_file; /* kernel/fd/fd.h */
struct pith_mount;
struct statfs;

/*
 * A vnode is one file (inode) of a mounted filesystem, in memory while someone holds it. The
 * VFS keeps one vnode per (mount, ino) (pith_vnode_get), so hard links and open files share
 * it. Its attribute fields are the truth while it exists: the filesystem loads them when the
 * vnode is fresh and keeps them current in every operation that changes them (write extends
 * size, create sets the directory's mtime ...); the VFS changes mode/uid/gid/times itself and
 * then calls setattr.
 *
 * Conventions for all operations: 0 (or a count) on success, -errno on failure; names are
 * (name, len) with 1 <= len <= 255, never "." or "..", no '/' and no NUL. Vnodes passed in are
 * held by the caller; vnodes passed out are held for the caller (pith_vnode_put when done).
 * The VFS has already checked: the directory is a directory, the mount is writable for every
 * operation that writes (-EROFS otherwise), the entry exists or not as the operation needs
 * (create/mkdir/symlink/link: not; unlink/rmdir: yes, vn is the entry's vnode), the type
 * (unlink: not a directory; rmdir: a directory, not a mount point, not the root), and for
 * rename everything but emptiness (see rename). Permissions are stored, not enforced (the
 * only process is root).
 * Times: the filesystem sets ctime/mtime as POSIX says (pith_vfs_now); atime is not updated
 * on reads (noatime).
 */
struct pith_vnode;

/* readdir's callback: one entry; false stops the walk (the buffer is full). next: the cookie
   that resumes after this entry. type: DT_* from <dirent.h>. */
typedef bool (*pith_filldir_t)(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
			       uint64_t next);

struct pith_vnode_ops {
	/* ---- directories ---- */
	/* The entry's vnode, or -ENOENT. name may be ".." (the parent; the root's is itself). */
	int (*lookup)(struct pith_vnode *dir, const char *name, size_t len,
		      struct pith_vnode **out);
	/* A new non-directory entry: mode's type is S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO or
	   S_IFSOCK (rdev for devices; -EPERM if the fs cannot store that type). uid/gid 0. */
	int (*create)(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
		      uint64_t rdev, struct pith_vnode **out);
	int (*mkdir)(struct pith_vnode *dir, const char *name, size_t len, uint32_t mode,
		     struct pith_vnode **out);
	/* target: 1..4095 bytes, not NUL-terminated. */
	int (*symlink)(struct pith_vnode *dir, const char *name, size_t len, const char *target,
		       size_t tlen, struct pith_vnode **out);
	/* A new entry for vn (same mount, not a directory); nlink + 1 (-EMLINK at the fs limit). */
	int (*link)(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
	/* Removes the entry; nlink - 1 (the file lives on while held: evict frees it). */
	int (*unlink)(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
	/* Removes an empty directory's entry (-ENOTEMPTY otherwise); its nlink becomes 0. */
	int (*rmdir)(struct pith_vnode *dir, const char *name, size_t len, struct pith_vnode *vn);
	/*
	 * Moves odir/oname (vnode vn) to ndir/nname, atomically replacing `target` (the vnode at
	 * ndir/nname, or NULL). The VFS checked: same mount (-EXDEV), vn is not an ancestor of ndir
	 * (-EINVAL), types agree (-EISDIR/-ENOTDIR), vn != target. The fs checks a directory
	 * target is empty (-ENOTEMPTY), updates ".." of a moved directory and the link counts.
	 */
	int (*rename)(struct pith_vnode *odir, const char *oname, size_t olen,
		      struct pith_vnode *vn, struct pith_vnode *ndir, const char *nname,
		      size_t nlen, struct pith_vnode *target);
	/*
	 * Calls fill for each entry from *cookie on ("." and ".." included, first), advancing
	 * *cookie past every entry fill accepted. 0 at the end or when fill said stop; -errno.
	 * Cookie 0 is the start; cookies are positions getdents64 reports as d_off and lseek may
	 * set back (the fs accepts any value it handed out).
	 */
	int (*readdir)(struct pith_vnode *dir, uint64_t *cookie, pith_filldir_t fill, void *ctx);

	/* ---- regular files ---- */
	/* Up to len bytes at off (0 at or past the end; holes read as zeros). buf is kernel or
	   user memory already checked by the caller. */
	long (*read)(struct pith_vnode *vn, void *buf, size_t len, uint64_t off);
	/* len bytes at off, extending size (holes between stay sparse); a short count only on
	   -ENOSPC/-EFBIG after some bytes were written. Sets mtime/ctime. */
	long (*write)(struct pith_vnode *vn, const void *buf, size_t len, uint64_t off);
	/* Sets size (shrinking frees blocks; growing leaves a hole). Sets mtime/ctime. */
	int (*truncate)(struct pith_vnode *vn, uint64_t size);
	/* Allocates blocks for [off, off + len) (mode 0: size grows if off + len is past it).
	   NULL: -EOPNOTSUPP. */
	int (*fallocate)(struct pith_vnode *vn, uint64_t off, uint64_t len);
	/* Data and hole boundaries for lseek SEEK_DATA/SEEK_HOLE from off; NULL: the whole
	   file is data. -ENXIO past the end. */
	long (*seek_data)(struct pith_vnode *vn, uint64_t off, bool hole);

	/* ---- any vnode ---- */
	/* A symlink's target (not NUL-terminated), at most cap bytes; its length. */
	long (*readlink)(struct pith_vnode *vn, char *buf, size_t cap);
	/* The VFS changed mode, uid, gid or times in vn: store them. */
	int (*setattr)(struct pith_vnode *vn);
	/* vn's data (and, unless datasync, all its metadata; with datasync, the metadata needed
	   to read the data back: size, block maps) is durable on the disk when this returns. */
	int (*fsync)(struct pith_vnode *vn, bool datasync);
	/* The last reference is gone: free the in-memory state; if nlink is 0, free the file on
	   the disk too. NULL: nothing to do. */
	void (*evict)(struct pith_vnode *vn);
};

struct pith_vnode {
	const struct pith_vnode_ops *ops;
	struct pith_mount *mnt;
	uint64_t ino;
	unsigned refs;
	uint32_t mode; /* S_IFMT type bits and permissions */
	uint32_t nlink, uid, gid;
	uint64_t size;
	uint64_t blocks; /* st_blocks: 512-byte units allocated */
	uint64_t rdev;	 /* devices (makedev); see PITH_VFS_SYNTH_MAJOR */
	struct timespec atime, mtime, ctime;
	struct pith_mount *mounted; /* a mount covering this directory, or NULL */
	void *priv;		    /* the filesystem's */
	struct pith_vnode *hnext;   /* the VFS's vnode cache */
};

/*
 * The vnode of (m, ino), held. If it was not in memory, *fresh is true and the vnode is new:
 * zeroed but for mnt, ino and refs; the filesystem fills ops, the attributes and priv, or on
 * failure calls pith_vnode_discard. NULL when memory ran out.
 */
struct pith_vnode *pith_vnode_get(struct pith_mount *m, uint64_t ino, bool *fresh);

/* Drops a fresh vnode whose loading failed (no evict). */
void pith_vnode_discard(struct pith_vnode *vn);

/* Takes / drops a reference; the last put calls ops->evict and frees the vnode. */
void pith_vnode_hold(struct pith_vnode *vn);
void pith_vnode_put(struct pith_vnode *vn);

/* The current time for timestamps (CLOCK_REALTIME). */
void pith_vfs_now(struct timespec *ts);

/* ---- mounts ----------------------------------------------------------------------------- */

struct pith_fs_type {
	const char *name; /* "ramfs", "ext2" */
	/*
	 * Mounts: reads and checks the filesystem on m->dev (NULL for a RAM filesystem), sets
	 * m->root (held), m->priv, m->dev_id is set by the VFS. A corrupt filesystem is refused
	 * with -EINVAL (or -EIO) after one clear line on the console (pith_vfs_log). With
	 * m->readonly the disk is never written.
	 */
	int (*mount)(struct pith_mount *m);
	/* Writes back everything (flush: durable on the host). */
	int (*sync)(struct pith_mount *m, bool flush);
	/* Writes back everything, marks the filesystem clean, frees its state. The VFS has
	   dropped its references (root included) first; vnodes may still be held (exit). */
	int (*unmount)(struct pith_mount *m);
	int (*statfs)(struct pith_mount *m, struct statfs *st);
};

struct pith_mount {
	const struct pith_fs_type *type;
	struct pith_blk *dev;	    /* the disk, or NULL */
	bool readonly;		    /* writes answer -EROFS (the VFS checks) */
	uint64_t dev_id;	    /* st_dev of its files */
	struct pith_vnode *root;    /* the filesystem's root directory (held by the mount) */
	struct pith_vnode *covered; /* the directory it is mounted on (NULL for "/") */
	void *priv;		    /* the filesystem's */
	char path[64];		    /* where it is mounted, for messages */
};

/* The filesystems (ramfs/, ext2/). */
extern const struct pith_fs_type pith_ramfs_type;
extern const struct pith_fs_type pith_ext2_type;

/* Prints "pith: <mount path>: <msg>" on the console (stderr): mount errors, corruption. */
void pith_vfs_log(const struct pith_mount *m, const char *msg);

/* ---- the root filesystem image and synthesized files ------------------------------------ */

/*
 * `pith build --rootfs DIR` / `--copy SRC:DEST` link a cpio archive ("newc" format, as
 * cpio(5); ends with TRAILER!!!) into the image's read-only data between these symbols. The
 * boot unpacks it into the root ramfs (ramfs/cpio.c). Weak: absent without --rootfs.
 */
extern const unsigned char pith_rootfs_start[] __attribute__((weak));
extern const unsigned char pith_rootfs_end[] __attribute__((weak));

/* Unpacks a cpio newc archive into the directory root (ramfs/cpio.c); -EINVAL on a
   malformed archive (after a message). */
int pith_cpio_unpack(struct pith_vnode *root, const unsigned char *data, size_t len);

/*
 * Files whose contents are made when they are opened (read-only), created at boot where the
 * root filesystem has nothing at that path:
 *   PITH_SYNTH_FILE(resolv_conf, "/etc/resolv.conf", resolv_fill);
 * They are regular files (mode 0444, size 0 in stat, as /proc files) with rdev
 * makedev(PITH_VFS_SYNTH_MAJOR, index in the section) in their vnode; stat shows rdev 0.
 */
struct pith_synth_file {
	const char *path;
	size_t (*fill)(char *buf, size_t cap);
};

#define PITH_VFS_SYNTH_MAJOR 240 /* Linux's "local/experimental use" range (devices.txt) */

#define PITH_SYNTH_FILE(name_, path_, fill_)                                                       \
	static const struct pith_synth_file pith_synth_##name_                                     \
	    __attribute__((used, section("pith_synth_files"), aligned(sizeof(void *)))) = {path_,  \
											   fill_}

#endif
