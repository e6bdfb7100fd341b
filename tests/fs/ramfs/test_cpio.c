/* Host tests of the cpio newc unpacker and of pith build's archive writer (round trips). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "rootfs.h"
#include "test.h"
#include "vfs/vfs.h"

#include "shim.h"

static struct pith_mount mnt;
static char tmp[64]; /* the host tree the tests pack */

static void mount_fresh(void)
{
	memset(&mnt, 0, sizeof(mnt));
	mnt.type = &pith_ramfs_type;
	strcpy(mnt.path, "/");
	CHECK(pith_ramfs_type.mount(&mnt) == 0);
	shim_log[0] = 0;
}

static void unmount_check(void)
{
	struct pith_vnode *r = mnt.root;

	mnt.root = NULL;
	pith_vnode_put(r);
	CHECK(pith_ramfs_type.unmount(&mnt) == 0);
	CHECK_U64(shim_kmem, 0);
}

/* The vnode at a relative path of the ramfs (held), or NULL. */
static struct pith_vnode *walk(const char *path)
{
	struct pith_vnode *vn = mnt.root, *next;
	char name[256];

	pith_vnode_hold(vn);
	while (*path) {
		size_t n = strcspn(path, "/");

		snprintf(name, sizeof(name), "%.*s", (int)n, path);
		next = NULL;
		if (vn->ops->lookup(vn, name, n, &next) < 0)
			next = NULL;
		pith_vnode_put(vn);
		if (!next)
			return NULL;
		vn = next;
		path += n + (path[n] == '/');
	}
	return vn;
}

/* The file's contents as a string (at most cap - 1 bytes). */
static const char *contents(const char *path, char *buf, size_t cap)
{
	struct pith_vnode *vn = walk(path);
	long n = vn ? vn->ops->read(vn, buf, cap - 1, 0) : -1;

	if (vn)
		pith_vnode_put(vn);
	buf[n < 0 ? 0 : n] = 0;
	return n < 0 ? "(missing)" : buf;
}

static void put_file(const char *rel, const char *text, mode_t mode, time_t mtime)
{
	char path[256];
	struct timeval tv[2] = {{mtime, 0}, {mtime, 0}};
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
	utimes(path, tv);
}

static void make_tree(void)
{
	char path[256];

	snprintf(tmp, sizeof(tmp), "/tmp/pith-test-cpio-XXXXXX");
	CHECK(mkdtemp(tmp) != NULL);
	snprintf(path, sizeof(path), "%s/www", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/www/sub", tmp);
	mkdir(path, 0700);
	put_file("www/index.html", "<h1>hi</h1>\n", 0644, 1000000000);
	put_file("www/sub/run.sh", "#!/bin/sh\n", 0755, 1200000000);
	put_file("www/empty", "", 0600, 1300000000);
	put_file("extra.txt", "extra\n", 0640, 1400000000);
	snprintf(path, sizeof(path), "%s/www/link", tmp);
	CHECK(symlink("sub/run.sh", path) == 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

/* Packs with rootfs.c into memory; the archive's bytes (free them) and its length. */
static unsigned char *pack(struct rootfs *r, size_t *len, char *err, size_t errlen)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc = rootfs__write(r, f, err, errlen);

	fclose(f);
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	return (unsigned char *)buf;
}

static void test_round_trip(void)
{
	char src[256], err[512], buf[256];
	struct rootfs *r = rootfs__new();
	unsigned char *a;
	size_t len, n;
	uint64_t bytes;
	struct pith_vnode *vn;

	snprintf(src, sizeof(src), "%s/www", tmp);
	CHECK(rootfs__add(r, "--rootfs", src, "/", err, sizeof(err)) == 0);
	snprintf(src, sizeof(src), "%s/extra.txt", tmp);
	CHECKF(rootfs__add(r, "--copy", src, "/etc/app/extra.txt", err, sizeof(err)) == 0, "%s",
	       err);
	a = pack(r, &len, err, sizeof(err));
	CHECKF(a != NULL, "%s", err);
	CHECK(rootfs__scan(a, len, &n, &bytes) == 0);
	CHECK_U64(n, 8); /* www: index.html sub sub/run.sh empty link; etc etc/app extra.txt */
	CHECK_U64(bytes, 12 + 10 + 0 + 6);
	mount_fresh();
	CHECK(pith_cpio_unpack(mnt.root, a, len) == 0);
	CHECK_STR(contents("index.html", buf, sizeof(buf)), "<h1>hi</h1>\n");
	CHECK_STR(contents("sub/run.sh", buf, sizeof(buf)), "#!/bin/sh\n");
	CHECK_STR(contents("etc/app/extra.txt", buf, sizeof(buf)), "extra\n");
	CHECK_STR(contents("empty", buf, sizeof(buf)), "");
	vn = walk("sub/run.sh");
	CHECK(vn && vn->mode == (S_IFREG | 0755) && vn->mtime.tv_sec == 1200000000 &&
	      vn->uid == 0 && vn->gid == 0);
	pith_vnode_put(vn);
	vn = walk("sub");
	CHECK(vn && vn->mode == (S_IFDIR | 0700));
	pith_vnode_put(vn);
	vn = walk("etc/app");
	CHECK(vn && S_ISDIR(vn->mode) && vn->mtime.tv_sec == 0); /* made to hold DEST */
	pith_vnode_put(vn);
	vn = walk("link");
	CHECK(vn && S_ISLNK(vn->mode) && vn->ops->readlink(vn, buf, sizeof(buf)) == 10 &&
	      memcmp(buf, "sub/run.sh", 10) == 0);
	pith_vnode_put(vn);
	unmount_check();
	free(a);
	rootfs__free(r);
}

/* The same tree packed twice gives the same bytes (sorted names, no host owners or inodes). */
static void test_reproducible(void)
{
	char src[256], err[512];
	struct rootfs *r1 = rootfs__new(), *r2 = rootfs__new();
	unsigned char *a, *b;
	size_t la, lb;

	snprintf(src, sizeof(src), "%s/www", tmp);
	CHECK(rootfs__add(r1, "--rootfs", src, "/", err, sizeof(err)) == 0);
	CHECK(rootfs__add(r2, "--rootfs", src, "/", err, sizeof(err)) == 0);
	a = pack(r1, &la, err, sizeof(err));
	b = pack(r2, &lb, err, sizeof(err));
	CHECK(a && b && la == lb && memcmp(a, b, la) == 0);
	CHECK(la % 4 == 0);
	free(a);
	free(b);
	rootfs__free(r1);
	rootfs__free(r2);
}

/* A symlink given as --rootfs DIR or --copy SRC is followed; symlinks inside stay symlinks. */
static void test_followed_top(void)
{
	char src[256], link[256], err[512];
	struct rootfs *r = rootfs__new();
	unsigned char *a;
	size_t len, n;
	uint64_t bytes;

	snprintf(src, sizeof(src), "%s/www", tmp);
	snprintf(link, sizeof(link), "%s/wwwlink", tmp);
	CHECK(symlink(src, link) == 0);
	CHECK(rootfs__add(r, "--rootfs", link, "/", err, sizeof(err)) == 0);
	snprintf(link, sizeof(link), "%s/www/link", tmp);
	CHECK(rootfs__add(r, "--copy", link, "/run.sh", err, sizeof(err)) == 0);
	a = pack(r, &len, err, sizeof(err));
	CHECKF(a != NULL, "%s", err);
	CHECK(a && rootfs__scan(a, len, &n, &bytes) == 0);
	CHECK_U64(n, 6); /* www's 5 entries, /run.sh */
	CHECK_U64(bytes, 12 + 10 + 0 + 10);
	free(a);
	rootfs__free(r);
	snprintf(link, sizeof(link), "%s/wwwlink", tmp);
	unlink(link);
}

static void test_writer_errors(void)
{
	char src[256], err[512];
	struct rootfs *r = rootfs__new();

	CHECK(rootfs__add(r, "--rootfs", "/nonexistent/dir", "/", err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "No such file");
	snprintf(src, sizeof(src), "%s/extra.txt", tmp);
	CHECK(rootfs__add(r, "--rootfs", src, "/", err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "not a directory");
	CHECK(rootfs__add(r, "--copy", src, "etc/x", err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "absolute");
	CHECK(rootfs__add(r, "--copy", src, "/etc/../x", err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "'..'");
	snprintf(src, sizeof(src), "%s/fifo", tmp);
	CHECK(mkfifo(src, 0600) == 0);
	snprintf(src, sizeof(src), "%s", tmp);
	CHECK(rootfs__add(r, "--copy", src, "/t", err, sizeof(err)) < 0);
	CHECK_CONTAINS(err, "fifo is a fifo");
	snprintf(src, sizeof(src), "%s/fifo", tmp);
	unlink(src);
	rootfs__free(r);

	/* a file and a directory at one path */
	r = rootfs__new();
	snprintf(src, sizeof(src), "%s/www", tmp);
	CHECK(rootfs__add(r, "--rootfs", src, "/", err, sizeof(err)) == 0);
	snprintf(src, sizeof(src), "%s/extra.txt", tmp);
	CHECK(rootfs__add(r, "--copy", src, "/sub", err, sizeof(err)) == 0);
	{
		size_t len;
		unsigned char *a = pack(r, &len, err, sizeof(err));

		CHECK(a == NULL);
		CHECK_CONTAINS(err, "/sub is both a directory and a file");
		free(a);
	}
	rootfs__free(r);
}

/* ---- hand-made archives for the unpacker's error paths ---- */

struct arc {
	char b[4096];
	size_t n;
};

static void arc_entry(struct arc *a, const char *name, unsigned mode, const char *data,
		      unsigned size)
{
	size_t namesize = strlen(name) + 1;

	a->n += (size_t)sprintf(a->b + a->n,
				"070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", 1u,
				mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, 0u);
	memcpy(a->b + a->n, name, namesize);
	a->n = (a->n + namesize + 3) & ~(size_t)3;
	memcpy(a->b + a->n, data, strlen(data));
	a->n = (a->n + strlen(data) + 3) & ~(size_t)3;
}

static void arc_end(struct arc *a)
{
	arc_entry(a, "TRAILER!!!", 0, "", 0);
}

/* Unpacks a into a fresh ramfs: the result, with the message (if any) checked. */
static int unpack(struct arc *a, const char *msg)
{
	int rc;

	mount_fresh();
	rc = pith_cpio_unpack(mnt.root, (unsigned char *)a->b, a->n);
	if (msg)
		CHECK_CONTAINS(shim_log, msg);
	unmount_check();
	memset(a, 0, sizeof(*a));
	return rc;
}

static void test_unpack_errors(void)
{
	struct arc a = {0};
	char long_name[300];

	arc_entry(&a, "./a", S_IFREG | 0644, "x", 1);
	arc_end(&a);
	CHECK(unpack(&a, NULL) == 0);
	arc_entry(&a, "/etc/passwd", S_IFREG | 0644, "x", 1);
	arc_end(&a);
	CHECK(unpack(&a, "absolute path /etc/passwd") == -EINVAL);
	arc_entry(&a, "a/../../b", S_IFREG | 0644, "x", 1);
	arc_end(&a);
	CHECK(unpack(&a, "'..'") == -EINVAL);
	memset(long_name, 'n', sizeof(long_name));
	long_name[299] = 0;
	arc_entry(&a, long_name, S_IFREG | 0644, "", 0);
	arc_end(&a);
	CHECK(unpack(&a, "name over 255 bytes") == -EINVAL);
	arc_entry(&a, "missing/file", S_IFREG | 0644, "x", 1);
	arc_end(&a);
	CHECK(unpack(&a, "parent directory missing for missing/file") == -EINVAL);
	arc_entry(&a, "f", S_IFREG | 0644, "x", 1);
	arc_entry(&a, "f", S_IFREG | 0644, "y", 1);
	arc_end(&a);
	CHECK(unpack(&a, "duplicate entry f") == -EINVAL);
	arc_entry(&a, "f", S_IFREG | 0644, "abc", 3);
	arc_end(&a);
	a.n -= 120; /* cut inside f's data and the trailer */
	CHECK(unpack(&a, NULL) == -EINVAL);
	arc_entry(&a, "f", S_IFREG | 0644, "abc", 300); /* data past the end */
	CHECK(unpack(&a, "data past the end of the archive in f") == -EINVAL);
	arc_entry(&a, "f", S_IFREG | 0644, "abc", 3);
	CHECK(unpack(&a, "no TRAILER!!!") == -EINVAL);
	memcpy(a.b, "070707", 6); /* the old binary/odc formats are not newc */
	a.n = 200;
	CHECK(unpack(&a, "not cpio newc") == -EINVAL);
	arc_entry(&a, "d", S_IFDIR | 0755, "", 0);
	arc_entry(&a, "d/l", S_IFLNK | 0777, "../x", 4);
	arc_entry(&a, "d", S_IFDIR | 0700, "", 0); /* a directory again: attributes only */
	arc_end(&a);
	CHECK(unpack(&a, NULL) == 0);
}

/* Every truncation of a good archive is refused cleanly (and never crashes or leaks). */
static void test_truncations(void)
{
	struct arc a = {0}, copy;
	int refused = 0;

	arc_entry(&a, "d", S_IFDIR | 0755, "", 0);
	arc_entry(&a, "d/f", S_IFREG | 0644, "hello", 5);
	arc_end(&a);
	for (size_t cut = 0; cut < a.n; cut++) {
		copy = a;
		copy.n = cut;
		refused += unpack(&copy, NULL) == -EINVAL;
	}
	CHECK_U64(refused, a.n); /* the empty archive too: it has no trailer */
}

int main(void)
{
	make_tree();
	test_round_trip();
	test_reproducible();
	test_followed_top();
	test_writer_errors();
	test_unpack_errors();
	test_truncations();
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return test__done();
}
