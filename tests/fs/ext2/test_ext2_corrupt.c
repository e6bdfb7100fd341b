/* ext2 host test: corrupt images are refused at mount untouched, or fail one operation with EIO. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "test.h"

#include "harness.h"

static void patch(const char *img, uint64_t off, uint64_t v, size_t n)
{
	int fd = open(img, O_RDWR);

	CHECK(fd >= 0 && pwrite(fd, &v, n, (off_t)off) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
}

static uint64_t peek(const char *img, uint64_t off, size_t n)
{
	uint64_t v = 0;
	int fd = open(img, O_RDONLY);

	CHECK(fd >= 0 && pread(fd, &v, n, (off_t)off) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
	return v;
}

/* A 1 KiB-block image: GDT at byte 2048. */
#define SB  1024u
#define GD0 2048u
#define BS  1024u

struct refusal {
	const char *name;
	uint64_t off; /* where to patch (UINT64_MAX: computed) */
	uint64_t value;
	size_t n;
	const char *msg; /* in the log line */
};

static const struct refusal refusals[] = {
    {"bad magic", SB + 56, 0x1234, 2, "bad magic 0x1234"},
    {"block size 2^20", SB + 24, 10, 4, "block size 2^20"},
    {"blocks count past the disk", SB + 4, 1u << 20, 4, "do not fit on the disk"},
    {"group descriptor outside", GD0 + 0, 0x7fffffff, 4, "outside its group"},
    {"inode table out of range", GD0 + 8, 8190, 4, "outside its group"},
    {"extents (incompat)", SB + 96, 0x42, 4, "unsupported ext2 feature (incompat 0x40"},
    {"inode size 100", SB + 88, 100, 2, "inode size"},
    {"0 blocks per group", SB + 32, 0, 4, "per group"},
};

static void case_refused(void *arg)
{
	const struct refusal *r = arg;
	const char *img = h_tmp("bad.img");
	uint64_t before;
	struct h_fs h;

	CHECK(h_mkfs(img, "-b 1024", "8M") == 0);
	patch(img, r->off, r->value, r->n);
	before = h_file_hash(img);
	h_log_clear();
	CHECKF(h_mount(&h, img, false) == -EINVAL, "%s: refused", r->name);
	CHECKF(strstr(h_last_log, r->msg) != NULL, "%s: message \"%s\"", r->name, h_last_log);
	CHECKF(h_file_hash(img) == before, "%s: nothing written", r->name);
}

/* The block of a file or directory (debugfs "blocks", first number). */
static uint64_t first_block(const char *img, const char *path)
{
	char out[256];

	h_sh_out(out, sizeof(out), "debugfs -R 'blocks %s' %s 2>/dev/null", path, img);
	return strtoull(out, NULL, 10);
}

static void make_tree(const char *img)
{
	const char *cmds = h_tmp("cmds"), *data = h_tmp("data");
	FILE *f;

	CHECK(h_mkfs(img, "-b 1024", "8M") == 0);
	CHECK(h_sh("head -c 40000 /dev/urandom > %s", data) == 0);
	f = fopen(cmds, "w");
	fprintf(f, "mkdir d\nwrite %s d/x\nwrite %s big\n", data, data);
	fclose(f);
	CHECK(h_sh("debugfs -w -f %s %s >/dev/null 2>&1", cmds, img) == 0);
}

/* An indirect block pointer past the end: reads and writes of the file fail with EIO. */
static void case_bad_indirect(void *arg)
{
	const char *img = h_tmp("ind.img");
	char buf[4096];
	struct pith_vnode *vn;
	struct statfs st0, st1;
	struct h_fs h;

	(void)arg;
	make_tree(img);
	CHECK(h_sh("debugfs -w -R 'sif /big block[IND] 99999999' %s >/dev/null 2>&1", img) == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_walk(&h, "big", &vn) == 0);
	CHECK(vn->ops->read(vn, buf, sizeof(buf), 0) == sizeof(buf)); /* direct blocks are fine */
	CHECK(vn->ops->read(vn, buf, sizeof(buf), 20000) == -EIO);
	CHECK(vn->ops->write(vn, buf, sizeof(buf), 20000) == -EIO);
	/* Truncation frees what it can reach, and nothing through the bad pointer. */
	CHECK(h.m.type->statfs(&h.m, &st0) == 0);
	CHECK(vn->ops->truncate(vn, 0) == 0 && vn->size == 0);
	CHECK(h.m.type->statfs(&h.m, &st1) == 0);
	CHECKF(st1.f_bfree == st0.f_bfree + 12, "freed %ld blocks",
	       (long)(st1.f_bfree - st0.f_bfree));
	pith_vnode_put(vn);
	CHECK(h_read_file(&h, "d/x", buf, sizeof(buf)) == sizeof(buf));
	CHECK(h_unmount(&h) == 0);
}

/* Directory entries with a bad rec_len: the operations on that directory fail with EIO. */
static void case_bad_dirent(void *arg)
{
	uint64_t rec_off = *(const uint64_t *)arg, value = ((const uint64_t *)arg)[1];
	const char *img = h_tmp("dirent.img");
	struct pith_vnode *vn;
	struct h_fs h;
	uint64_t b;

	make_tree(img);
	b = first_block(img, "/d");
	CHECK(b > 0);
	patch(img, b * BS + rec_off, value, 2);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_walk(&h, "d/x", &vn) == -EIO);
	CHECK(h_list(&h, "d", NULL, NULL) == -EIO);
	CHECK(h_write_file(&h, "d/new", "x", 1) == -EIO);
	CHECK(h_read_file(&h, "big", &b, 1) == 1); /* the rest of the filesystem works */
	CHECK(h_unmount(&h) == 0);
}

/* A directory that contains itself: lookups through it and readdir terminate. */
static void case_loop(void *arg)
{
	const char *img = h_tmp("loop.img");
	struct pith_vnode *vn, *d;
	struct h_fs h;

	(void)arg;
	make_tree(img);
	CHECK(h_sh("debugfs -w -R 'ln /d /d/self' %s >/dev/null 2>&1", img) == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_walk(&h, "d", &d) == 0);
	CHECK(h_walk(&h, "d/self/self/self/self/self/self/self", &vn) == 0 && vn == d);
	pith_vnode_put(vn);
	pith_vnode_put(d);
	CHECK(h_walk(&h, "d/self/self/x", &vn) == 0 && S_ISREG(vn->mode));
	pith_vnode_put(vn);
	CHECK_U64(h_list(&h, "d/self", NULL, NULL), 2);
	CHECK(h_unmount(&h) == 0);
}

/* An entry naming an inode past s_inodes_count, and a free inode. */
static void case_bad_ino(void *arg)
{
	const char *img = h_tmp("ino.img");
	struct pith_vnode *vn;
	struct h_fs h;
	uint64_t b;

	(void)arg;
	make_tree(img);
	CHECK(h_sh("debugfs -w -R 'clri /big' %s >/dev/null 2>&1", img) == 0);
	b = first_block(img, "/d");
	/* "." 12 bytes, ".." 12 bytes, then "x": its inode field. */
	CHECK(peek(img, b * BS + 24, 4) != 0);
	patch(img, b * BS + 24, 0x7ffffff, 4);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_walk(&h, "big", &vn) == -EIO);
	CHECK(h_walk(&h, "d/x", &vn) == -EIO);
	CHECK(h_unmount(&h) == 0);
}

int main(void)
{
	static const uint64_t rec0[2] = {4, 0}, rec_past[2] = {16, 2000}, rec_odd[2] = {4, 13};

	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		h_fork_case(refusals[i].name, case_refused, (void *)&refusals[i]);
	h_fork_case("indirect pointer past the end", case_bad_indirect, NULL);
	h_fork_case("rec_len 0", case_bad_dirent, (void *)rec0);
	h_fork_case("rec_len past the block", case_bad_dirent, (void *)rec_past);
	h_fork_case("rec_len not aligned", case_bad_dirent, (void *)rec_odd);
	h_fork_case("directory containing itself", case_loop, NULL);
	h_fork_case("bad inode numbers", case_bad_ino, NULL);
	return h_finish();
}
