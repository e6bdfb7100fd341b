/* Prints a tree's entries (type, mode, size, mtime, checksum or target), for native vs Pith. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Usage: tree ROOT            one line per entry under ROOT, sorted by path:
 *                             "<path> <type> <mode> <size> <mtime> <fnv1a-64 or target>"
 *        tree -w DIR          writes DIR/new (100,000 bytes), reads it back, renames and unlinks
 *                             it: prints "write ok" or what failed (the root ramfs is writable)
 * The same program runs natively on the host tree and inside Pith on the image's copy of it:
 * the two listings must be equal (modes, sizes, mtimes, contents and symlinks kept).
 */
static uint64_t fnv(int fd)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ull;
	return n < 0 ? 0 : h;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void entry(const char *root, const char *rel);

/* The directory's entries, sorted, each printed (and walked) in turn. */
static void walk(const char *root, const char *rel, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL, sub[4096];
	size_t n = 0;

	if (!d) {
		printf("%s opendir: %s\n", rel, strerror(errno));
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(de->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]);
		entry(root, sub);
		free(names[i]);
	}
	free(names);
}

static void entry(const char *root, const char *rel)
{
	char path[4096], target[4096];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if (lstat(path, &st) < 0) {
		printf("%s lstat: %s\n", rel, strerror(errno));
		return;
	}
	printf("%s %c %04o %lld %lld ", *rel ? rel : "/",
	       S_ISDIR(st.st_mode)   ? 'd'
	       : S_ISLNK(st.st_mode) ? 'l'
				     : 'f',
	       (unsigned)st.st_mode & 07777, S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
	       (long long)st.st_mtime);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		printf("-> %.*s\n", (int)(n < 0 ? 0 : n), target);
	} else if (S_ISREG(st.st_mode) && (fd = open(path, O_RDONLY)) >= 0) {
		printf("%016llx\n", (unsigned long long)fnv(fd));
		close(fd);
	} else {
		printf("\n");
	}
	if (S_ISDIR(st.st_mode))
		walk(root, rel, path);
}

static int write_check(const char *dir)
{
	static char buf[100000], back[100000];
	char path[4096], path2[4096];
	int fd;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 31 + 7);
	snprintf(path, sizeof(path), "%s/new", dir);
	snprintf(path2, sizeof(path2), "%s/renamed", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    pread(fd, back, sizeof(back), 0) != (ssize_t)sizeof(back) ||
	    memcmp(buf, back, sizeof(buf)) || close(fd) < 0 || rename(path, path2) < 0 ||
	    access(path, F_OK) == 0 || unlink(path2) < 0 || access(path2, F_OK) == 0) {
		printf("write failed: %s\n", strerror(errno));
		return 1;
	}
	printf("write ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-w") == 0)
		return write_check(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: tree ROOT | tree -w DIR\n");
		return 2;
	}
	entry(argv[1], "");
	return 0;
}
