/* libFuzzer harness: ext2 mounted from fuzzed image bytes, walked, read, written, unmounted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_host.h"
#include "host_blk.h"
#include "vfs/vfs.h"

/*
 * The input is a whole disk image (seeds: small images made by mkfs.ext2 and debugfs, see
 * fuzz_seeds.sh). Each run mounts it on the fake disk (a memfd), walks every directory (each
 * inode once, at most WALK_MAX entries), reads every file (its first and last READ_CAP bytes)
 * and symlink, then creates, writes, renames and removes a few files and unmounts. Afterwards
 * the kernel memory in use must be back to what it was: anything else is a leak (a crash).
 */
#define WALK_MAX 2000
#define READ_CAP (64u << 10)
#define SEEN_MAX 4096

static int memfd = -1;
static uint8_t readbuf[READ_CAP];
static uint64_t seen[SEEN_MAX];
static unsigned nseen, walked;

/* Kept quiet: the log is part of what is fuzzed, not of the output. */
void pith_vfs_log(const struct pith_mount *m, const char *msg)
{
	(void)m, (void)msg;
}

void pith_vfs_now(struct timespec *ts)
{
	ts->tv_sec = 1700000000;
	ts->tv_nsec = 0;
}

static bool seen_before(uint64_t ino)
{
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i] == ino)
			return true;
	if (nseen < SEEN_MAX)
		seen[nseen++] = ino;
	return false;
}

static void visit(struct pith_vnode *dir, int depth);

static void read_file(struct pith_vnode *vn)
{
	uint64_t off;

	vn->ops->read(vn, readbuf, READ_CAP, 0);
	if (vn->size > READ_CAP) {
		off = vn->size - READ_CAP;
		vn->ops->read(vn, readbuf, READ_CAP, off);
	}
	if (vn->ops->seek_data(vn, 0, false) >= 0)
		vn->ops->seek_data(vn, 0, true);
}

struct walk_ctx {
	struct pith_vnode *dir;
	int depth;
};

static bool walk_fill(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		      uint64_t next)
{
	struct walk_ctx *w = ctx;
	struct pith_vnode *vn;

	(void)ino, (void)type, (void)next;
	if (++walked > WALK_MAX)
		return false;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.') ||
	    len > 255)
		return true;
	if (w->dir->ops->lookup(w->dir, name, len, &vn) < 0)
		return true;
	if (!seen_before(vn->ino)) {
		if (S_ISDIR(vn->mode))
			visit(vn, w->depth + 1);
		else if (S_ISREG(vn->mode))
			read_file(vn);
		else if (S_ISLNK(vn->mode))
			vn->ops->readlink(vn, (char *)readbuf, 4096);
	}
	pith_vnode_put(vn);
	return true;
}

static void visit(struct pith_vnode *dir, int depth)
{
	struct walk_ctx w = {dir, depth};
	uint64_t cookie = 0, before;

	if (depth > 16)
		return;
	do {
		before = cookie;
		if (dir->ops->readdir(dir, &cookie, walk_fill, &w) < 0)
			break;
	} while (cookie != before && walked <= WALK_MAX);
}

/* Creates, writes, renames and removes a few entries in the root. */
static void mutate(struct pith_vnode *root)
{
	struct pith_vnode *f = NULL, *d = NULL, *s = NULL;
	static const char msg[] = "written by the fuzzer";

	if (root->ops->create(root, "fz_new", 6, S_IFREG | 0644, 0, &f) == 0) {
		f->ops->write(f, msg, sizeof(msg), 0);
		f->ops->write(f, readbuf, sizeof(readbuf), 70000);
		f->ops->truncate(f, 5000);
		f->ops->fsync(f, false);
	}
	if (root->ops->mkdir(root, "fz_dir", 6, 0755, &d) == 0 && f)
		root->ops->rename(root, "fz_new", 6, f, d, "moved", 5, NULL);
	root->ops->symlink(root, "fz_sl", 5, "fz_dir/moved", 12, &s);
	if (s) {
		root->ops->unlink(root, "fz_sl", 5, s);
		pith_vnode_put(s);
	}
	if (d && f) {
		d->ops->unlink(d, "moved", 5, f);
		root->ops->rmdir(root, "fz_dir", 6, d);
	}
	if (f)
		pith_vnode_put(f);
	if (d)
		pith_vnode_put(d);
}

static struct pith_blk *disk_of(const uint8_t *data, size_t size)
{
	char path[64];

	if (memfd < 0)
		memfd = memfd_create("ext2-fuzz", 0);
	if (memfd < 0 || ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	host_blk_reset();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return host_blk_open(path, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pith_mount m = {.type = &pith_ext2_type, .path = "/fuzz"};
	size_t kmem = fs_host_kmem;

	if (size < 2048 || size > (4u << 20))
		return 0;
	m.dev = disk_of(data, size);
	if (!m.dev || m.type->mount(&m) < 0) {
		if (fs_host_kmem != kmem)
			abort(); /* a failed mount leaked */
		return 0;
	}
	nseen = walked = 0;
	seen_before(m.root->ino);
	visit(m.root, 0);
	mutate(m.root);
	pith_vnode_put(m.root);
	m.type->unmount(&m);
	if (fs_host_kmem != kmem) {
		fprintf(stderr, "leak: %zu bytes of kernel memory\n", fs_host_kmem - kmem);
		abort();
	}
	return 0;
}
