/* ext2 host tests: mounting images on the fake disk, path helpers, e2fsprogs as the oracle. */
#ifndef PITH_TESTS_EXT2_HARNESS_H
#define PITH_TESTS_EXT2_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk/blk.h"
#include "host_blk.h"
#include "vfs/vfs.h"

/* One mounted image. */
struct h_fs {
	struct pith_blk *disk;
	struct pith_mount m;
};

/* Mounts img (read-only if ro): the mount's result (0 or -errno). h_mount_fault (if its
   count is not 0) is injected into the disk before the mount reads or writes anything. */
extern struct host_blk_fault h_mount_fault;
int h_mount(struct h_fs *h, const char *img, bool ro);
/* Drops the root and unmounts: the unmount's result. */
int h_unmount(struct h_fs *h);

/* The vnode at path (relative to the root, no symlinks followed), held; -errno. */
int h_walk(struct h_fs *h, const char *path, struct pith_vnode **out);
/* Creates (or truncates) a regular file and writes len bytes: bytes written or -errno. */
long h_write_file(struct h_fs *h, const char *path, const void *data, size_t len);
/* Writes at off into an existing or new file (no truncation). */
long h_pwrite(struct h_fs *h, const char *path, const void *data, size_t len, uint64_t off);
/* Reads up to cap bytes of a file from 0. */
long h_read_file(struct h_fs *h, const char *path, void *buf, size_t cap);
int h_mkdir(struct h_fs *h, const char *path);
int h_symlink(struct h_fs *h, const char *path, const char *target);
int h_unlink(struct h_fs *h, const char *path);
int h_rmdir(struct h_fs *h, const char *path);
int h_rename(struct h_fs *h, const char *from, const char *to);
int h_link(struct h_fs *h, const char *existing, const char *path);
/* The names in a directory (without "." and ".."), counted; cb may be NULL. -errno. */
long h_list(struct h_fs *h, const char *path, void (*cb)(const char *name, void *), void *ctx);

/* The last line pith_vfs_log printed ("" if none since h_log_clear). */
extern char h_last_log[512];
void h_log_clear(void);

/* Runs a shell command (printf format): its exit status (-1 if it did not exit). */
int h_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs it and captures at most cap - 1 bytes of stdout (NUL-terminated): bytes captured. */
long h_sh_out(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* e2fsck -fn img: its exit status (0: clean); prints its output if not clean. */
int h_fsck(const char *img);
/* A fresh image: mkfs.ext2 -q -F -t ext2 with extra options; 0 on success. */
int h_mkfs(const char *img, const char *opts, const char *size);
/* A hash of the whole file (for "nothing was written"). */
uint64_t h_file_hash(const char *path);
/* A temporary file name under /tmp, removed by h_cleanup (at exit). */
const char *h_tmp(const char *tag);
void h_cleanup(void);

/*
 * Runs fn in a child process (its own disks, its own crash): true if all its checks passed.
 * h_fork_case records the result for h_finish, which checks every case, removes the
 * temporary files and prints the summary (main must check nothing itself before it).
 */
bool h_fork_case(const char *name, void (*fn)(void *), void *arg);
bool h_fork_run(const char *name, void (*fn)(void *), void *arg);
int h_finish(void);
/* The child's side: runs fn, removes its temporary files, prints its summary, exits. */
__attribute__((noreturn)) void h_fork_child(void (*fn)(void *), void *arg);

/* Deterministic pseudo-random bytes. */
void h_fill(void *buf, size_t len, uint32_t seed);

#endif
