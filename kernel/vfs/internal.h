/* The vfs component's private interface between its files: path lookup, open files, mounts. */
#ifndef PITH_VFS_INTERNAL_H
#define PITH_VFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fd/fd.h"
#include "vfs/vfs.h"

#define PITH_PATH_MAX 4096 /* Linux's PATH_MAX, NUL included */
#define PITH_NAME_MAX 255
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
	bool last_dot; /* PARENT: the last component was "." or ".." (or the path was "/") */
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

#endif
