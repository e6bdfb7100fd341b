/* The host tests' fake disk: blk.h's device functions with pread/pwrite/fdatasync on a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_blk.h"

#define SECTOR 512u

struct pith_blk {
	int fd;
	bool ro;
	uint64_t size; /* bytes: whole sectors of the file */
	char mount[PITH_BLK_MOUNT_MAX];
	struct host_blk_counters counters;
	struct host_blk_write log[HOST_BLK_LOG_MAX];
	unsigned log_start, log_len;
	struct host_blk_fault fault; /* fault.count == 0: none */
};

static struct pith_blk disks[PITH_BLK_MAX];
static unsigned ndisks;

struct pith_blk *host_blk_open(const char *path, bool ro)
{
	struct pith_blk *d;
	struct stat st;
	int fd;

	if (ndisks == PITH_BLK_MAX) {
		fprintf(stderr, "host_blk: more than %u disks\n", PITH_BLK_MAX);
		return NULL;
	}
	fd = open(path, ro ? O_RDONLY : O_RDWR);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "host_blk: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	d = &disks[ndisks];
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->ro = ro;
	d->size = (uint64_t)st.st_size / SECTOR * SECTOR;
	snprintf(d->mount, sizeof(d->mount), "/mnt/disk%u", ndisks);
	ndisks++;
	return d;
}

void host_blk_close(struct pith_blk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

void host_blk_reset(void)
{
	for (unsigned i = 0; i < ndisks; i++)
		host_blk_close(&disks[i]);
	ndisks = 0;
}

void host_blk_set_mount(struct pith_blk *d, const char *mount)
{
	snprintf(d->mount, sizeof(d->mount), "%s", mount);
}

struct host_blk_counters *host_blk_counters(struct pith_blk *d)
{
	return &d->counters;
}

const struct host_blk_write *host_blk_log(struct pith_blk *d, unsigned *n)
{
	/* Made contiguous on demand: rotate the ring so the oldest entry is first. */
	struct host_blk_write tmp[HOST_BLK_LOG_MAX];

	for (unsigned i = 0; i < d->log_len; i++)
		tmp[i] = d->log[(d->log_start + i) % HOST_BLK_LOG_MAX];
	memcpy(d->log, tmp, d->log_len * sizeof(tmp[0]));
	d->log_start = 0;
	*n = d->log_len;
	return d->log;
}

void host_blk_log_clear(struct pith_blk *d)
{
	d->log_start = d->log_len = 0;
}

void host_blk_fail(struct pith_blk *d, struct host_blk_fault f)
{
	d->fault = f;
}

void host_blk_fail_clear(struct pith_blk *d)
{
	d->fault.count = 0;
}

/* ---- blk.h ------------------------------------------------------------------------------ */

unsigned pith_blk_count(void)
{
	return ndisks;
}

struct pith_blk *pith_blk_get(unsigned i)
{
	return i < ndisks && disks[i].fd >= 0 ? &disks[i] : NULL;
}

uint64_t pith_blk_size(const struct pith_blk *d)
{
	return d->size;
}

uint32_t pith_blk_sector_size(const struct pith_blk *d)
{
	(void)d;
	return SECTOR;
}

bool pith_blk_readonly(const struct pith_blk *d)
{
	return d->ro;
}

const char *pith_blk_mount_point(const struct pith_blk *d)
{
	return d->mount;
}

int pith_blk_open(struct pith_blk *d)
{
	return d->fd >= 0 ? 0 : -EIO;
}

/* Whether the injected fault hits this transfer (and uses one of its counts if so). */
static bool fault_hits(struct pith_blk *d, unsigned op, uint64_t off, uint64_t len)
{
	struct host_blk_fault *f = &d->fault;

	if (f->count == 0 || !(f->ops & op))
		return false;
	if (op != HOST_BLK_FAIL_FLUSH && f->len && (off + len <= f->off || off >= f->off + f->len))
		return false;
	if (f->skip) {
		f->skip--;
		return false;
	}
	if (f->count != UINT64_MAX)
		f->count--;
	d->counters.failed++;
	return true;
}

static void log_write(struct pith_blk *d, uint64_t off, uint64_t len)
{
	unsigned i = (d->log_start + d->log_len) % HOST_BLK_LOG_MAX;

	d->log[i] = (struct host_blk_write){off, len};
	if (d->log_len < HOST_BLK_LOG_MAX)
		d->log_len++;
	else
		d->log_start = (d->log_start + 1) % HOST_BLK_LOG_MAX;
}

/* The whole of one transfer, as pread/pwrite loops. 0 or -EIO. */
static int transfer(struct pith_blk *d, struct pith_blk_io *io)
{
	for (size_t done = 0; done < io->len;) {
		char *p = (char *)io->buf + done;
		off_t at = (off_t)(io->off + done);
		ssize_t n = io->write ? pwrite(d->fd, p, io->len - done, at)
				      : pread(d->fd, p, io->len - done, at);

		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int io_one(struct pith_blk *d, struct pith_blk_io *io)
{
	unsigned op = io->write ? HOST_BLK_FAIL_WRITE : HOST_BLK_FAIL_READ;

	if (io->off % SECTOR || io->len % SECTOR || io->off > d->size ||
	    io->len > d->size - io->off)
		return -EINVAL;
	if (io->write && d->ro)
		return -EROFS;
	if (d->fd < 0)
		return -EIO;
	*(io->write ? &d->counters.writes : &d->counters.reads) += 1;
	if (fault_hits(d, op, io->off, io->len))
		return d->fault.err;
	if (transfer(d, io) < 0)
		return -EIO;
	if (io->write) {
		log_write(d, io->off, io->len);
		d->counters.bytes_written += io->len;
	} else {
		d->counters.bytes_read += io->len;
	}
	return 0;
}

int pith_blk_io(struct pith_blk *d, struct pith_blk_io *io, size_t n)
{
	int err = 0;

	d->counters.calls++;
	for (size_t i = 0; i < n; i++) {
		io[i].status = io_one(d, &io[i]);
		if (io[i].status < 0 && err == 0)
			err = io[i].status;
	}
	return err;
}

int pith_blk_read(struct pith_blk *d, uint64_t off, void *buf, size_t len)
{
	struct pith_blk_io io = {.off = off, .buf = buf, .len = len};

	return pith_blk_io(d, &io, 1);
}

int pith_blk_write(struct pith_blk *d, uint64_t off, const void *buf, size_t len)
{
	struct pith_blk_io io = {.off = off, .buf = (void *)buf, .len = len, .write = true};

	return pith_blk_io(d, &io, 1);
}

int pith_blk_flush(struct pith_blk *d)
{
	if (d->fd < 0)
		return -EIO;
	d->counters.flushes++;
	if (fault_hits(d, HOST_BLK_FAIL_FLUSH, 0, 0))
		return d->fault.err;
	return fdatasync(d->fd) < 0 ? -EIO : 0;
}
