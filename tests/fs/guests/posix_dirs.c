/* The POSIX suite's name cases: directories, readdir, unlink, rename, links, symlinks, cwd. */
#include "posix.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

/* renameat2 through syscall(2): musl 1.2.3 has no wrapper. */
static long renameat2_(int od, const char *o, int nd, const char *n, unsigned flags)
{
	return syscall(SYS_renameat2, od, o, nd, n, flags);
}

static long nlink_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (long)st.st_nlink;
}

static long ino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (long)st.st_ino;
}

/* Counts the names of DIR: each of n[0..count) must appear once; returns entries seen, or -1. */
static long readdir_count(const char *dir, int *seen, int count, int *bad_type)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long total = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		int i;
		total++;
		if (sscanf(e->d_name, "f%d", &i) == 1 && i >= 0 && i < count)
			seen[i]++;
		/* d_type is DT_REG here, or DT_UNKNOWN on filesystems that do not store it. */
		if (e->d_name[0] == 'f' && e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			(*bad_type)++;
	}
	closedir(d);
	return total;
}

static void readdir_cases(void)
{
	int seen[60] = {0}, bad_type = 0, once = 1;
	char name[32];

	mkdir("rd", 0755);
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "rd/f%d", i);
		put_file(name, "x", 1);
	}
	for (int i = 0; i < 60; i += 4) {
		snprintf(name, sizeof(name), "rd/f%d", i);
		unlink(name);
	}
	EXPECT_EQ("readdir-count", readdir_count("rd", seen, 60, &bad_type), 45 + 2);
	for (int i = 0; i < 60; i++)
		once &= seen[i] == (i % 4 ? 1 : 0);
	EXPECT_TRUE("readdir-each-name-once", once);
	EXPECT_EQ("readdir-d-type", bad_type, 0);
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "rd/f%d", i);
		unlink(name);
	}
	memset(seen, 0, sizeof(seen));
	EXPECT_EQ("readdir-empty-after-unlinks", readdir_count("rd", seen, 60, &bad_type), 2);
	EXPECT_EQ("rmdir-emptied", rmdir("rd"), 0);
	EXPECT_EQ("opendir-missing", opendir("rd") == NULL && errno == ENOENT, 1);
}

static void mkdir_rmdir_cases(void)
{
	int dfd;

	EXPECT_EQ("mkdir", mkdir("md", 0750), 0);
	EXPECT_ERR("mkdir-eexist", mkdir("md", 0755), EEXIST);
	EXPECT_EQ("mkdir-nlink-2", nlink_of("md"), 2);
	EXPECT_EQ("mkdir-trailing-slash", mkdir("md/sub/", 0755), 0);
	EXPECT_EQ("mkdir-parent-nlink-3", nlink_of("md"), 3);
	dfd = open("md", O_RDONLY | O_DIRECTORY);
	EXPECT_EQ("mkdirat", mkdirat(dfd, "sub2", 0755), 0);
	EXPECT_EQ("mkdirat-visible", nlink_of("md/sub2"), 2);
	EXPECT_ERR("rmdir-nonempty-enotempty", rmdir("md"), ENOTEMPTY);
	EXPECT_EQ("unlinkat-removedir", unlinkat(dfd, "sub2", AT_REMOVEDIR), 0);
	close(dfd);
	EXPECT_ERR("mkdir-missing-parent", mkdir("md/no/x", 0755), ENOENT);
	put_file("md/file", "", 0);
	EXPECT_ERR("mkdir-under-file-enotdir", mkdir("md/file/x", 0755), ENOTDIR);
	EXPECT_ERR("rmdir-file-enotdir", rmdir("md/file"), ENOTDIR);
	EXPECT_ERR("rmdir-dot-einval", rmdir("md/sub/."), EINVAL);
	EXPECT_EQ("rmdir", rmdir("md/sub"), 0);
	EXPECT_EQ("rmdir-parent-nlink-2", nlink_of("md"), 2);
	EXPECT_ERR("rmdir-missing-enoent", rmdir("md/sub"), ENOENT);
	unlink("md/file");
	rmdir("md");
}

static void unlink_cases(void)
{
	char buf[8] = {0};
	int fd, dfd;

	put_file("ul", "still", 5);
	fd = open("ul", O_RDONLY);
	EXPECT_EQ("unlink", unlink("ul"), 0);
	EXPECT_ERR("unlink-gone", access("ul", F_OK), ENOENT);
	EXPECT_EQ("unlink-open-file-readable", read(fd, buf, 5) == 5 && !strcmp(buf, "still"), 1);
	close(fd);
	EXPECT_ERR("unlink-missing-enoent", unlink("ul"), ENOENT);
	mkdir("uldir", 0755);
	/* Linux answers EISDIR; POSIX's EPERM is also accepted. */
	EXPECT_ERR2("unlink-dir", unlink("uldir"), EISDIR, EPERM);
	dfd = open("uldir", O_RDONLY | O_DIRECTORY);
	put_file("uldir/x", "", 0);
	EXPECT_EQ("unlinkat", unlinkat(dfd, "x", 0), 0);
	EXPECT_ERR("unlinkat-gone", faccessat(dfd, "x", F_OK, 0), ENOENT);
	close(dfd);
	EXPECT_EQ("unlinkat-removedir-cwd", unlinkat(AT_FDCWD, "uldir", AT_REMOVEDIR), 0);
}

static void rename_file_cases(void)
{
	char buf[16] = {0};
	int dfd;

	put_file("rn_a", "AAA", 3);
	put_file("rn_b", "BB", 2);
	EXPECT_EQ("rename-file", rename("rn_a", "rn_c"), 0);
	EXPECT_ERR("rename-old-gone", access("rn_a", F_OK), ENOENT);
	EXPECT_EQ("rename-new-size", file_size("rn_c"), 3);
	EXPECT_EQ("rename-replace", rename("rn_c", "rn_b"), 0);
	get_file("rn_b", buf, sizeof(buf));
	check_str("rename-replace-content", buf, "AAA");
	EXPECT_EQ("rename-same-name", rename("rn_b", "rn_b"), 0);
	EXPECT_EQ("rename-same-name-kept", file_size("rn_b"), 3);
	EXPECT_ERR("rename-missing-enoent", rename("rn_none", "rn_x"), ENOENT);
	mkdir("rn_d", 0755);
	EXPECT_EQ("rename-into-dir", rename("rn_b", "rn_d/b"), 0);
	dfd = open("rn_d", O_RDONLY | O_DIRECTORY);
	EXPECT_EQ("renameat", renameat(dfd, "b", AT_FDCWD, "rn_e"), 0);
	put_file("rn_f", "F", 1);
	EXPECT_ERR("renameat2-noreplace-eexist",
		   renameat2_(AT_FDCWD, "rn_f", AT_FDCWD, "rn_e", RENAME_NOREPLACE), EEXIST);
	EXPECT_EQ("renameat2-noreplace-kept", file_size("rn_e"), 3);
	EXPECT_EQ("renameat2-noreplace-new",
		  renameat2_(AT_FDCWD, "rn_f", dfd, "f", RENAME_NOREPLACE), 0);
	EXPECT_EQ("renameat2-noreplace-moved", file_size("rn_d/f"), 1);
	close(dfd);
	EXPECT_ERR("rename-file-over-dir-eisdir", rename("rn_e", "rn_d"), EISDIR);
	unlink("rn_d/f");
	unlink("rn_e");
	rmdir("rn_d");
}

static void rename_dir_cases(void)
{
	mkdir("rd_a", 0755);
	put_file("rd_a/inner", "in", 2);
	mkdir("rd_b", 0755);
	EXPECT_EQ("rename-dir-over-empty-dir", rename("rd_a", "rd_b"), 0);
	EXPECT_EQ("rename-dir-content-moved", file_size("rd_b/inner"), 2);
	EXPECT_ERR("rename-dir-old-gone", access("rd_a", F_OK), ENOENT);
	mkdir("rd_c", 0755);
	put_file("rd_c/x", "", 0);
	/* Linux answers ENOTEMPTY; POSIX also allows EEXIST. */
	EXPECT_ERR2("rename-dir-over-nonempty", rename("rd_b", "rd_c"), ENOTEMPTY, EEXIST);
	EXPECT_ERR("rename-dir-over-file-enotdir", rename("rd_b", "rd_c/x"), ENOTDIR);
	EXPECT_ERR("rename-into-own-subdir-einval", rename("rd_b", "rd_b/sub"), EINVAL);
	mkdir("rd_b/deep", 0755);
	EXPECT_ERR("rename-into-own-deep-einval", rename("rd_b", "rd_b/deep/x"), EINVAL);
	EXPECT_EQ("rename-dir-across-parents", rename("rd_b/deep", "rd_c/deep"), 0);
	EXPECT_EQ("rename-dir-old-parent-nlink", nlink_of("rd_b"), 2);
	EXPECT_EQ("rename-dir-new-parent-nlink", nlink_of("rd_c"), 3);
	EXPECT_EQ("rename-dir-dotdot", ino_of("rd_c/deep/.."), ino_of("rd_c"));
	rmdir("rd_c/deep");
	unlink("rd_c/x");
	unlink("rd_b/inner");
	rmdir("rd_b");
	rmdir("rd_c");
}

static void link_cases(void)
{
	put_file("ln_a", "data", 4);
	EXPECT_EQ("link", link("ln_a", "ln_b"), 0);
	EXPECT_EQ("link-nlink-2", nlink_of("ln_a"), 2);
	EXPECT_EQ("link-same-inode", ino_of("ln_a") == ino_of("ln_b"), 1);
	EXPECT_EQ("linkat", linkat(AT_FDCWD, "ln_b", AT_FDCWD, "ln_c", 0), 0);
	EXPECT_EQ("linkat-nlink-3", nlink_of("ln_b"), 3);
	EXPECT_ERR("link-eexist", link("ln_a", "ln_c"), EEXIST);
	EXPECT_ERR("link-missing-enoent", link("ln_none", "ln_d"), ENOENT);
	mkdir("ln_dir", 0755);
	EXPECT_ERR("link-dir-eperm", link("ln_dir", "ln_dir2"), EPERM);
	rmdir("ln_dir");
	unlink("ln_a");
	EXPECT_EQ("link-unlink-one-nlink-2", nlink_of("ln_c"), 2);
	EXPECT_EQ("link-content-survives", file_size("ln_b"), 4);
	unlink("ln_b");
	unlink("ln_c");
}

static void symlink_cases(void)
{
	char buf[PATH_MAX] = {0}, abs[PATH_MAX];
	struct stat st;

	put_file("sl_t", "target", 6);
	EXPECT_EQ("symlink-relative", symlink("sl_t", "sl_rel"), 0);
	EXPECT_EQ("readlink-relative", readlink("sl_rel", buf, sizeof(buf)), 4);
	check_str("readlink-relative-text", buf, "sl_t");
	EXPECT_EQ("symlink-follow-size", file_size("sl_rel"), 6);
	EXPECT_EQ("lstat-symlink", lstat("sl_rel", &st) == 0 && S_ISLNK(st.st_mode), 1);
	EXPECT_EQ("lstat-symlink-size", st.st_size, 4);
	getcwd(abs, sizeof(abs) - 8);
	strcat(abs, "/sl_t");
	EXPECT_EQ("symlink-absolute", symlinkat(abs, AT_FDCWD, "sl_abs"), 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ("readlinkat-absolute", readlinkat(AT_FDCWD, "sl_abs", buf, sizeof(buf)),
		  (long)strlen(abs));
	EXPECT_EQ("symlink-absolute-follow", file_size("sl_abs"), 6);
	EXPECT_EQ("symlink-dangling", symlink("sl_nowhere", "sl_dang"), 0);
	EXPECT_ERR("stat-dangling-enoent", stat("sl_dang", &st), ENOENT);
	EXPECT_EQ("lstat-dangling", lstat("sl_dang", &st), 0);
	symlink("sl_loop2", "sl_loop1");
	symlink("sl_loop1", "sl_loop2");
	EXPECT_ERR("symlink-loop-eloop", open("sl_loop1", O_RDONLY), ELOOP);
	EXPECT_ERR("symlink-loop-stat-eloop", stat("sl_loop2", &st), ELOOP);
	EXPECT_ERR("readlink-regular-einval", readlink("sl_t", buf, sizeof(buf)), EINVAL);
	EXPECT_ERR("symlink-eexist", symlink("x", "sl_rel"), EEXIST);
	mkdir("sl_dir", 0755);
	put_file("sl_dir/f", "ff", 2);
	symlink("sl_dir", "sl_dlink");
	EXPECT_EQ("symlink-dir-traverse", file_size("sl_dlink/f"), 2);
	EXPECT_EQ("readlink-truncates", readlink("sl_abs", buf, 3), 3);
	unlink("sl_dir/f");
	rmdir("sl_dir");
	const char *names[] = {"sl_t",	   "sl_rel",   "sl_abs",  "sl_dang",
			       "sl_loop1", "sl_loop2", "sl_dlink"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(names[i]);
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

static void cwd_cases(void)
{
	char buf[PATH_MAX] = {0}, top[PATH_MAX] = {0};

	EXPECT_TRUE("getcwd", getcwd(top, sizeof(top)) != NULL && top[0] == '/');
	mkdir("cw_a", 0755);
	EXPECT_EQ("chdir", chdir("cw_a"), 0);
	EXPECT_TRUE("getcwd-after-chdir", getcwd(buf, sizeof(buf)) && ends_with(buf, "/cw_a"));
	put_file("rel", "r", 1);
	EXPECT_EQ("relative-after-chdir", file_size("../cw_a/rel"), 1);
	EXPECT_EQ("rename-cwd", rename("../cw_a", "../cw_b"), 0);
	EXPECT_TRUE("getcwd-renamed", getcwd(buf, sizeof(buf)) && ends_with(buf, "/cw_b"));
	EXPECT_EQ("relative-in-renamed", file_size("rel"), 1);
	EXPECT_EQ("chdir-dotdot", chdir(".."), 0);
	EXPECT_TRUE("getcwd-dotdot", getcwd(buf, sizeof(buf)) && !strcmp(buf, top));
	EXPECT_EQ("chdir-renamed", chdir("cw_b"), 0);
	EXPECT_EQ("fchdir", fchdir(posix_top), 0);
	EXPECT_TRUE("getcwd-fchdir", getcwd(buf, sizeof(buf)) && !strcmp(buf, top));
	EXPECT_ERR("chdir-file-enotdir", chdir("cw_b/rel"), ENOTDIR);
	EXPECT_ERR("chdir-missing-enoent", chdir("cw_none"), ENOENT);
	EXPECT_ERR("getcwd-small-erange", getcwd(buf, 2) ? 0 : -1, ERANGE);
	unlink("cw_b/rel");
	rmdir("cw_b");
}

static void access_cases(void)
{
	put_file("ac", "", 0);
	EXPECT_EQ("access-f-ok", access("ac", F_OK), 0);
	EXPECT_EQ("access-rw-ok", access("ac", R_OK | W_OK), 0);
	EXPECT_ERR("access-missing-enoent", access("ac_none", F_OK), ENOENT);
	EXPECT_ERR("access-bad-mode-einval", access("ac", 0100), EINVAL);
	EXPECT_EQ("faccessat", faccessat(posix_top, "ac", R_OK, 0), 0);
	EXPECT_ERR("faccessat-enotdir", faccessat(AT_FDCWD, "ac/x", F_OK, 0), ENOTDIR);
	unlink("ac");
}

static void name_length_cases(void)
{
	char name[257], *path = malloc(4097);
	struct stat st;

	memset(name, 'n', 256);
	name[256] = 0;
	EXPECT_ERR("name-256-enametoolong", open(name, O_CREAT | O_RDWR, 0644), ENAMETOOLONG);
	EXPECT_ERR("name-256-stat-enametoolong", stat(name, &st), ENAMETOOLONG);
	name[255] = 0;
	int fd = open(name, O_CREAT | O_RDWR, 0644);
	EXPECT_TRUE("name-255-ok", fd >= 0);
	close(fd);
	unlink(name);
	for (int i = 0; i < 4096; i += 2)
		memcpy(path + i, "a/", 2);
	path[4095] = 'a';
	path[4096] = 0;
	EXPECT_ERR("path-4096-enametoolong", stat(path, &st), ENAMETOOLONG);
	EXPECT_ERR("empty-path-enoent", open("", O_RDONLY), ENOENT);
	free(path);
}

void posix_dir_cases(void)
{
	readdir_cases();
	mkdir_rmdir_cases();
	unlink_cases();
	rename_file_cases();
	rename_dir_cases();
	link_cases();
	symlink_cases();
	cwd_cases();
	access_cases();
	name_length_cases();
}

/* OTHER is a directory on another filesystem: rename and link across mounts are EXDEV. */
void posix_exdev_cases(const char *other)
{
	char path[PATH_MAX];
	struct stat a, b;

	if (stat(".", &a) < 0 || stat(other, &b) < 0 || a.st_dev == b.st_dev) {
		check_fail("exdev-setup", "a directory on another filesystem", other, errno);
		return;
	}
	put_file("xd", "x", 1);
	snprintf(path, sizeof(path), "%s/xd", other);
	EXPECT_ERR("rename-across-mounts-exdev", rename("xd", path), EXDEV);
	EXPECT_ERR("link-across-mounts-exdev", link("xd", path), EXDEV);
	EXPECT_EQ("rename-across-mounts-kept", file_size("xd"), 1);
	unlink("xd");
}
