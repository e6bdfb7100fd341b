/* The storage benchmark's program: the same source natively on a host file and in Pith on ext2. */
/*
 *   fsbench DIR MIB RANDOM FILES
 * In DIR: writes DIR/bench.dat (MIB MiB, 1 MiB writes, then fsync: the time includes it), reads
 * it back sequentially (1 MiB reads), does RANDOM preads of 4 KiB at random aligned offsets of
 * it, then FILES rounds of create + write 512 B + fsync + close + unlink of a small file.
 * Reads are warm on both sides: the file was just written, so natively the reads come from the
 * host's page cache, and in Pith (which keeps no file data in the guest) from the monitor's
 * preads of the same page cache. Prints one "NAME VALUE" line per figure, and "sum" lines
 * (the data read back must be the data written, or the figures mean nothing).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1L << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double seq_write(int fd, long mib, char *buf)
{
	double t0 = now();

	for (long i = 0; i < mib; i++) {
		memset(buf, (int)(i & 0xff), 64); /* each MiB distinct at its start */
		if (write(fd, buf, MIB) != MIB)
			die("fsbench: write");
	}
	if (fsync(fd) < 0)
		die("fsbench: fsync");
	return mib * MIB / 1e6 / (now() - t0);
}

static double seq_read(int fd, long mib, char *buf)
{
	double t0 = now();
	long bad = 0;

	for (long i = 0; i < mib; i++) {
		if (pread(fd, buf, MIB, i * MIB) != MIB)
			die("fsbench: read");
		bad += buf[0] != (char)(i & 0xff) || buf[MIB - 1] != 'x';
	}
	printf("sum seq-read-mismatches %ld\n", bad);
	return mib * MIB / 1e6 / (now() - t0);
}

static double rand_read(int fd, long mib, long n, char *buf)
{
	uint64_t s = 88172645463325252ULL;
	double t0 = now();

	for (long i = 0; i < n; i++) {
		off_t off = (off_t)(xorshift(&s) % (uint64_t)(mib * MIB / 4096)) * 4096;
		if (pread(fd, buf, 4096, off) != 4096)
			die("fsbench: random read");
	}
	return n / (now() - t0);
}

static double small_files(long n, const char *data)
{
	double t0 = now();

	for (long i = 0; i < n; i++) {
		int fd = open("small.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, data, 512) != 512 || fsync(fd) < 0 || close(fd) < 0 ||
		    unlink("small.tmp") < 0)
			die("fsbench: small file");
	}
	return n / (now() - t0);
}

int main(int argc, char **argv)
{
	char *buf = malloc(MIB);
	long mib, nrand, nfiles;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 5 || !buf || chdir(argv[1]) < 0) {
		fprintf(stderr, "usage: fsbench DIR MIB RANDOM FILES\n");
		return 2;
	}
	mib = atol(argv[2]), nrand = atol(argv[3]), nfiles = atol(argv[4]);
	memset(buf, 'x', MIB);
	fd = open("bench.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("fsbench: bench.dat");
	printf("seq_write_MBps %.0f\n", seq_write(fd, mib, buf));
	printf("seq_read_MBps %.0f\n", seq_read(fd, mib, buf));
	printf("rand_read_4k_ops %.0f\n", rand_read(fd, mib, nrand, buf));
	close(fd);
	unlink("bench.dat");
	printf("create_fsync_unlink_ops %.0f\n", small_files(nfiles, buf));
	return 0;
}
