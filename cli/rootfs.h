/* The root filesystem archive of `pith build --rootfs/--copy`: host files packed as cpio newc. */
#ifndef CLI_ROOTFS_H
#define CLI_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The files to pack, by their path in the image. rootfs__add puts SRC (a file, a symlink, kept
 * as one, or a directory, walked recursively) at DEST (absolute, "/" for --rootfs), with the
 * directories above DEST created (mode 0755, mtime 0) where nothing else gives them. SRC itself
 * is followed if it is a symlink (as `cp -H`); symlinks inside a directory stay symlinks. A later
 * addition replaces an earlier one at the same path (a directory merges with a directory).
 * Only regular files, directories and symlinks are accepted. Host modes and mtimes are kept,
 * uid and gid are 0; hard links are stored as separate files.
 */
struct rootfs;

struct rootfs *rootfs__new(void);
void rootfs__free(struct rootfs *r);

/* 0, or -1 with "<what is wrong>; <what to do>" in err. opt names the option for messages. */
int rootfs__add(struct rootfs *r, const char *opt, const char *src, const char *dest, char *err,
		size_t errlen);

/*
 * Writes the archive to out: every entry in byte order of its path (reproducible: the same
 * tree gives the same bytes), then TRAILER!!!. File contents are read now; a file that changed
 * size or cannot be read is an error. 0, or -1 with a message in err.
 */
int rootfs__write(struct rootfs *r, FILE *out, char *err, size_t errlen);

/*
 * Walks an archive: counts its entries (the trailer and "." excluded) and adds the sizes of
 * its regular files. 0, or -1 if it is not a well-formed newc archive.
 */
int rootfs__scan(const unsigned char *data, size_t len, size_t *entries, uint64_t *bytes);

/*
 * What `pith build` links: the archive and an assembly file that puts it in the image's
 * read-only data between pith_rootfs_start and pith_rootfs_end (kernel/vfs/vfs.h), both in a
 * new folder under $TMPDIR (or /tmp). The section is kept by the linker only if the vfs
 * component (which refers to the symbols) is linked.
 */
struct rootfs_object {
	char dir[4096];
	char archive[4096];
	char asm_file[4096]; /* give this one to the compiler */
};

/* 0, or -1 with a message; rootfs__remove_object cleans up in both cases. */
int rootfs__make_object(struct rootfs *r, struct rootfs_object *obj, char *err, size_t errlen);
void rootfs__remove_object(struct rootfs_object *obj);

#endif
