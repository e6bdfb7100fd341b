/* Persistence across boots: one boot writes a tree into DIR, the next checks it (or read-only). */
/*
 *   persist write DIR     creates the tree below and exits (no sync: exit must write back)
 *   persist check DIR     checks every file's size, content, mode, links and times
 *   persist rocheck DIR   as check, then every kind of write must fail with EROFS
 * The tree: nested directories, files of 0 B to 5 MB (direct, indirect and double-indirect
 * blocks with 1 KiB blocks), a hard link, a short and a long symlink, a sparse file with data at
 * 0, 1 MiB and 6 GiB (beyond 4 GiB), modes 0600/0755/04711 and an explicit mtime.
 */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *name;
	long size;
	int mode;
} files[] = {
    {"empty", 0, 0644},
    {"one", 1, 0600},
    {"a/k1", 1000, 0644},
    {"a/b/k4", 4096, 0755},
    {"a/b/c/k70", 70000, 04711},
    {"a/b/c/k300", 300000, 0640},
    {"m5", 5 * 1000 * 1000, 0644},
};
#define NFILES	   (sizeof(files) / sizeof(files[0]))
#define SPARSE_FAR (6LL << 30)
#define MTIME	   1300000000
static const char long_target[] = /* over 60 bytes: a slow symlink (in a block) */
    "./a/./b/./c/../c/../../b/c/../../../a/b/c/./././././././././././k300";

/* File i's content: the stream seeded with i, as many bytes as its size. */
static char *content(size_t i)
{
	size_t cap = ((size_t)files[i].size + 7) & ~(size_t)7;
	char *p = malloc(cap + 8);
	uint64_t s = i + 1;

	stream_fill(&s, p, cap);
	return p;
}

static void write_tree(void)
{
	mkdir("a", 0755);
	mkdir("a/b", 0700);
	mkdir("a/b/c", 0755);
	for (size_t i = 0; i < NFILES; i++) {
		char *p = content(i);
		EXPECT_EQ(files[i].name, put_file(files[i].name, p, (size_t)files[i].size), 0);
		EXPECT_EQ("chmod", chmod(files[i].name, (mode_t)files[i].mode), 0);
		free(p);
	}
	EXPECT_EQ("link", link("a/k1", "a/b/k1-link"), 0);
	EXPECT_EQ("symlink-short", symlink("a/b/k4", "short-link"), 0);
	EXPECT_EQ("symlink-long", symlink(long_target, "long-link"), 0);
	int fd = open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
	EXPECT_EQ("sparse-head", pwrite(fd, "head", 4, 0), 4);
	EXPECT_EQ("sparse-mid", pwrite(fd, "middle", 6, 1 << 20), 6);
	EXPECT_EQ("sparse-far", pwrite(fd, "far", 3, SPARSE_FAR), 3);
	close(fd);
	struct timespec ts[2] = {{MTIME, 0}, {MTIME, 0}};
	EXPECT_EQ("utimens", utimensat(AT_FDCWD, "one", ts, 0), 0);
	mkdir("gone", 0755);
	put_file("gone/x", "x", 1);
	unlink("gone/x");
	EXPECT_EQ("rmdir", rmdir("gone"), 0);
}

static void check_file(size_t i)
{
	char name[128], *want = content(i), *got = malloc((size_t)files[i].size + 1);
	struct stat st;

	snprintf(name, sizeof(name), "%s-size", files[i].name);
	EXPECT_EQ(name, stat(files[i].name, &st) == 0 ? st.st_size : -1, files[i].size);
	snprintf(name, sizeof(name), "%s-mode", files[i].name);
	EXPECT_EQ(name, st.st_mode & 07777, files[i].mode);
	snprintf(name, sizeof(name), "%s-content", files[i].name);
	EXPECT_TRUE(name,
		    get_file(files[i].name, got, (size_t)files[i].size + 1) == files[i].size &&
			!memcmp(got, want, (size_t)files[i].size));
	free(want);
	free(got);
}

static void check_tree(void)
{
	char buf[PATH_MAX] = {0};
	struct stat st;

	for (size_t i = 0; i < NFILES; i++)
		check_file(i);
	EXPECT_EQ("dir-mode", stat("a/b", &st) == 0 ? (long)(st.st_mode & 07777) : -1, 0700);
	EXPECT_EQ("dir-nlink", stat("a/b", &st) == 0 ? (long)st.st_nlink : -1, 3);
	EXPECT_EQ("link-nlink", stat("a/b/k1-link", &st) == 0 ? (long)st.st_nlink : -1, 2);
	EXPECT_EQ("symlink-short", readlink("short-link", buf, sizeof(buf)), 6);
	check_str("symlink-short-text", buf, "a/b/k4");
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ("symlink-long", readlink("long-link", buf, sizeof(buf)),
		  (long)strlen(long_target));
	check_str("symlink-long-text", buf, long_target);
	EXPECT_EQ("symlink-long-follow", file_size("long-link"), 300000);
	EXPECT_EQ("sparse-size", file_size("sparse"), SPARSE_FAR + 3);
	int fd = open("sparse", O_RDONLY);
	memset(buf, 1, 16);
	EXPECT_TRUE("sparse-data",
		    pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "head", 4) &&
			pread(fd, buf, 6, 1 << 20) == 6 && !memcmp(buf, "middle", 6) &&
			pread(fd, buf, 3, SPARSE_FAR) == 3 && !memcmp(buf, "far", 3));
	EXPECT_TRUE("sparse-hole-zero", pread(fd, buf, 16, 3LL << 30) == 16 && !buf[0] && !buf[15]);
	EXPECT_TRUE("sparse-few-blocks", fstat(fd, &st) == 0 && st.st_blocks < 200);
	close(fd);
	EXPECT_EQ("mtime", stat("one", &st) == 0 ? (long)st.st_mtime : -1, MTIME);
	EXPECT_ERR("removed-dir-gone", stat("gone", &st), ENOENT);
}

static void check_readonly(void)
{
	EXPECT_ERR("ro-create", open("new", O_CREAT | O_WRONLY, 0644), EROFS);
	EXPECT_ERR("ro-open-write", open("one", O_WRONLY), EROFS);
	EXPECT_ERR("ro-mkdir", mkdir("newdir", 0755), EROFS);
	EXPECT_ERR("ro-unlink", unlink("one"), EROFS);
	EXPECT_ERR("ro-rename", rename("one", "two"), EROFS);
	EXPECT_ERR("ro-chmod", chmod("one", 0777), EROFS);
	EXPECT_ERR("ro-truncate", truncate("one", 0), EROFS);
	EXPECT_ERR("ro-symlink", symlink("x", "y"), EROFS);
	EXPECT_EQ("ro-still-there", file_size("one"), 1);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3 || chdir(argv[2]) < 0) {
		fprintf(stderr, "usage: persist write|check|rocheck DIR\n");
		return 2;
	}
	if (!strcmp(argv[1], "write"))
		write_tree();
	else
		check_tree();
	if (!strcmp(argv[1], "rocheck"))
		check_readonly();
	return check_finish();
}
