/* ext2 host test: debugfs-made images read back; files written here pass e2fsck and debugfs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

#include "harness.h"

#define BIG_LEN (300u * 1024 + 123) /* past the double indirect block with 1 KiB blocks */
#define SLOW_TARGET                                                                                \
	"/a/rather/long/symlink/target/that/does/not/fit/in/the/inode/itself/so/it/takes/a/block"

static char *host_file(const char *tag, size_t len, uint32_t seed)
{
	const char *path = h_tmp(tag);
	char *data = malloc(len + 1);
	FILE *f = fopen(path, "wb");

	h_fill(data, len, seed);
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
	return data;
}

/* Reads a whole file written by debugfs, compares it with want. */
static void check_read(struct h_fs *h, const char *path, const char *want, size_t len)
{
	char *buf = malloc(len + 100);
	long n = h_read_file(h, path, buf, len + 100);

	CHECKF(n == (long)len, "%s: read %ld, expected %zu", path, n, len);
	CHECKF(n == (long)len && memcmp(buf, want, len) == 0, "%s: contents differ", path);
	free(buf);
}

static void check_link(struct h_fs *h, const char *path, const char *want)
{
	struct pith_vnode *vn;
	char buf[4096];
	long n = -1;

	if (h_walk(h, path, &vn) == 0) {
		CHECK(S_ISLNK(vn->mode));
		n = vn->ops->readlink(vn, buf, sizeof(buf));
		pith_vnode_put(vn);
	}
	CHECKF(n == (long)strlen(want) && memcmp(buf, want, strlen(want)) == 0, "readlink %s",
	       path);
}

/* debugfs writes, Pith reads. */
static void case_read_debugfs(void *arg)
{
	const char *bs = arg, *img = h_tmp("read.img"), *cmds = h_tmp("cmds");
	char *small = host_file("small", 100, 1), *big = host_file("big", BIG_LEN, 2);
	struct h_fs h;
	FILE *f = fopen(cmds, "w");

	CHECK(h_mkfs(img, bs, "16M") == 0);
	fprintf(f,
		"write %s small\nmkdir d\nwrite %s d/big\nsymlink fast /d/big\n"
		"symlink slow %s\nmkdir d/e\n",
		h_tmp("small"), h_tmp("big"), SLOW_TARGET);
	fclose(f);
	CHECK(h_sh("debugfs -w -f %s %s >/dev/null 2>&1", cmds, img) == 0);
	CHECK(h_mount(&h, img, false) == 0);
	check_read(&h, "small", small, 100);
	check_read(&h, "d/big", big, BIG_LEN);
	check_link(&h, "fast", "/d/big");
	check_link(&h, "slow", SLOW_TARGET);
	CHECK_U64(h_list(&h, "d", NULL, NULL), 2);
	CHECK_U64(h_list(&h, "", NULL, NULL), 5); /* lost+found small d fast slow */
	{
		struct pith_vnode *vn;

		CHECK(h_walk(&h, "nothere", &vn) == -ENOENT);
		CHECK(h_walk(&h, "d/e/..", &vn) == 0 && vn->ino != 2 && S_ISDIR(vn->mode));
		if (vn)
			pith_vnode_put(vn);
	}
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	free(small);
	free(big);
}

/* Compares a file in the image (debugfs dump) with want. */
static void check_dump(const char *img, const char *path, const char *want, size_t len)
{
	const char *out = h_tmp("dump");
	char *buf = malloc(len + 100);
	FILE *f;
	size_t n = 0;

	h_sh("rm -f %s; debugfs -R 'dump %s %s' %s >/dev/null 2>&1", out, path, out, img);
	f = fopen(out, "rb");
	if (f) {
		n = fread(buf, 1, len + 100, f);
		fclose(f);
	}
	CHECKF(n == len && memcmp(buf, want, len) == 0, "debugfs dump %s: %zu bytes", path, n);
	free(buf);
}

static const size_t sizes[] = {0, 1, 1024, 4096, 3 * 4096 + 7, BIG_LEN, 2u << 20};

/* Pith writes files, directories, links; e2fsck and debugfs check. */
static void write_tree(struct h_fs *h, char **data)
{
	char name[32];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		data[i] = malloc(sizes[i] + 1);
		h_fill(data[i], sizes[i], (uint32_t)i + 10);
		CHECKF(h_write_file(h, name, data[i], sizes[i]) == (long)sizes[i], "write %s",
		       name);
	}
	CHECK(h_mkdir(h, "a") == 0);
	CHECK(h_mkdir(h, "a/b") == 0);
	CHECK(h_mkdir(h, "a/b/c") == 0);
	CHECK(h_symlink(h, "a/fast", "../f1") == 0);
	CHECK(h_symlink(h, "slow", SLOW_TARGET) == 0);
	CHECK(h_pwrite(h, "sparse", "X", 1, 10u << 20) == 1);
	CHECK(h_pwrite(h, "huge", "END", 3, 5ull << 30) == 3);
	CHECK(h_rename(h, "f1", "a/b/f1") == 0);
	CHECK(h_rename(h, "a/b/c", "c2") == 0);
	CHECK(h_write_file(h, "r1", "one", 3) == 3);
	CHECK(h_write_file(h, "r2", "two!", 4) == 4);
	CHECK(h_rename(h, "r1", "r2") == 0);
	CHECK(h_link(h, "f2", "a/f2link") == 0);
	CHECK(h_unlink(h, "f0") == 0);
	CHECK(h_mkdir(h, "gone") == 0 && h_rmdir(h, "gone") == 0);
	CHECK(h_rmdir(h, "a") == -ENOTEMPTY);
}

static void check_tree_pith(struct h_fs *h, char **data)
{
	struct pith_vnode *vn;
	char buf[8];

	check_read(h, "a/b/f1", data[1], sizes[1]);
	check_read(h, "f5", data[5], sizes[5]);
	check_read(h, "f6", data[6], sizes[6]);
	check_read(h, "a/f2link", data[2], sizes[2]);
	check_read(h, "r2", "one", 3);
	check_link(h, "a/fast", "../f1");
	check_link(h, "slow", SLOW_TARGET);
	CHECK(h_walk(h, "c2/..", &vn) == 0 && vn->ino == 2);
	pith_vnode_put(vn);
	CHECK(h_walk(h, "huge", &vn) == 0 && vn->size == (5ull << 30) + 3);
	CHECK(vn->ops->read(vn, buf, 8, 5ull << 30) == 3 && memcmp(buf, "END", 3) == 0);
	CHECK(vn->ops->read(vn, buf, 8, 1ull << 30) == 8 && buf[0] == 0 && buf[7] == 0);
	CHECK_U64(vn->ops->seek_data(vn, 0, false), (5ull << 30) & ~4095ull);
	CHECK_U64(vn->ops->seek_data(vn, 0, true), 0);
	CHECK(vn->blocks < 64);
	pith_vnode_put(vn);
	CHECK(h_walk(h, "f0", &vn) == -ENOENT);
}

static void case_write(void *arg)
{
	const char *bs = arg, *img = h_tmp("write.img");
	char *data[8] = {0}, out[4096];
	struct h_fs h;

	CHECK(h_mkfs(img, bs, "32M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	write_tree(&h, data);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	for (size_t i = 1; i < 7; i++) {
		char p[32];

		snprintf(p, sizeof(p), i == 1 ? "/a/b/f%zu" : "/f%zu", i);
		check_dump(img, p, data[i], sizes[i]);
	}
	check_dump(img, "/r2", "one", 3);
	h_sh_out(out, sizeof(out), "debugfs -R 'stat /huge' %s 2>/dev/null", img);
	CHECK_CONTAINS(out, "Size: 5368709123");
	h_sh_out(out, sizeof(out), "debugfs -R 'stat /a/b/f1' %s 2>/dev/null", img);
	CHECK_CONTAINS(out, "Size: 1");
	CHECK(h_mount(&h, img, false) == 0);
	check_tree_pith(&h, data);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	for (int i = 0; i < 8; i++)
		free(data[i]);
}

int main(void)
{
	h_fork_case("read 1k", case_read_debugfs, "-b 1024");
	h_fork_case("read 4k", case_read_debugfs, "-b 4096");
	h_fork_case("read 4k, no dir_index", case_read_debugfs, "-b 4096 -O ^dir_index");
	h_fork_case("read 1k rev 0", case_read_debugfs, "-b 1024 -r 0");
	h_fork_case("write 1k", case_write, "-b 1024");
	h_fork_case("write 4k", case_write, "-b 4096");
	h_fork_case("write 4k, 128-byte inodes", case_write, "-b 4096 -I 128");
	return h_finish();
}
