/* ENOSPC: fill a small disk until writes fail, then free a file and write again. */
/*
 *   fill DIR    writes "keep" (64 KiB), then "big" in 64 KiB writes until one is short and the
 *               next fails with ENOSPC; then small files until ENOSPC; then removes "keep" and
 *               writes 64 KiB into "again". Every file written before the first ENOSPC must
 *               read back intact at the end.
 */
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

static char chunk[CHUNK], back[CHUNK];

/* Writes CHUNK-sized pieces to fd until a write fails; returns the bytes written. */
static long fill_file(int fd, int *short_seen, int *last_err)
{
	long total = 0;

	for (;;) {
		errno = 0;
		ssize_t n = write(fd, chunk, CHUNK);
		if (n < 0) {
			*last_err = errno;
			return total;
		}
		if (n < CHUNK)
			(*short_seen)++;
		total += n;
	}
}

static long fill_small_files(int *last_err)
{
	char name[32];
	long count = 0;

	for (;; count++) {
		snprintf(name, sizeof(name), "s%ld", count);
		int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			*last_err = errno;
			return count;
		}
		errno = 0;
		ssize_t n = write(fd, chunk, 4096);
		*last_err = errno;
		close(fd);
		if (n != 4096)
			return count;
	}
}

/* The bytes of "big" are the repeated chunk: check every piece. */
static int big_intact(long size)
{
	int fd = open("big", O_RDONLY), ok = fd >= 0;

	for (long off = 0; ok && off < size; off += CHUNK) {
		long want = size - off < CHUNK ? size - off : CHUNK;
		ok = pread(fd, back, CHUNK, off) == want && !memcmp(back, chunk, (size_t)want);
	}
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	int short_seen = 0, err = 0, fd;
	uint64_t s = 42;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || chdir(argv[1]) < 0) {
		fprintf(stderr, "usage: fill DIR\n");
		return 2;
	}
	stream_fill(&s, chunk, CHUNK);
	EXPECT_EQ("write-keep", put_file("keep", chunk, CHUNK), 0);
	fd = open("big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long big = fill_file(fd, &short_seen, &err);
	printf("# big: %ld bytes, %d short writes, then %s\n", big, short_seen, errno_name(err));
	EXPECT_EQ("fill-enospc", err, ENOSPC);
	EXPECT_TRUE("fill-wrote-something", big > CHUNK);
	EXPECT_EQ("fsync-full", fsync(fd), 0);
	close(fd);
	long small = fill_small_files(&err);
	printf("# then %ld small files, then %s\n", small, errno_name(err));
	EXPECT_TRUE("small-enospc", err == ENOSPC);
	EXPECT_EQ("big-size", file_size("big"), big);
	EXPECT_TRUE("big-intact", big_intact(big));
	EXPECT_EQ("unlink-keep", unlink("keep"), 0);
	EXPECT_EQ("write-after-free", put_file("again", chunk, CHUNK), 0);
	EXPECT_EQ("again-size", file_size("again"), CHUNK);
	fd = open("again", O_RDONLY);
	EXPECT_EQ("fsync-after-free", fsync(fd), 0);
	close(fd);
	return check_finish();
}
