/* Lists files with their type, mode, size and content sum (compares a guest's tree to the host). */
/*
 *   lsum [-C DIR] PATH...            one line per PATH: "PATH TYPE MODE SIZE SUM" for a file,
 *                                    "PATH link -> TARGET", "PATH dir MODE", "PATH ERRNO"
 *   lsum --write PATH TEXT           replaces PATH's content with TEXT and reads it back
 * With -C, paths are taken relative to DIR (the host copy of a guest's root).
 */
#include "check.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[1 << 20];

static void list(const char *shown, const char *path)
{
	struct stat st;
	char target[PATH_MAX] = {0};

	if (lstat(path, &st) < 0) {
		printf("%s %s\n", shown, errno_name(errno));
	} else if (S_ISLNK(st.st_mode)) {
		readlink(path, target, sizeof(target) - 1);
		printf("%s link -> %s\n", shown, target);
	} else if (S_ISDIR(st.st_mode)) {
		printf("%s dir %04o\n", shown, (unsigned)(st.st_mode & 07777));
	} else {
		long n = get_file(path, buf, sizeof(buf));
		printf("%s file %04o %ld %016" PRIx64 "\n", shown, (unsigned)(st.st_mode & 07777),
		       (long)st.st_size, n < 0 ? 0 : sum_bytes(SUM_INIT, buf, (size_t)n));
	}
}

static int rewrite(const char *path, const char *text)
{
	char back[256] = {0};

	EXPECT_EQ("rewrite", put_file(path, text, strlen(text)), 0);
	get_file(path, back, sizeof(back) - 1);
	check_str("rewrite-read-back", back, text);
	return check_finish();
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	int i = 1, rel = 0;

	if (argc == 4 && !strcmp(argv[1], "--write"))
		return rewrite(argv[2], argv[3]);
	if (argc > 2 && !strcmp(argv[1], "-C")) {
		if (chdir(argv[2]) < 0)
			return 2;
		i = 3;
		rel = 1;
	}
	for (; i < argc; i++) {
		snprintf(path, sizeof(path), "%s%s", rel && argv[i][0] == '/' ? "." : "", argv[i]);
		list(argv[i], path);
	}
	return 0;
}
