/* Host tests of the ramfs: every vnode operation, link counts, readdir cookies, memory limits. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "test.h"
#include "vfs/vfs.h"

#include "shim.h"

static struct pith_mount mnt;

static struct pith_vnode *root(void)
{
	return mnt.root;
}

static void mount_fresh(void)
{
	memset(&mnt, 0, sizeof(mnt));
	mnt.type = &pith_ramfs_type;
	strcpy(mnt.path, "/");
	CHECK(pith_ramfs_type.mount(&mnt) == 0);
}

/* Unmounts as the VFS does (drops the root first) and checks every byte came back. */
static void unmount_check(void)
{
	struct pith_vnode *r = mnt.root;

	mnt.root = NULL;
	pith_vnode_put(r);
	CHECK(pith_ramfs_type.unmount(&mnt) == 0);
	CHECK_U64(shim_kmem, 0);
}

static struct pith_vnode *lookup(struct pith_vnode *dir, const char *name)
{
	struct pith_vnode *vn = NULL;

	return dir->ops->lookup(dir, name, strlen(name), &vn) == 0 ? vn : NULL;
}

static struct pith_vnode *mkfile(struct pith_vnode *dir, const char *name)
{
	struct pith_vnode *vn = NULL;
	int err = dir->ops->create(dir, name, strlen(name), S_IFREG | 0644, 0, &vn);

	CHECKF(err == 0, "create %s: %d", name, err);
	return vn;
}

static struct pith_vnode *mkdir_(struct pith_vnode *dir, const char *name)
{
	struct pith_vnode *vn = NULL;
	int err = dir->ops->mkdir(dir, name, strlen(name), 0755, &vn);

	CHECKF(err == 0, "mkdir %s: %d", name, err);
	return vn;
}

static void test_root(void)
{
	struct pith_vnode *r, *dotdot;
	struct statfs st;

	mount_fresh();
	r = root();
	CHECK(S_ISDIR(r->mode));
	CHECK_U64(r->nlink, 2);
	dotdot = lookup(r, "..");
	CHECK(dotdot == r);
	pith_vnode_put(dotdot);
	CHECK(lookup(r, "nothing") == NULL);
	CHECK(pith_ramfs_type.statfs(&mnt, &st) == 0);
	CHECK_U64((uint64_t)st.f_type, 0x858458f6);
	CHECK_U64(st.f_bsize, 4096);
	CHECK_U64(st.f_blocks, (64u << 20) / 4096);
	CHECK_U64(st.f_bfree, (32u << 20) / 4096);
	CHECK(pith_ramfs_type.sync(&mnt, true) == 0);
	unmount_check();
}

static void test_read_write(void)
{
	struct pith_vnode *f;
	char buf[10000], back[10000];

	mount_fresh();
	f = mkfile(root(), "a");
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	CHECK(f->ops->write(f, buf, sizeof(buf), 0) == (long)sizeof(buf));
	CHECK_U64(f->size, sizeof(buf));
	CHECK_U64(f->blocks, 3 * 8); /* 3 pages of 4 KiB, in 512-byte units */
	CHECK(f->ops->read(f, back, sizeof(back), 0) == (long)sizeof(back));
	CHECK(memcmp(buf, back, sizeof(buf)) == 0);
	CHECK(f->ops->read(f, back, 100, 9950) == 50); /* short at the end */
	CHECK(memcmp(back, buf + 9950, 50) == 0);
	CHECK(f->ops->read(f, back, 100, 10000) == 0);
	CHECK(f->ops->read(f, back, 100, 1u << 30) == 0);
	/* overwrite across a page boundary */
	CHECK(f->ops->write(f, "XYZ", 3, 4095) == 3);
	CHECK(f->ops->read(f, back, 3, 4095) == 3 && memcmp(back, "XYZ", 3) == 0);
	CHECK_U64(f->size, sizeof(buf));
	CHECK(f->ops->write(f, buf, 0, 0) == 0);
	pith_vnode_put(f);
	unmount_check();
}

static void test_sparse(void)
{
	struct pith_vnode *f;
	char back[8192];
	bool zeros = true;

	mount_fresh();
	f = mkfile(root(), "sparse");
	CHECK(f->ops->write(f, "end", 3, 1u << 20) == 3);
	CHECK_U64(f->size, (1u << 20) + 3);
	CHECK_U64(f->blocks, 8); /* one page */
	CHECK(f->ops->read(f, back, sizeof(back), 8192) == (long)sizeof(back));
	for (size_t i = 0; i < sizeof(back); i++)
		zeros &= back[i] == 0;
	CHECK(zeros);
	CHECK(f->ops->seek_data(f, 0, false) == 1 << 20);
	CHECK(f->ops->seek_data(f, 0, true) == 0);
	CHECK(f->ops->seek_data(f, (1u << 20) + 1, false) == (1 << 20) + 1);
	CHECK(f->ops->seek_data(f, (1u << 20) + 1, true) == (1 << 20) + 3);
	CHECK(f->ops->seek_data(f, (1u << 20) + 3, false) == -ENXIO);
	CHECK(f->ops->write(f, "x", 1, 1ull << 50) == -EFBIG);
	pith_vnode_put(f);
	unmount_check();
}

static void test_truncate(void)
{
	struct pith_vnode *f;
	char buf[10000], back[5000];
	bool zeros = true;

	mount_fresh();
	f = mkfile(root(), "t");
	memset(buf, 'x', sizeof(buf));
	CHECK(f->ops->write(f, buf, sizeof(buf), 0) == (long)sizeof(buf));
	CHECK(f->ops->truncate(f, 5000) == 0);
	CHECK_U64(f->size, 5000);
	CHECK_U64(f->blocks, 16);
	CHECK(f->ops->truncate(f, 10000) == 0); /* grows as a hole: the old tail reads zeros */
	CHECK_U64(f->blocks, 16);
	CHECK(f->ops->read(f, back, sizeof(back), 5000) == 5000);
	for (size_t i = 0; i < sizeof(back); i++)
		zeros &= back[i] == 0;
	CHECK(zeros);
	CHECK(f->ops->truncate(f, 0) == 0);
	CHECK_U64(f->blocks, 0);
	CHECK(f->ops->fallocate(f, 100, 9000) == 0);
	CHECK_U64(f->size, 9100);
	CHECK_U64(f->blocks, 24);
	CHECK(f->ops->fallocate(f, 0, 10) == 0);
	CHECK_U64(f->size, 9100);
	pith_vnode_put(f);
	unmount_check();
}

static void test_enospc(void)
{
	struct pith_vnode *f;
	static char buf[64 << 10];
	long n;

	mount_fresh();
	f = mkfile(root(), "big");
	shim_kmem_limit = shim_kmem + 4 * 4096 + 1024; /* room for 4 pages and the page array */
	n = f->ops->write(f, buf, sizeof(buf), 0);
	CHECKF(n == 4 * 4096, "short write of %ld bytes", n);
	CHECK_U64(f->size, 4 * 4096);
	CHECK(f->ops->write(f, buf, sizeof(buf), f->size) == -ENOSPC);
	pith_vnode_put(f);
	/* a creation that runs out of memory at any step leaves nothing behind */
	for (size_t room = 0; room < 1024; room += 16) {
		struct pith_vnode *g = NULL;
		size_t before = shim_kmem;
		int err;

		shim_kmem_limit = shim_kmem + room;
		err = root()->ops->create(root(), "more", 4, S_IFREG | 0644, 0, &g);
		if (err == 0) {
			CHECKF(room >= 64, "created with %zu bytes of room", room);
			CHECK(root()->ops->unlink(root(), "more", 4, g) == 0);
			pith_vnode_put(g);
			break;
		}
		CHECK(err == -ENOSPC);
		CHECK_U64(shim_kmem, before);
	}
	shim_kmem_limit = 0;
	f = lookup(root(), "big");
	CHECK(f && f->ops->truncate(f, 0) == 0);
	pith_vnode_put(f);
	unmount_check();
}

static void test_dirs(void)
{
	struct pith_vnode *d, *sub, *f, *up;

	mount_fresh();
	d = mkdir_(root(), "d");
	CHECK_U64(root()->nlink, 3);
	CHECK_U64(d->nlink, 2);
	sub = mkdir_(d, "sub");
	CHECK_U64(d->nlink, 3);
	up = lookup(sub, "..");
	CHECK(up == d);
	pith_vnode_put(up);
	f = mkfile(sub, "f");
	CHECK(d->ops->rmdir(d, "sub", 3, sub) == -ENOTEMPTY);
	CHECK(sub->ops->unlink(sub, "f", 1, f) == 0);
	CHECK_U64(f->nlink, 0);
	pith_vnode_put(f);
	CHECK(d->ops->rmdir(d, "sub", 3, sub) == 0);
	CHECK_U64(d->nlink, 2);
	CHECK_U64(sub->nlink, 0);
	CHECK(lookup(sub, "..") == NULL); /* a removed directory has no entries */
	CHECK(sub->ops->create(sub, "x", 1, S_IFREG, 0, &f) == -ENOENT);
	pith_vnode_put(sub);
	CHECK(lookup(d, "sub") == NULL);
	CHECK(root()->ops->create(root(), "dev", 3, S_IFCHR | 0600, 0x105, &f) == 0);
	CHECK_U64(f->rdev, 0x105);
	pith_vnode_put(f);
	CHECK(root()->ops->create(root(), "bad", 3, S_IFLNK | 0600, 0, &f) == -EPERM);
	pith_vnode_put(d);
	unmount_check();
}

static void test_links(void)
{
	struct pith_vnode *f, *l, *g;
	char target[64];

	mount_fresh();
	f = mkfile(root(), "f");
	CHECK(f->ops->write(f, "data", 4, 0) == 4);
	CHECK(root()->ops->link(root(), "g", 1, f) == 0);
	CHECK_U64(f->nlink, 2);
	g = lookup(root(), "g");
	CHECK(g == f);
	pith_vnode_put(g);
	CHECK(root()->ops->unlink(root(), "f", 1, f) == 0);
	CHECK_U64(f->nlink, 1);
	CHECK(root()->ops->symlink(root(), "l", 1, "/some/where", 11, &l) == 0);
	CHECK(S_ISLNK(l->mode));
	CHECK_U64(l->size, 11);
	CHECK(l->ops->readlink(l, target, sizeof(target)) == 11);
	CHECK(memcmp(target, "/some/where", 11) == 0);
	CHECK(l->ops->readlink(l, target, 4) == 4);
	pith_vnode_put(l);
	/* unlinked while open: the data stays readable until the last reference goes */
	CHECK(root()->ops->unlink(root(), "g", 1, f) == 0);
	CHECK_U64(f->nlink, 0);
	CHECK(f->ops->read(f, target, 4, 0) == 4 && memcmp(target, "data", 4) == 0);
	CHECK(root()->ops->link(root(), "h", 1, f) == -ENOENT);
	pith_vnode_put(f);
	unmount_check();
}

static void test_rename(void)
{
	struct pith_vnode *a, *b, *d1, *d2, *sub, *up, *x;

	mount_fresh();
	a = mkfile(root(), "a");
	b = mkfile(root(), "b");
	d1 = mkdir_(root(), "d1");
	d2 = mkdir_(root(), "d2");
	CHECK(root()->ops->rename(root(), "a", 1, a, root(), "b", 1, b) == 0);
	CHECK_U64(b->nlink, 0);
	x = lookup(root(), "b");
	CHECK(x == a);
	pith_vnode_put(x);
	CHECK(lookup(root(), "a") == NULL);
	CHECK(root()->ops->rename(root(), "b", 1, a, d1, "moved", 5, NULL) == 0);
	x = lookup(d1, "moved");
	CHECK(x == a);
	pith_vnode_put(x);
	sub = mkdir_(d1, "sub");
	CHECK_U64(d1->nlink, 3);
	CHECK(d1->ops->rename(d1, "sub", 3, sub, d2, "sub2", 4, NULL) == 0);
	CHECK_U64(d1->nlink, 2);
	CHECK_U64(d2->nlink, 3);
	up = lookup(sub, "..");
	CHECK(up == d2);
	pith_vnode_put(up);
	/* a non-empty directory cannot be replaced; an empty one can */
	CHECK(root()->ops->rename(root(), "d2", 2, d2, root(), "d1", 2, d1) == -ENOTEMPTY);
	CHECK(d1->ops->unlink(d1, "moved", 5, a) == 0);
	CHECK(root()->ops->rename(root(), "d2", 2, d2, root(), "d1", 2, d1) == 0);
	CHECK_U64(d1->nlink, 0);
	CHECK_U64(root()->nlink, 3);
	x = lookup(root(), "d1");
	CHECK(x == d2);
	pith_vnode_put(x);
	pith_vnode_put(a);
	pith_vnode_put(b);
	pith_vnode_put(d1);
	pith_vnode_put(d2);
	pith_vnode_put(sub);
	unmount_check();
}

/* readdir's collected names. */
struct names {
	char name[64][32];
	uint64_t next[64];
	unsigned n, max;
};

static bool collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		    uint64_t next)
{
	struct names *s = ctx;

	(void)ino;
	(void)type;
	if (s->n >= s->max)
		return false;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%.*s", (int)len, name);
	s->next[s->n++] = next;
	return true;
}

static bool has(const struct names *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return true;
	return false;
}

static void test_readdir_cookies(void)
{
	struct names s = {.max = 4};
	struct pith_vnode *f[6];
	uint64_t cookie = 0;
	char name[16];

	mount_fresh();
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		f[i] = mkfile(root(), name);
	}
	CHECK(root()->ops->readdir(root(), &cookie, collect, &s) == 0);
	CHECK_U64(s.n, 4);
	CHECK_STR(s.name[0], ".");
	CHECK_STR(s.name[1], "..");
	CHECK_STR(s.name[2], "f0");
	CHECK_U64(cookie, s.next[3]);
	/* remove one seen and one not yet seen, add a new one: the walk goes on where it was */
	CHECK(root()->ops->unlink(root(), "f0", 2, f[0]) == 0);
	CHECK(root()->ops->unlink(root(), "f3", 2, f[3]) == 0);
	pith_vnode_put(mkfile(root(), "new"));
	s.n = 0;
	s.max = 64;
	CHECK(root()->ops->readdir(root(), &cookie, collect, &s) == 0);
	CHECK_U64(s.n, 4);
	CHECK(has(&s, "f2") && has(&s, "f4") && has(&s, "f5") && has(&s, "new"));
	CHECK(!has(&s, "f3") && !has(&s, "f1"));
	s.n = 0;
	CHECK(root()->ops->readdir(root(), &cookie, collect, &s) == 0 && s.n == 0);
	for (int i = 0; i < 6; i++)
		pith_vnode_put(f[i]);
	unmount_check();
}

static bool count_entry(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
			uint64_t next)
{
	(void)name, (void)len, (void)ino, (void)next;
	*(unsigned *)ctx += type == DT_REG;
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 10,000 entries in one directory: creations, lookups and removals stay fast. */
static void test_big_dir(void)
{
	enum { N = 10000 };
	char name[16];
	unsigned files = 0, found = 0;
	uint64_t cookie = 0;
	double t0 = now_s(), dt;

	mount_fresh();
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "file%05d", i);
		pith_vnode_put(mkfile(root(), name));
	}
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < N; i++) {
			struct pith_vnode *vn;

			snprintf(name, sizeof(name), "file%05d", i);
			vn = lookup(root(), name);
			found += vn != NULL;
			if (vn)
				pith_vnode_put(vn);
		}
	}
	CHECK_U64(found, 10 * N);
	CHECK(root()->ops->readdir(root(), &cookie, count_entry, &files) == 0);
	CHECK_U64(files, N);
	for (int i = 0; i < N; i += 2) {
		struct pith_vnode *vn;

		snprintf(name, sizeof(name), "file%05d", i);
		vn = lookup(root(), name);
		CHECK(vn && root()->ops->unlink(root(), name, strlen(name), vn) == 0);
		pith_vnode_put(vn);
	}
	files = 0;
	cookie = 0;
	CHECK(root()->ops->readdir(root(), &cookie, count_entry, &files) == 0);
	CHECK_U64(files, N / 2);
	dt = now_s() - t0;
	printf("10,000 entries: create, 100,000 lookups, 5,000 unlinks in %.3f s\n", dt);
	CHECKF(dt < 2.0, "too slow for a hashed directory: %.3f s", dt);
	unmount_check();
}

/* Unmount while a file is still held (exit with open files): freed by the last put. */
static void test_unmount_held(void)
{
	struct pith_vnode *d = NULL, *f;

	mount_fresh();
	d = mkdir_(root(), "d");
	f = mkfile(d, "f");
	CHECK(f->ops->write(f, "abc", 3, 0) == 3);
	pith_vnode_put(d);
	{
		struct pith_vnode *r = mnt.root;

		mnt.root = NULL;
		pith_vnode_put(r);
	}
	CHECK(pith_ramfs_type.unmount(&mnt) == 0);
	CHECK(shim_kmem > 0);
	pith_vnode_put(f);
	CHECK_U64(shim_kmem, 0);
}

int main(void)
{
	test_root();
	test_read_write();
	test_sparse();
	test_truncate();
	test_enospc();
	test_dirs();
	test_links();
	test_rename();
	test_readdir_cookies();
	test_big_dir();
	test_unmount_held();
	return test__done();
}
