/* Many files in one directory: create, list, stat each, delete (two boots around an fsck). */
/*
 *   many create DIR N   makes DIR, creates f0..f(N-1) in it (each holding its own name), lists DIR
 *                       (every name once), stats each
 *   many delete DIR N   lists and stats again, reads each, deletes all, lists DIR (empty)
 */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Returns how many entries DIR has besides . and ..; every fN (N < n) must appear once. */
static long list_dir(long n, long *dups)
{
	unsigned char *seen = calloc((size_t)n, 1);
	DIR *d = opendir(".");
	struct dirent *e;
	long total = 0, i;

	*dups = 0;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		total++;
		if (sscanf(e->d_name, "f%ld", &i) == 1 && i >= 0 && i < n && seen[i]++)
			(*dups)++;
	}
	if (d)
		closedir(d);
	free(seen);
	return d ? total : -1;
}

static long stat_all(long n)
{
	char name[32];
	struct stat st;
	long good = 0;

	for (long i = 0; i < n; i++) {
		int len = snprintf(name, sizeof(name), "f%ld", i);
		good += stat(name, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == len;
	}
	return good;
}

static long create_all(long n)
{
	char name[32];
	long good = 0;

	for (long i = 0; i < n; i++) {
		int len = snprintf(name, sizeof(name), "f%ld", i);
		good += put_file(name, name, (size_t)len) == 0;
	}
	return good;
}

static long read_delete_all(long n)
{
	char name[32], buf[32];
	long good = 0;

	for (long i = 0; i < n; i++) {
		int len = snprintf(name, sizeof(name), "f%ld", i);
		memset(buf, 0, sizeof(buf));
		good += get_file(name, buf, sizeof(buf)) == len && !strcmp(buf, name) &&
			unlink(name) == 0;
	}
	return good;
}

int main(int argc, char **argv)
{
	long n = argc == 4 ? atol(argv[3]) : 0, dups;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (n > 0 && !strcmp(argv[1], "create"))
		mkdir(argv[2], 0755);
	if (n <= 0 || chdir(argv[2]) < 0) {
		fprintf(stderr, "usage: many create|delete DIR N\n");
		return 2;
	}
	double t0 = now_s();
	if (!strcmp(argv[1], "create"))
		EXPECT_EQ("create", create_all(n), n);
	double t1 = now_s();
	EXPECT_EQ("readdir-count", list_dir(n, &dups), n);
	EXPECT_EQ("readdir-no-duplicates", dups, 0);
	EXPECT_EQ("stat-each", stat_all(n), n);
	double t2 = now_s();
	if (!strcmp(argv[1], "delete")) {
		EXPECT_EQ("read-delete-each", read_delete_all(n), n);
		EXPECT_EQ("readdir-empty", list_dir(n, &dups), 0);
	}
	printf("# %s: %.2f s, list+stat %.2f s, delete %.2f s\n", argv[1], t1 - t0, t2 - t1,
	       now_s() - t2);
	return check_finish();
}
