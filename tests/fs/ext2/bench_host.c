/* ext2 on the host harness against native file I/O: 1 GiB sequential write and read (MB/s). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define CHUNK (1u << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Native: pwrite CHUNKs to a host file, fdatasync; then pread them back. */
static void native(const char *path, char *buf, uint64_t total, double *w, double *r)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	double t = now_s();

	for (uint64_t off = 0; off < total; off += CHUNK)
		if (pwrite(fd, buf, CHUNK, (off_t)off) != CHUNK)
			abort();
	fdatasync(fd);
	*w = now_s() - t;
	t = now_s();
	for (uint64_t off = 0; off < total; off += CHUNK)
		if (pread(fd, buf, CHUNK, (off_t)off) != CHUNK)
			abort();
	*r = now_s() - t;
	close(fd);
	unlink(path);
}

static void ext2(const char *img, char *buf, uint64_t total, double *w, double *r)
{
	struct pith_vnode *vn;
	struct h_fs h;
	double t;

	if (h_mkfs(img, "-b 4096", "1536M") || h_mount(&h, img, false) ||
	    h_write_file(&h, "big", "", 0) < 0 || h_walk(&h, "big", &vn))
		abort();
	t = now_s();
	for (uint64_t off = 0; off < total; off += CHUNK)
		if (vn->ops->write(vn, buf, CHUNK, off) != CHUNK)
			abort();
	vn->ops->fsync(vn, false);
	*w = now_s() - t;
	t = now_s();
	for (uint64_t off = 0; off < total; off += CHUNK)
		if (vn->ops->read(vn, buf, CHUNK, off) != CHUNK)
			abort();
	*r = now_s() - t;
	pith_vnode_put(vn);
	h_unmount(&h);
	printf("e2fsck -fn after the 1 GiB file: status %d\n", h_fsck(img));
}

int main(int argc, char **argv)
{
	uint64_t total = (argc > 1 ? strtoull(argv[1], NULL, 0) : 1024) << 20;
	char *buf = malloc(CHUNK);
	double nw, nr, ew, er, mb = (double)(total >> 20);

	h_fill(buf, CHUNK, 3);
	native("/var/tmp/pith-ext2-bench-native", buf, total, &nw, &nr);
	ext2("/var/tmp/pith-ext2-bench.img", buf, total, &ew, &er);
	unlink("/var/tmp/pith-ext2-bench.img");
	printf("write: native %.0f MB/s, ext2 %.0f MB/s (%.2fx)\n", mb / nw, mb / ew, nw / ew);
	printf("read:  native %.0f MB/s, ext2 %.0f MB/s (%.2fx)\n", mb / nr, mb / er, nr / er);
	return 0;
}
