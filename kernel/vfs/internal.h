/* The vfs component's private interface between its files: path lookup, open files, mounts. */
#ifndef PITH_VFS_INTERNAL_H
#define PITH_VFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fd/fd.h"
#include "vfs/vfs.h"

#define PITH_PATH_MAX	 4096 /* Linux's PATH_MAX, NUL included */
#define PITH_NAME_MAX	 255
#define PITH_SYMLOOP_MAX 40 /* symlinks followed in one lookup (Linux's limit): then -ELOOP */

/* ---- path lookup (namei.c) ------------------------------------------------------------- */

#define PITH_LOOKUP_FOLLOW 1u /* follow a symlink in the last component */
#define PITH_LOOKUP_PARENT 2u /* stop at the last component's directory (see below) */
#define PITH_LOOKUP_EMPTY  4u /* AT_EMPTY_PATH: "" names dirfd itself */

/*
 * The result of a lookup. Without PITH_LOOKUP_PARENT: vn is the file (held). With it: dir is the
 * directory that holds the last component (held), name/len is that component (never "." or
 * ".." : a path ending in them answers -EEXIST for creations, -EINVAL/-ENOTEMPTY... as the
 * caller decides from `last_dot`), and vn is the entry's vnode if it exists (held; symlink
 * followed only with PITH_LOOKUP_FOLLOW), NULL if not. trailing_slash: the path ended in '/'
 * (the last component must then be a directory).
 */
struct pith_nameidata {
	struct pith_vnode *dir;
	struct pith_vnode *vn;
	char name[PITH_NAME_MAX + 1];
	size_t len;
	bool trailing_slash;
	/* PARENT: the last component was "." or ".." (or the path was "/"): then name is ".",
	   ".." (or "/"), dir is the directory the whole path names (held), vn is NULL. */
	bool last_dot;
};

/*
 * Resolves the user's path (copied in first: -EFAULT, -ENAMETOOLONG, -ENOENT for "") relative
 * to dirfd (AT_FDCWD: the current directory; -EBADF, -ENOTDIR) with "." and "..", symlinks
 * (-ELOOP after PITH_SYMLOOP_MAX), mount points in both directions, -ENOTDIR for a non-
 * directory in the middle, -ENAMETOOLONG for a component over 255 bytes. 0 or -errno; on
 * error nothing is held.
 */
int pith_namei(int dirfd, const char *upath, unsigned flags, struct pith_nameidata *nd);

/* The same on a kernel string (boot: mount points, synthesized files). */
int pith_namei_kernel(struct pith_vnode *start, const char *path, unsigned flags,
		      struct pith_nameidata *nd);

/* Releases what a successful lookup holds. */
void pith_nameidata_done(struct pith_nameidata *nd);

/* The root directory and the current directory (held by the VFS; not held for the caller). */
struct pith_vnode *pith_vfs_root(void);
struct pith_vnode *pith_vfs_cwd(void);
void pith_vfs_set_cwd(struct pith_vnode *dir); /* takes its own reference */

/* -EROFS if vn's mount is read-only, else 0. */
int pith_vfs_writable(const struct pith_vnode *vn);

/* The umask (umask(2)); applied by creations. */
extern uint32_t pith_vfs_umask;

/* ---- helpers of the namespace and attribute calls (namespace.c) ------------------------ */

/* Looks up path (pith_namei's flags) and runs fn on the result, all inside one filesystem
   operation (pith_vfs_enter/leave): the lookup's error or fn's answer. */
long pith_vfs_at(int dirfd, const char *path, unsigned flags,
		 long (*fn)(struct pith_nameidata *nd, void *ctx), void *ctx);

/* A creation's checks on its PARENT lookup, in Linux's order: -EEXIST ("." / ".." / "/" or an
   existing entry), -ENOENT (a trailing slash, unless is_dir), -EROFS; else 0. */
int pith_vfs_may_create(const struct pith_nameidata *nd, bool is_dir);

/* Whether vn is a mount's root or a mount point (-EBUSY for rmdir and rename). */
bool pith_vfs_busy(const struct pith_vnode *vn);

/* The file at fd for an fd-based call, or NULL (-EBADF) if fd is not open or is an O_PATH
   handle (Linux's fdget: only fstat, fstatfs, fchdir and *at() accept those). */
struct pith_file *pith_vfs_fd_file(int fd);

/* ---- open files (file.c) --------------------------------------------------------------- */

/* The vnode behind f if f is a VFS file (regular file, directory, synthesized file), else
   NULL (console, socket, pipe, device). Not held for the caller. */
struct pith_vnode *pith_vfs_file_vnode(struct pith_file *f);

/* The vnode behind fd, or an error: -EBADF (not open), -EINVAL (not a VFS file). */
long pith_vfs_fd_vnode(int fd, struct pith_vnode **out);

/* Opens vn (held by the caller; the file takes its own reference) with open(2)'s flags and
   installs it at the lowest free fd: the fd or -errno. Devices go to their driver. */
long pith_vfs_open_vnode(struct pith_vnode *vn, int flags);

/* Fills a struct stat from a vnode (st_dev from its mount, st_blksize 4096). */
struct stat;
void pith_vfs_stat(const struct pith_vnode *vn, struct stat *st);

/* Whether f is an O_PATH file (a vnode handle: no I/O). */
bool pith_vfs_file_is_path(const struct pith_file *f);

/* The status flags an open file keeps from open(2)'s flags (O_LARGEFILE added). */
unsigned pith_vfs_file_flags(int flags);

/* lseek on a file of `size` bytes with no holes (SEEK_DATA/HOLE: -ENXIO at or past the end). */
long pith_vfs_seek(struct pith_file *f, int64_t off, int whence, uint64_t size);

/* FIONREAD on a file of `size` bytes at pos (the bytes left, as an int); -ENOTTY for others. */
long pith_vfs_fionread(unsigned long req, unsigned long arg, uint64_t size, uint64_t pos);

/* ---- mounts and boot (mount.c, boot.c) ------------------------------------------------- */

/*
 * Filesystem operations in progress. Pollers run whenever the guest waits, disk I/O included, so
 * the periodic sync (a poller) writes back only while no operation is midway: everything that
 * calls a vnode or mount operation outside of a pith_namei..pith_nameidata_done pair (which
 * counts itself) brackets the calls with enter/leave (fd-based calls: ftruncate, fsync, ...).
 */
void pith_vfs_enter(void);
void pith_vfs_leave(void);

/* The i-th mount ("/" is 0, then the disks in boot order), or NULL past the last. */
struct pith_mount *pith_vfs_mount(unsigned i);

/* sync(m, flush) on every mount, disks first: 0 or the first error. */
int pith_vfs_sync_all(bool flush);

/* Mounts type (on dev) on the directory `on` (NULL: "/"); path names it in messages. */
int pith_vfs_mount_add(const struct pith_fs_type *type, struct pith_blk *dev, bool readonly,
		       struct pith_vnode *on, const char *path);

/* Boot (boot.c): "/", its archive, synthesized files, disks; 0 or -errno (reported). */
int pith_vfs_boot(void);

/* Ends the run before main with PITH_EXIT_ERROR (exit hooks run). */
__attribute__((noreturn)) void pith_vfs_fail(void);

/* mkdir -p of an absolute path under 256 bytes (each missing directory with mode). */
int pith_vfs_mkdir_p(const char *path, uint32_t mode);

/* Creates a node (or a symlink to target) at an absolute path under 256 bytes if nothing is
   there, with the directories above it (0755). */
int pith_vfs_create_at(const char *path, uint32_t mode, uint64_t rdev, const char *target);

/* ---- synthesized files and devices (synth.c, dev.c) -------------------------------------- */

int pith_vfs_synth_boot(void);
int pith_vfs_dev_boot(void);

/* Whether vn is a synthesized file (S_IFREG with rdev major PITH_VFS_SYNTH_MAJOR). */
bool pith_vfs_is_synth(const struct pith_vnode *vn);

/* The vnode of an open synthesized file, or NULL if f is not one. */
struct pith_vnode *pith_vfs_synth_vnode(struct pith_file *f);

/* New open files (one reference, not installed) for a synthesized file or a device. */
long pith_vfs_synth_open(struct pith_vnode *vn, int flags, struct pith_file **out);
long pith_vfs_dev_open(struct pith_vnode *vn, int flags, struct pith_file **out);

#endif
