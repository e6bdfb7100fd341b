/* ext2 host test: truncate, fallocate, attributes, unlinked files, odd mounts and block sizes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "test.h"

#include "harness.h"

static void case_truncate(void *arg)
{
	const char *img = h_tmp("trunc.img");
	static char data[400000], back[400000];
	struct pith_vnode *vn;
	struct statfs st0, st1;
	struct h_fs h;

	(void)arg;
	h_fill(data, sizeof(data), 9);
	CHECK(h_mkfs(img, "-b 1024", "8M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h.m.type->statfs(&h.m, &st0) == 0);
	CHECK(st0.f_type == 0xEF53 && st0.f_bsize == 1024 && st0.f_namelen == 255);
	CHECK(st0.f_blocks == 8192 && st0.f_bavail < st0.f_bfree && st0.f_ffree < st0.f_files);
	CHECK(h_write_file(&h, "f", data, sizeof(data)) == sizeof(data));
	CHECK(h_walk(&h, "f", &vn) == 0);
	CHECK(vn->ops->truncate(vn, 1000) == 0 && vn->size == 1000);
	CHECK(vn->blocks == 2); /* one 1 KiB block */
	CHECK(vn->ops->truncate(vn, 300000) == 0 && vn->size == 300000);
	CHECK(vn->ops->read(vn, back, sizeof(back), 0) == 300000);
	CHECK(memcmp(back, data, 1000) == 0 && back[1000] == 0 && back[299999] == 0);
	CHECK(vn->ops->seek_data(vn, 0, true) == 1024);
	CHECK(vn->ops->seek_data(vn, 2000, false) == -ENXIO);
	CHECK(vn->ops->fallocate(vn, 100000, 50000) == 0 && vn->size == 300000);
	CHECK(vn->ops->seek_data(vn, 2000, false) == 100000 / 1024 * 1024);
	CHECK(vn->ops->read(vn, back, 50000, 100000) == 50000 && back[0] == 0 && back[49999] == 0);
	CHECK(vn->ops->fallocate(vn, 299000, 10000) == 0 && vn->size == 309000);
	CHECK(vn->ops->fallocate(vn, 0, 100ull << 20) == -ENOSPC && vn->size == 309000);
	CHECK(vn->ops->truncate(vn, 0) == 0 && vn->blocks == 0);
	pith_vnode_put(vn);
	CHECK(h.m.type->statfs(&h.m, &st1) == 0);
	CHECKF(st1.f_bfree == st0.f_bfree - 0, "free blocks back: %lu vs %lu",
	       (unsigned long)st1.f_bfree, (unsigned long)st0.f_bfree);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
}

static void case_attrs(void *arg)
{
	const char *img = h_tmp("attrs.img");
	char out[4096];
	struct pith_vnode *vn;
	struct h_fs h;

	(void)arg;
	CHECK(h_mkfs(img, "-b 4096", "8M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_write_file(&h, "f", "abc", 3) == 3);
	CHECK(h_walk(&h, "f", &vn) == 0);
	vn->uid = 70000;
	vn->gid = 123456;
	vn->mode = S_IFREG | 04751;
	vn->mtime.tv_sec = 1000000000;
	CHECK(vn->ops->setattr(vn) == 0);
	pith_vnode_put(vn);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	h_sh_out(out, sizeof(out), "debugfs -R 'stat /f' %s 2>/dev/null", img);
	CHECK_CONTAINS(out, "User: 70000");
	CHECK_CONTAINS(out, "Group: 123456");
	CHECK_CONTAINS(out, "Mode:  04751");
	CHECK_CONTAINS(out, "mtime: 0x3b9aca00");
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_walk(&h, "f", &vn) == 0 && vn->uid == 70000 && vn->gid == 123456);
	CHECK(vn->mode == (S_IFREG | 04751) && vn->mtime.tv_sec == 1000000000);
	pith_vnode_put(vn);
	CHECK(h_unmount(&h) == 0);
}

/* A file unlinked while held lives on; it is freed at its last release, or at unmount. */
static void case_orphan(void *arg)
{
	const char *img = h_tmp("orphan.img");
	static char data[100000], back[100000];
	struct pith_vnode *a, *b;
	struct h_fs h;

	(void)arg;
	h_fill(data, sizeof(data), 4);
	CHECK(h_mkfs(img, "-b 1024", "8M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_write_file(&h, "a", data, sizeof(data)) == sizeof(data));
	CHECK(h_write_file(&h, "b", data, sizeof(data)) == sizeof(data));
	CHECK(h_walk(&h, "a", &a) == 0 && h_walk(&h, "b", &b) == 0);
	CHECK(h_unlink(&h, "a") == 0 && h_unlink(&h, "b") == 0);
	CHECK(a->nlink == 0 && a->ops->read(a, back, sizeof(back), 0) == sizeof(back));
	CHECK(memcmp(back, data, sizeof(data)) == 0);
	CHECK(a->ops->write(a, "more", 4, sizeof(data)) == 4);
	pith_vnode_put(a);	   /* freed now */
	CHECK(h_unmount(&h) == 0); /* b is freed here, though still held */
	CHECK(h_fsck(img) == 0);
	pith_vnode_put(b);
}

/* A read-only disk is never written; an unclean image mounts with a warning. */
static void case_ro_unclean(void *arg)
{
	const char *img = h_tmp("ro.img");
	char buf[8];
	struct h_fs h;
	uint64_t before;

	(void)arg;
	CHECK(h_mkfs(img, "-b 1024", "8M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_write_file(&h, "f", "data", 4) == 4);
	CHECK(h_unmount(&h) == 0);
	before = h_file_hash(img);
	CHECK(h_mount(&h, img, true) == 0);
	CHECK(h_read_file(&h, "f", buf, sizeof(buf)) == 4 && memcmp(buf, "data", 4) == 0);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_file_hash(img) == before);
	CHECK(h_sh("debugfs -w -R 'ssv state 0' %s >/dev/null 2>&1", img) == 0);
	h_log_clear();
	CHECK(h_mount(&h, img, false) == 0);
	CHECK_CONTAINS(h_last_log, "not cleanly unmounted");
	CHECK(h_unmount(&h) == 0);
	h_sh_out(buf, sizeof(buf), "dumpe2fs -h %s 2>/dev/null | grep -c 'not clean'", img);
	CHECK(buf[0] == '1'); /* stays unclean until e2fsck checked it, as Linux does */
}

/* Other block sizes: the whole write-and-check cycle. */
static void case_block_size(void *arg)
{
	const char *opts = arg, *img = h_tmp("bs.img");
	static char data[1u << 20], back[1u << 20];
	struct statfs st;
	struct h_fs h;

	h_fill(data, sizeof(data), 6);
	CHECK(h_mkfs(img, opts, "64M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h.m.type->statfs(&h.m, &st) == 0 &&
	      (unsigned long)st.f_bsize == strtoul(opts + 3, NULL, 10));
	CHECK(h_mkdir(&h, "d") == 0);
	CHECK(h_write_file(&h, "d/f", data, sizeof(data)) == sizeof(data));
	CHECK(h_pwrite(&h, "d/sparse", data, 5000, 3ull << 30) == 5000);
	CHECK(h_symlink(&h, "l", "d/f") == 0);
	CHECK(h_rename(&h, "d/f", "g") == 0);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_read_file(&h, "g", back, sizeof(back)) == sizeof(back));
	CHECK(memcmp(back, data, sizeof(data)) == 0);
	CHECK(h_unlink(&h, "g") == 0 && h_unlink(&h, "d/sparse") == 0);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
}

/* Revision 0: no feature flags (no file types in entries, no files of 2 GiB or more). */
static void case_rev0(void *arg)
{
	const char *img = h_tmp("rev0.img");
	static char data[300000], back[300000];
	struct h_fs h;

	(void)arg;
	h_fill(data, sizeof(data), 8);
	CHECK(h_mkfs(img, "-b 1024 -r 0", "16M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_mkdir(&h, "d") == 0);
	CHECK(h_write_file(&h, "d/f", data, sizeof(data)) == sizeof(data));
	CHECK(h_symlink(&h, "d/l", "f") == 0);
	CHECK(h_pwrite(&h, "big", "x", 1, 3ull << 30) == -EFBIG);
	CHECK(h_rename(&h, "d/f", "f") == 0);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_read_file(&h, "f", back, sizeof(back)) == sizeof(back));
	CHECK(memcmp(back, data, sizeof(data)) == 0);
	CHECK_U64(h_list(&h, "d", NULL, NULL), 1);
	CHECK(h_unmount(&h) == 0);
}

int main(void)
{
	h_fork_case("truncate, fallocate, seek_data, statfs", case_truncate, NULL);
	h_fork_case("attributes", case_attrs, NULL);
	h_fork_case("unlinked while held", case_orphan, NULL);
	h_fork_case("read-only and unclean mounts", case_ro_unclean, NULL);
	h_fork_case("2 KiB blocks", case_block_size, "-b 2048");
	h_fork_case("64 KiB blocks", case_block_size, "-b 65536");
	h_fork_case("revision 0", case_rev0, NULL);
	return h_finish();
}
