/* Walks a tree reading everything (for corrupt images): counts errors by kind, never stops. */
/*
 *   walk DIR    visits every entry below DIR (depth at most 32): lstat, read every regular file
 *               to its end, readlink every symlink, descend into directories. Prints each error
 *               as "# PATH: OPERATION: ERRNO" and ends with
 *               "walk: N entries, N EIO, N other errors, N too deep" and exit status 0.
 */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEPTH_MAX 32

static long entries, eio, other, too_deep;
static char buf[65536];

static void error(const char *path, const char *op)
{
	printf("# %s: %s: %s\n", path, op, errno_name(errno));
	if (errno == EIO)
		eio++;
	else
		other++;
}

static void read_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		error(path, "open");
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		error(path, "read");
	close(fd);
}

static void walk(const char *path, int depth);

static void visit(const char *path, int depth)
{
	struct stat st;

	entries++;
	if (lstat(path, &st) < 0) {
		error(path, "lstat");
		return;
	}
	if (S_ISREG(st.st_mode))
		read_file(path);
	else if (S_ISLNK(st.st_mode) && readlink(path, buf, sizeof(buf)) < 0)
		error(path, "readlink");
	else if (S_ISDIR(st.st_mode))
		walk(path, depth + 1);
}

static void walk(const char *path, int depth)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (depth > DEPTH_MAX) {
		too_deep++;
		return;
	}
	if (!(d = opendir(path))) {
		error(path, "opendir");
		return;
	}
	errno = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < (int)sizeof(sub))
			visit(sub, depth);
		errno = 0;
	}
	if (errno)
		error(path, "readdir");
	closedir(d);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: walk DIR\n");
		return 2;
	}
	walk(argv[1], 0);
	printf("walk: %ld entries, %ld EIO, %ld other errors, %ld too deep\n", entries, eio, other,
	       too_deep);
	return 0;
}
