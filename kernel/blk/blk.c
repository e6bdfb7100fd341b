/* The disk driver: boot info's disks, one request ring each (include/pith/abi.h), waiting. */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "blk/blk.h"
#include "blk/internal.h"
#include "core/core.h"
#include "core/note.h"
#include "mem/mem.h"
#include "time/time.h"
#include "time/wait.h"

PITH_COMPONENT_NOTE(blk); /* here: pith_blk_count, which the vfs refers to, is in this object */

/*
 * pith_blk_io posts its transfers (split at PITH_BLK_REQ_MAX) as ring requests, as many as the
 * ring holds, publishes them and rings the doorbell only if the monitor set `kick`; it then
 * reaps completions until its own are all done. Waiting spins on `tail` briefly (a request is
 * often served in tens of microseconds), then sleeps in the monitor through pith_io_wait: the
 * poller below sets `wake` on every ring with requests in flight, so the I/O thread ends the
 * sleep when it completes one. Completions are matched to requests by slot through the
 * driver's own records (nothing the monitor writes but `tail` and `status` is believed), so a
 * pith_blk_io nested inside another one's wait (a poller that syncs a filesystem) is served
 * correctly: each caller waits for its own requests.
 *
 * A device the monitor stopped: if no request completes for BLK_TIMEOUT_NS while some are in
 * flight, the driver says so once (`pith: disk N: ...`), stops using the disk and fails every
 * request in flight and every later one with -EIO. So does a monitor that completes requests
 * it was never given (`tail` past `head`). A stopped ring is never reused.
 */

#define RING	       PITH_BLK_RING_SIZE
#define SECTOR	       512u
#define BLK_SPIN       4000u		    /* reads of tail before sleeping */
#define BLK_TIMEOUT_NS (30ull * 1000000000) /* no completion this long: the disk stopped */

_Static_assert(sizeof(struct pith_blk_ring) <= PITH_PAGE_SIZE, "a disk's ring fits in a page");

enum blk_state { BLK_UNCHECKED, BLK_OK, BLK_BAD };

/* One pith_blk_io call: its transfers and how many of its requests are in flight. */
struct blk_waiter {
	struct pith_blk_io *io;
	size_t pending;
};

/* What the driver knows of a request it posted (slot = index % RING). */
struct blk_req {
	struct blk_waiter *w;
	size_t io; /* index into w->io */
	uint32_t len;
	uint8_t op;
};

struct pith_blk {
	unsigned index;
	uint8_t state; /* enum blk_state */
	bool ro;       /* copied from boot info when checked */
	uint64_t sectors;
	char mount[PITH_BLK_MOUNT_MAX];
	bool opened, stopped, armed;
	int open_err;
	struct pith_blk_ring *ring;
	uint32_t head; /* next slot to fill; published */
	uint32_t done; /* completions reaped up to here */
	uint32_t seen; /* tail the poller last reported */
	struct blk_req req[RING];
};

static struct pith_blk blk_disks[PITH_BLK_MAX];

/* ---- Boot info: only what it says exists, checked at first use ------------------------- */

unsigned pith_blk_count(void)
{
	static bool warned;
	uint32_t n = pith_boot_info->disk_count;

	if (n <= PITH_BLK_MAX)
		return n;
	if (!warned)
		pith_blk_msg(PITH_BLK_MAX, "boot info lists more than 8 disks",
			     "the monitor is broken: no disk is used");
	warned = true;
	return PITH_BLK_MAX; /* each of them NULL: their mounts fail */
}

/* Why boot info's entry i is unusable, or NULL if it is fine. */
static const char *info_problem(const struct pith_blk_info *bi)
{
	if (pith_boot_info->disk_count > PITH_BLK_MAX)
		return "";
	if (bi->sector_size != SECTOR)
		return "boot info gives a sector size other than 512";
	if (bi->sectors == 0 || bi->sectors > UINT64_MAX / SECTOR)
		return "boot info gives an impossible capacity";
	if (!memchr(bi->mount, 0, sizeof(bi->mount)))
		return "boot info gives a mount point without its NUL";
	if (bi->mount[0] != '/')
		return "boot info gives a mount point that is not absolute";
	return NULL;
}

static void blk_check(struct pith_blk *d, unsigned i)
{
	const struct pith_blk_info *bi = &pith_boot_info->disks[i];
	const char *why = info_problem(bi);

	d->index = i;
	if (why) {
		if (*why)
			pith_blk_msg(i, why, "the disk is not used (the monitor is broken)");
		d->state = BLK_BAD;
		return;
	}
	d->sectors = bi->sectors;
	d->ro = bi->flags & PITH_BLK_RO;
	memcpy(d->mount, bi->mount, sizeof(d->mount));
	d->state = BLK_OK;
}

struct pith_blk *pith_blk_get(unsigned i)
{
	struct pith_blk *d;

	if (i >= pith_blk_count())
		return NULL;
	d = &blk_disks[i];
	if (d->state == BLK_UNCHECKED)
		blk_check(d, i);
	return d->state == BLK_OK ? d : NULL;
}

uint64_t pith_blk_size(const struct pith_blk *d)
{
	return d->sectors * SECTOR;
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

/* ---- Attaching the ring ------------------------------------------------------------------ */

int pith_blk_open(struct pith_blk *d)
{
	struct pith_hc_blk_setup hc = {0};

	if (d->opened)
		return d->open_err;
	d->opened = true;
	d->ring = pith_kmalloc(PITH_PAGE_SIZE); /* page-aligned, so 64-byte aligned */
	if (!d->ring)
		return d->open_err = -ENOMEM;
	hc.ring = (uintptr_t)d->ring;
	hc.disk = d->index;
	pith_hypercall(PITH_HC_BLK_SETUP, &hc);
	if (hc.status < 0) {
		pith_blk_msg(d->index, "the monitor refused the disk's ring",
			     "the disk is not used");
		pith_kfree(d->ring, PITH_PAGE_SIZE);
		d->ring = NULL;
		return d->open_err = hc.status < -4095 ? -EIO : hc.status;
	}
	return 0;
}

/* ---- The ring protocol: indices read once, full barriers, kick and wake ------------------ */

static uint32_t ring_tail(struct pith_blk_ring *r)
{
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* statuses after the index */
	return tail;
}

/* Publishes head (slots filled before it), then kicks if the monitor went to sleep. */
static void ring_publish(struct pith_blk *d)
{
	struct pith_blk_ring *r = d->ring;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&r->head, d->head, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->kick, __ATOMIC_RELAXED)) {
		__atomic_store_n(&r->kick, 0, __ATOMIC_RELAXED);
		pith_blk_stats.kicks++;
		pith_hypercall(PITH_BLK_KICK_PORT, NULL); /* an ioeventfd: no exit, ~3 us */
	}
}

/* A request's end: its status goes to its transfer (the first error wins). */
static void req_complete(struct blk_req *q, int status)
{
	struct pith_blk_io *io = &q->w->io[q->io];

	if (status < 0) {
		pith_blk_stats.errors++;
		if (io->status == 0)
			io->status = status;
	} else if (q->op == PITH_BLK_OP_READ) {
		pith_blk_stats.bytes_read += q->len;
	} else if (q->op == PITH_BLK_OP_WRITE) {
		pith_blk_stats.bytes_written += q->len;
	}
	q->w->pending--;
	q->w = NULL;
}

/* The disk is unusable from now on: one message, every request in flight fails. */
static void blk_stop(struct pith_blk *d, const char *what)
{
	if (d->stopped)
		return;
	d->stopped = true;
	pith_blk_msg(d->index, what, "its I/O fails with EIO from now on");
	for (; d->done != d->head; d->done++)
		req_complete(&d->req[d->done % RING], -EIO);
}

/* Only the statuses of abi.h are believed; anything else from the monitor is -EIO. */
static int status_of(int32_t s)
{
	return s == 0 || s == -EIO || s == -EINVAL || s == -EROFS ? s : -EIO;
}

/* Completes the requests the monitor finished; true if there were any. */
static bool blk_reap(struct pith_blk *d)
{
	uint32_t tail, n;

	if (d->stopped)
		return false;
	tail = ring_tail(d->ring);
	n = tail - d->done;
	if (n > d->head - d->done) {
		blk_stop(d, "the monitor completed requests it was never given");
		return false;
	}
	for (; d->done != tail; d->done++) {
		uint32_t slot = d->done % RING;
		int32_t s = __atomic_load_n(&d->ring->desc[slot].status, __ATOMIC_RELAXED);

		req_complete(&d->req[slot], status_of(s));
	}
	d->seen = tail;
	return n > 0;
}

/* ---- Waiting ------------------------------------------------------------------------------ */

/* Over: the waiter's requests are all done (w), or the ring has a free slot (w NULL). */
static bool wait_over(const struct pith_blk *d, const struct blk_waiter *w)
{
	return d->stopped || (w ? w->pending == 0 : d->head - d->done < RING);
}

/* Spins on tail a little, then sleeps in the monitor until a completion; stops a silent disk. */
static void blk_wait(struct pith_blk *d, const struct blk_waiter *w)
{
	uint64_t since = 0; /* last progress seen while sleeping; 0: still spinning */

	for (unsigned spin = 0;; spin++) {
		bool progress = blk_reap(d);
		uint64_t now;

		if (wait_over(d, w))
			return;
		if (spin < BLK_SPIN) {
			__builtin_ia32_pause();
			continue;
		}
		now = pith_time_monotonic_ns();
		if (progress || since == 0) {
			since = now;
		} else if (now - since >= BLK_TIMEOUT_NS) {
			blk_stop(d, "no request completed for 30 s (the monitor's disk stopped)");
			return;
		}
		pith_blk_stats.sleeps++;
		pith_io_wait_uninterruptible(since + BLK_TIMEOUT_NS);
	}
}

/* The poller: reports new completions; its arm asks the monitor to end the sleep on one. */
static bool blk_poll(uint64_t now)
{
	bool progress = false;

	(void)now;
	for (unsigned i = 0; i < PITH_BLK_MAX; i++) {
		struct pith_blk *d = &blk_disks[i];
		uint32_t tail;

		if (!d->ring || d->stopped)
			continue;
		if (d->armed) {
			__atomic_store_n(&d->ring->wake, 0, __ATOMIC_RELAXED);
			d->armed = false;
		}
		tail = ring_tail(d->ring);
		if (tail != d->seen)
			progress = true;
		d->seen = tail;
	}
	return progress;
}

static bool blk_arm(void)
{
	for (unsigned i = 0; i < PITH_BLK_MAX; i++) {
		struct pith_blk *d = &blk_disks[i];

		if (!d->ring || d->stopped || d->head == d->done)
			continue;
		__atomic_store_n(&d->ring->wake, 1, __ATOMIC_RELAXED);
		d->armed = true;
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* wake before re-reading tail */
		if (ring_tail(d->ring) != d->seen)
			return false;
	}
	return true;
}

PITH_POLLER(blk, .poll = blk_poll, .arm = blk_arm);

/* ---- Requests ------------------------------------------------------------------------------ */

/* Posts one request in the next slot (the ring has room); published later. */
static void req_post(struct pith_blk *d, struct blk_waiter *w, size_t i, uint8_t op, uint64_t off,
		     uintptr_t addr, uint32_t len)
{
	uint32_t slot = d->head % RING;

	d->ring->desc[slot] = (struct pith_blk_desc){
	    .sector = off / SECTOR, .addr = addr, .len = len, .op = op, .cookie = d->head};
	d->req[slot] = (struct blk_req){.w = w, .io = i, .len = len, .op = op};
	w->pending++;
	d->head++;
	pith_blk_stats.requests++;
}

/* A free slot: if the ring is full, publishes it and waits. false if the disk stopped. */
static bool ring_room(struct pith_blk *d)
{
	if (!d->stopped && d->head - d->done >= RING) {
		ring_publish(d);
		blk_wait(d, NULL);
	}
	return !d->stopped;
}

/* Posts every request of transfer i, split at PITH_BLK_REQ_MAX. */
static void io_post(struct pith_blk *d, struct blk_waiter *w, size_t i)
{
	struct pith_blk_io *io = &w->io[i];
	uint8_t op = io->write ? PITH_BLK_OP_WRITE : PITH_BLK_OP_READ;

	for (size_t pos = 0; pos < io->len; pos += PITH_BLK_REQ_MAX) {
		size_t len = io->len - pos < PITH_BLK_REQ_MAX ? io->len - pos : PITH_BLK_REQ_MAX;

		if (!ring_room(d)) {
			if (io->status == 0)
				io->status = -EIO;
			return;
		}
		req_post(d, w, i, op, io->off + pos, (uintptr_t)io->buf + pos, (uint32_t)len);
	}
}

/* What can be known before posting: -EINVAL outside the disk, -EROFS, -EIO if stopped. */
static int io_check(const struct pith_blk *d, const struct pith_blk_io *io)
{
	uint64_t size = pith_blk_size(d);

	if (io->off % SECTOR || io->len % SECTOR || io->off > size || io->len > size - io->off)
		return -EINVAL;
	if (io->write && d->ro)
		return -EROFS;
	return d->stopped ? -EIO : 0;
}

int pith_blk_io(struct pith_blk *d, struct pith_blk_io *io, size_t n)
{
	struct blk_waiter w = {.io = io};
	int err = pith_blk_open(d);

	for (size_t i = 0; i < n; i++) {
		*(io[i].write ? &pith_blk_stats.writes : &pith_blk_stats.reads) += 1;
		io[i].status = err < 0 ? err : io_check(d, &io[i]);
		if (io[i].status == 0)
			io_post(d, &w, i);
	}
	if (w.pending) {
		ring_publish(d);
		blk_wait(d, &w);
	}
	for (size_t i = 0; i < n; i++)
		if (io[i].status < 0)
			return io[i].status;
	return 0;
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
	struct pith_blk_io fio = {0};
	struct blk_waiter w = {.io = &fio};
	int err = pith_blk_open(d);

	if (err < 0)
		return err;
	if (d->ro)
		return 0; /* nothing was ever written */
	pith_blk_stats.flushes++;
	if (!ring_room(d))
		return -EIO;
	req_post(d, &w, 0, PITH_BLK_OP_FLUSH, 0, 0, 0);
	ring_publish(d);
	blk_wait(d, &w);
	return fio.status;
}
