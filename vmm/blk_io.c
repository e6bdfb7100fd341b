/* The disks' I/O thread: serves every disk's request ring from its host file, in order. */
#include "blk_io.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "iothread.h"
#include "print.h"
#include "ring.h"
#include "seccomp_filter.h"

_Static_assert(SECCOMP_BLK_MAX == PITH_BLK_MAX, "the disk thread's filter names every disk");

/* Statistics: written by the I/O thread only, read at exit by the vCPU thread. */
static void stat__add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

struct pith_blk_ring *blk_ring__check(const struct guest_mem *mem, uint64_t gpa)
{
	if (gpa % 64)
		return NULL;
	return guest_mem__ptr_rw(mem, gpa, sizeof(struct pith_blk_ring));
}

void blk_io__attach(struct blk_io *io, unsigned i, struct pith_blk_ring *ring)
{
	struct blk_disk *d = &io->disks[i];
	uint64_t one = 1;

	d->tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
	__atomic_store_n(&d->ring, ring, __ATOMIC_RELEASE);
	if (io->kick_fd >= 0 && write(io->kick_fd, &one, sizeof(one)) < 0)
		return; /* the counter is full: the thread is awake anyway */
}

/* The ring of disk d once attached (NULL before), as published by blk_io__attach. */
static struct pith_blk_ring *disk__ring(const struct blk_disk *d)
{
	return __atomic_load_n(&d->ring, __ATOMIC_ACQUIRE);
}

/* Requests the guest offers, from its head read once: at most a ring's worth. */
static int ring__pending(struct blk_io *io, unsigned i, uint32_t *n)
{
	struct blk_disk *d = &io->disks[i];
	uint32_t head = __atomic_load_n(&d->ring->head, __ATOMIC_ACQUIRE);

	*n = head - d->tail;
	if (*n <= PITH_BLK_RING_SIZE)
		return 0;
	snprintf(io->err, sizeof(io->err),
		 "guest error: disk %u's ring head %u is %u slots past its tail %u (at most %u)", i,
		 head, *n, d->tail, PITH_BLK_RING_SIZE);
	__atomic_store_n(&io->err_new, true, __ATOMIC_RELEASE);
	d->broken = true;
	return -1;
}

/* Publish a new tail (vmm/ring.h), then end the guest's wait if it asked. */
static void ring__publish(struct blk_io *io, struct pith_blk_ring *r, uint32_t tail)
{
	uint64_t one = 1;

	if (!ring__publish_tail(&r->tail, &r->wake, tail))
		return;
	stat__add(&io->stats.guest_wakes, 1);
	if (io->wake_fd >= 0 && write(io->wake_fd, &one, sizeof(one)) < 0)
		return; /* the counter is full: the guest's wait ends anyway */
}

/* A private copy of a descriptor: the guest may change the slot while the monitor uses it. */
static struct pith_blk_desc desc__load(const struct pith_blk_ring *r, uint32_t idx)
{
	struct pith_blk_desc d;

	ring__copy_desc(&d, &r->desc[idx % PITH_BLK_RING_SIZE], sizeof(d));
	return d;
}

/*
 * The host buffer of a read or write, or NULL if the request is malformed: len a non-zero
 * multiple of the sector size up to PITH_BLK_REQ_MAX, [sector, sector + len) inside the disk
 * (no multiplication before the range check, so nothing overflows), the buffer inside guest
 * RAM the guest may name; a read writes guest memory, so only where the guest could write
 * itself (guest_mem__ptr_rw: not the boot info, not its code or read-only data).
 */
static void *desc__buffer(const struct blk_io *io, const struct blk_disk *disk,
			  const struct pith_blk_desc *d)
{
	uint64_t sectors = disk->size / BLK_SECTOR;

	if (d->len == 0 || d->len % BLK_SECTOR || d->len > PITH_BLK_REQ_MAX)
		return NULL;
	if (d->sector > sectors || d->len / BLK_SECTOR > sectors - d->sector)
		return NULL;
	if (d->op == PITH_BLK_OP_READ) /* the monitor writes guest memory */
		return guest_mem__ptr_rw(io->mem, d->addr, d->len);
	return guest_mem__ptr(io->mem, d->addr, d->len);
}

/* pread until len bytes are in (short reads retried, EINTR too); 0 or -EIO. */
static int file__read(int fd, uint8_t *buf, uint32_t len, uint64_t off)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO; /* a host error, or the file shrank under the run */
		done += (uint32_t)n;
	}
	return 0;
}

/* pwrite until len bytes are out (short writes retried, EINTR too); 0 or -EIO. */
static int file__write(int fd, const uint8_t *buf, uint32_t len, uint64_t off)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		done += (uint32_t)n;
	}
	return 0;
}

static int disk__flush(const struct blk_disk *disk)
{
	int rc;

	if (disk->ro)
		return 0; /* nothing was written through this fd */
	while ((rc = fdatasync(disk->fd)) < 0 && errno == EINTR)
		;
	return rc < 0 ? -EIO : 0;
}

/* A read or a write whose buffer was checked: the transfer and its counters. */
static int req__transfer(struct blk_io *io, const struct blk_disk *disk,
			 const struct pith_blk_desc *d, void *buf)
{
	uint64_t off = d->sector * BLK_SECTOR;

	if (d->op == PITH_BLK_OP_READ) {
		stat__add(&io->stats.reads, 1);
		stat__add(&io->stats.read_bytes, d->len);
		return file__read(disk->fd, buf, d->len, off);
	}
	stat__add(&io->stats.writes, 1);
	stat__add(&io->stats.write_bytes, d->len);
	return file__write(disk->fd, buf, d->len, off);
}

/* One request, from a private copy of its descriptor: its status. */
static int req__serve(struct blk_io *io, const struct blk_disk *disk, const struct pith_blk_desc *d)
{
	void *buf;

	if (d->op > PITH_BLK_OP_FLUSH)
		return -EINVAL;
	if (d->op == PITH_BLK_OP_WRITE && disk->ro)
		return -EROFS;
	if (d->op == PITH_BLK_OP_FLUSH) {
		if (d->len)
			return -EINVAL;
		stat__add(&io->stats.flushes, 1);
		return disk__flush(disk);
	}
	buf = desc__buffer(io, disk, d);
	if (!buf)
		return -EINVAL;
	return req__transfer(io, disk, d, buf);
}

static void status__count(struct blk_io *io, int status)
{
	if (status == -EINVAL)
		stat__add(&io->stats.err_inval, 1);
	else if (status == -EROFS)
		stat__add(&io->stats.err_rofs, 1);
	else if (status)
		stat__add(&io->stats.err_io, 1);
}

int blk_io__serve(struct blk_io *io, unsigned i, unsigned budget)
{
	struct blk_disk *disk = &io->disks[i];
	uint32_t n, done;

	if (disk->broken || !disk__ring(disk) || ring__pending(io, i, &n) < 0)
		return disk->broken ? -1 : 0;
	if (n > budget)
		n = budget;
	for (done = 0; done < n; done++) {
		uint32_t idx = (disk->tail + done) % PITH_BLK_RING_SIZE;
		struct pith_blk_desc d = desc__load(disk->ring, idx);
		int status = req__serve(io, disk, &d);

		status__count(io, status);
		__atomic_store_n(&disk->ring->desc[idx].status, status, __ATOMIC_RELAXED);
	}
	if (done) {
		disk->tail += done;
		ring__publish(io, disk->ring, disk->tail);
	}
	return (int)done;
}

/* Set a ring's kick flag, then read its head again (vmm/ring.h). */
static bool ring__arm(struct pith_blk_ring *r, uint32_t tail)
{
	return ring__arm_kick(&r->kick, &r->head, tail);
}

bool blk_io__arm(struct blk_io *io)
{
	bool idle = true;

	for (unsigned i = 0; i < io->count; i++) {
		struct blk_disk *d = &io->disks[i];

		if (!d->broken && disk__ring(d) && !ring__arm(d->ring, d->tail))
			idle = false;
	}
	return idle;
}

/* ---- The thread ------------------------------------------------------------------------- */

/* A disk that stopped says so once (the other disks go on). */
static void io__report(struct blk_io *io)
{
	if (!__atomic_exchange_n(&io->err_new, false, __ATOMIC_ACQ_REL))
		return;
	print__err("pith: %s; the disk stopped\n", io->err);
}

/* One pass over every disk: requests served. */
static unsigned io__pass(struct blk_io *io)
{
	unsigned total = 0;

	for (unsigned i = 0; i < io->count; i++) {
		int n = blk_io__serve(io, i, BLK_IO_BATCH);

		if (n > 0)
			total += (unsigned)n;
	}
	io__report(io);
	return total;
}

/* True if some attached ring has requests (read without a barrier: a hint for spinning). */
static bool io__work(const struct blk_io *io)
{
	for (unsigned i = 0; i < io->count; i++) {
		const struct blk_disk *d = &io->disks[i];
		struct pith_blk_ring *r = disk__ring(d);

		if (r && !d->broken && __atomic_load_n(&r->head, __ATOMIC_RELAXED) != d->tail)
			return true;
	}
	return false;
}

/*
 * Before arming the kicks and sleeping, watch the heads for a few microseconds: a guest issuing
 * a stream of requests (one per block run of a large read) then costs neither a kick (~3 us)
 * nor a wake-up of this thread (tens of us) per request.
 */
static bool io__spin(const struct blk_io *io)
{
	for (unsigned i = 0; i < BLK_IO_SPIN; i++) {
		if (io__work(io))
			return true;
		__builtin_ia32_pause();
	}
	return false;
}

/* Sleep until a kick (the doorbell, or blk_io__attach). */
static void io__sleep(struct blk_io *io)
{
	struct pollfd p = {.fd = io->kick_fd, .events = POLLIN};
	uint64_t v;

	if (ppoll(&p, 1, NULL, NULL) <= 0)
		return; /* EINTR; nothing else can fail here */
	if (read(io->kick_fd, &v, sizeof(v)) == sizeof(v))
		stat__add(&io->stats.kicks, v);
}

static void io__loop(struct blk_io *io)
{
	for (;;) {
		if (io__pass(io) > 0 || io__spin(io))
			continue;
		if (!blk_io__arm(io))
			continue;
		io__sleep(io);
	}
}

static void io__filter_fds(const struct blk_io *io, struct seccomp_blk *fds)
{
	*fds = (struct seccomp_blk){.kick_fd = io->kick_fd, .wake_fd = io->wake_fd};
	for (unsigned i = 0; i < io->count; i++) {
		fds->disk_fds[i] = io->disks[i].fd;
		fds->disk_ro[i] = io->disks[i].ro;
	}
	fds->ndisks = io->count;
}

/* The thread's own filter (iothread__start calls it first thing in the new thread). */
static int io__install_filter(void *arg, bool verbose, char *err, size_t errlen)
{
	struct seccomp_blk fds;

	io__filter_fds(arg, &fds);
	return seccomp__install_blk(&fds, verbose, err, errlen);
}

/* The thread's work once its filter is on: serve the rings, for good. */
static void io__run(void *arg)
{
	io__loop(arg);
}

int blk_io__start(struct blk_io *io, bool verbose, char *err, size_t errlen)
{
	return iothread__start(io__install_filter, io__run, io, io->wake_fd, "the disk I/O thread",
			       verbose, err, errlen);
}
