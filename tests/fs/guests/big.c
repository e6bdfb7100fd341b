/* A big file written and read back: prints the stream's sum both ways (compared to native). */
/*
 *   big PATH MIB    writes MIB MiB of the deterministic stream to PATH in 1 MiB writes, fsyncs,
 *                   reads it back in 1 MiB reads; prints "wrote SUM", "read SUM" (hex), the
 *                   MB/s of each pass (as comments), and one result line per check
 */
#include "check.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MIB (1L << 20)

static uint64_t write_pass(int fd, long mib, char *buf)
{
	uint64_t s = 7, h = SUM_INIT;

	for (long i = 0; i < mib; i++) {
		stream_fill(&s, buf, MIB);
		h = sum_words(h, buf, MIB);
		if (write(fd, buf, MIB) != MIB) {
			printf("FAIL write: at MiB %ld (errno %s)\n", i, errno_name(errno));
			check_failed++;
			return 0;
		}
	}
	return h;
}

static uint64_t read_pass(int fd, long mib, char *buf)
{
	uint64_t h = SUM_INIT;
	ssize_t n;
	long total = 0;

	while ((n = read(fd, buf, MIB)) > 0) {
		h = sum_words(h, buf, (size_t)n);
		total += n;
	}
	EXPECT_EQ("read-length", total, mib * MIB);
	return h;
}

int main(int argc, char **argv)
{
	char *buf = malloc(MIB);
	long mib = argc == 3 ? atol(argv[2]) : 0;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mib <= 0 || !buf) {
		fprintf(stderr, "usage: big PATH MIB\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	EXPECT_TRUE("open", fd >= 0);
	double t0 = now_s();
	uint64_t w = write_pass(fd, mib, buf);
	EXPECT_EQ("fsync", fsync(fd), 0);
	double t1 = now_s();
	lseek(fd, 0, SEEK_SET);
	uint64_t r = read_pass(fd, mib, buf);
	double t2 = now_s();
	printf("wrote %016" PRIx64 "\nread %016" PRIx64 "\n", w, r);
	printf("# write %.0f MB/s, read %.0f MB/s\n", mib * MIB / 1e6 / (t1 - t0),
	       mib * MIB / 1e6 / (t2 - t1));
	EXPECT_TRUE("sum-matches", w == r && w != 0);
	EXPECT_EQ("size", file_size(argv[1]), mib * MIB);
	close(fd);
	return check_finish();
}
