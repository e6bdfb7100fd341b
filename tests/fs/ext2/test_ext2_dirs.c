/* ext2 host test: hashed directories, 10,000 files in one directory, ENOSPC on a full image. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "test.h"

#include "harness.h"

#define HASHED_FILES 400

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A directory debugfs filled and e2fsck -fD indexed: read linearly, then written. */
static void case_hashed(void *arg)
{
	const char *img = h_tmp("hashed.img"), *cmds = h_tmp("cmds"), *one = h_tmp("one");
	char out[4096], name[64], buf[16];
	struct h_fs h;
	FILE *f = fopen(cmds, "w");

	(void)arg;
	CHECK(h_mkfs(img, "-b 1024 -O dir_index", "16M") == 0);
	CHECK(h_sh("printf 1 > %s", one) == 0);
	fprintf(f, "mkdir h\n");
	for (int i = 0; i < HASHED_FILES; i++)
		fprintf(f, "write %s h/a-file-with-a-longish-name-%d\n", one, i);
	fclose(f);
	CHECK(h_sh("debugfs -w -f %s %s >/dev/null 2>&1", cmds, img) == 0);
	CHECK(h_sh("e2fsck -fyD %s >/dev/null 2>&1; test $? -le 1", img) == 0);
	h_sh_out(out, sizeof(out), "debugfs -R 'stat /h' %s 2>/dev/null", img);
	CHECKF(strstr(out, "Flags: 0x1000") != NULL, "the directory is hashed: %.200s", out);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK_U64(h_list(&h, "h", NULL, NULL), HASHED_FILES);
	for (int i = 0; i < HASHED_FILES; i += 7) {
		snprintf(name, sizeof(name), "h/a-file-with-a-longish-name-%d", i);
		CHECKF(h_read_file(&h, name, buf, sizeof(buf)) == 1 && buf[0] == '1', "%s", name);
	}
	CHECK(h_write_file(&h, "h/new", "x", 1) == 1);
	CHECK(h_unlink(&h, "h/a-file-with-a-longish-name-3") == 0);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	h_sh_out(out, sizeof(out), "debugfs -R 'stat /h' %s 2>/dev/null", img);
	CHECK(strstr(out, "Flags: 0x1000") == NULL);
	h_sh_out(out, sizeof(out), "debugfs -R 'cat /h/new' %s 2>/dev/null", img);
	CHECK_STR(out, "x");
}

struct names {
	int n;
	unsigned char *seen;
};

static void mark(const char *name, void *ctx)
{
	struct names *ns = ctx;
	int i;

	if (sscanf(name, "file%d", &i) == 1 && i >= 0 && i < ns->n)
		ns->seen[i]++;
}

/* 10,000 files in one directory: create, list, delete; e2fsck clean after each. */
static void case_many(void *arg)
{
	const char *opts = arg, *img = h_tmp("many.img");
	struct names ns = {10000, calloc(10000, 1)};
	char name[32];
	struct h_fs h;
	double t0, t1;
	int bad = 0;

	CHECK(h_mkfs(img, opts, "64M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	CHECK(h_mkdir(&h, "d") == 0);
	t0 = now_s();
	for (int i = 0; i < ns.n; i++) {
		snprintf(name, sizeof(name), "d/file%d", i);
		bad += h_write_file(&h, name, name, strlen(name)) != (long)strlen(name);
	}
	t1 = now_s();
	printf("10000 creates (%s): %.2f s on the host harness (ASan, linear directory)\n", opts,
	       t1 - t0);
	CHECK(bad == 0);
	CHECK_U64(h_list(&h, "d", mark, &ns), 10000);
	bad = 0;
	for (int i = 0; i < ns.n; i++)
		bad += ns.seen[i] != 1;
	CHECK(bad == 0);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	CHECK(h_mount(&h, img, false) == 0);
	bad = 0;
	for (int i = 0; i < ns.n; i++) {
		snprintf(name, sizeof(name), "d/file%d", i);
		bad += h_unlink(&h, name) != 0;
	}
	CHECK(bad == 0);
	CHECK_U64(h_list(&h, "d", NULL, NULL), 0);
	CHECK(h_rmdir(&h, "d") == 0);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	free(ns.seen);
}

/* Fills a small image until ENOSPC (blocks, then inodes): short counts, e2fsck clean. */
static void case_enospc(void *arg)
{
	const char *opts = arg, *img = h_tmp("full.img");
	size_t len = 3u << 20;
	char *data = malloc(len), name[32];
	struct h_fs h;
	long n, total = 0;
	int i, err = 0;

	h_fill(data, len, 7);
	CHECK(h_mkfs(img, opts, "2M") == 0);
	CHECK(h_mount(&h, img, false) == 0);
	n = h_write_file(&h, "big", data, len);
	CHECKF(n > 0 && n < (long)len, "a short write on a full disk: %ld", n);
	CHECK(h_pwrite(&h, "big", data, 4096, (uint64_t)n + 8192) == -ENOSPC);
	for (i = 0; i < 100000 && err == 0; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		err = h_mkdir(&h, name);
		total++;
	}
	CHECK(err == -ENOSPC);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	CHECK(h_mount(&h, img, false) == 0);
	{
		char *back = malloc(len);

		CHECK(h_read_file(&h, "big", back, len) == n && memcmp(back, data, (size_t)n) == 0);
		free(back);
	}
	CHECK(h_unlink(&h, "big") == 0);
	CHECK(h_write_file(&h, "after", data, 100000) == 100000);
	CHECK(h_unmount(&h) == 0);
	CHECK(h_fsck(img) == 0);
	free(data);
}

int main(void)
{
	h_fork_case("hashed directory", case_hashed, NULL);
	h_fork_case("10000 files, 4k", case_many, "-b 4096");
	h_fork_case("10000 files, 1k", case_many, "-b 1024");
	h_fork_case("ENOSPC 1k", case_enospc, "-b 1024");
	h_fork_case("ENOSPC 4k", case_enospc, "-b 4096");
	return h_finish();
}
