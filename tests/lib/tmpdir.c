/* Temporary folders for host unit tests: made under /tmp, removed with everything in them. */
#include "tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tmpdir__make(char *buf, size_t len, const char *prefix)
{
	if ((size_t)snprintf(buf, len, "/tmp/%s-XXXXXX", prefix) >= len || !mkdtemp(buf)) {
		perror("mkdtemp");
		exit(2);
	}
}

static int remove__one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0)
		fprintf(stderr, "could not remove %s: %s\n", path, strerror(errno));
	return 0;
}

void tmpdir__remove(const char *dir)
{
	if (nftw(dir, remove__one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "could not remove %s: %s\n", dir, strerror(errno));
}
