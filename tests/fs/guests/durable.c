/* SIGKILL durability: a writer that reports each fsynced file, and the checker of the survivors. */
/*
 *   durable write DIR SEED   creates d0/f0, d0/f1, ... (a new directory every 16 files), each
 *                            of a size and content drawn from SEED and its index; after the
 *                            file's fsync and its directory's fsync both returned, prints
 *                            "synced NAME SIZE SUM" (one write per line). Runs until killed
 *                            (or until 4000 files, or ENOSPC).
 *   durable check DIR SEED N files 0..N-1 must exist with their exact size and content; prints
 *                            one result line per file that is wrong, and a total
 */
#include "check.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE_MAX_ 262144
#define PER_DIR	  16
#define FILES_MAX 4000

static char data[SIZE_MAX_ + 8], back[SIZE_MAX_ + 8];

/* File i's name, size (1 .. 256 KiB, often not a multiple of a block) and content. */
static size_t file_make(uint64_t seed, long i, char *name, size_t cap)
{
	uint64_t s = seed * 1000003u + (uint64_t)i;
	uint64_t r;

	stream_fill(&s, &r, 8);
	size_t size = 1 + (size_t)(r % SIZE_MAX_);
	stream_fill(&s, data, (size + 7) & ~(size_t)7);
	snprintf(name, cap, "d%ld/f%ld", i / PER_DIR, i);
	return size;
}

static int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int write_one(uint64_t seed, long i)
{
	char name[64], dir[32], line[160];
	size_t size = file_make(seed, i, name, sizeof(name));

	snprintf(dir, sizeof(dir), "d%ld", i / PER_DIR);
	if (i % PER_DIR == 0 && (mkdir(dir, 0755) < 0 || fsync_path(".", O_RDONLY) < 0))
		return -1;
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || fsync(fd) < 0)
		return -1;
	close(fd);
	if (fsync_path(dir, O_RDONLY | O_DIRECTORY) < 0)
		return -1;
	int n = snprintf(line, sizeof(line), "synced %s %zu %016" PRIx64 "\n", name, size,
			 sum_bytes(SUM_INIT, data, size));
	return write(1, line, (size_t)n) == n ? 0 : -1;
}

static int writer(uint64_t seed)
{
	for (long i = 0; i < FILES_MAX; i++) {
		if (write_one(seed, i) < 0) {
			printf("writer stopped at file %ld: %s\n", i, errno_name(errno));
			return errno == ENOSPC ? 0 : 1;
		}
	}
	printf("writer done\n");
	return 0;
}

static int checker(uint64_t seed, long n)
{
	char name[64], what[96];

	for (long i = 0; i < n; i++) {
		size_t size = file_make(seed, i, name, sizeof(name));
		long got = get_file(name, back, sizeof(back));
		if (got == (long)size && !memcmp(back, data, size))
			continue;
		snprintf(what, sizeof(what), "%zu bytes as written", size);
		snprintf(name + strlen(name), sizeof(name) - strlen(name), " %ld bytes%s", got,
			 got == (long)size ? " differing" : "");
		check_fail("intact", what, name, errno);
	}
	if (!check_failed)
		check_ok("all-synced-files-intact");
	return check_finish();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4 || chdir(argv[2]) < 0) {
		fprintf(stderr, "usage: durable write DIR SEED | durable check DIR SEED N\n");
		return 2;
	}
	uint64_t seed = strtoull(argv[3], NULL, 10);
	if (!strcmp(argv[1], "write"))
		return writer(seed);
	return checker(seed, argc == 5 ? atol(argv[4]) : 0);
}
