/* Host tests of the disk driver (kernel/blk/blk.c) against a fake monitor serving its rings. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blk/blk.h"
#include "blk/internal.h"
#include "fs_host.h"
#include "test.h"
#include "time/wait.h"

/*
 * The fake monitor answers PITH_HC_BLK_SETUP, the doorbell and PITH_HC_WAIT. In the
 * synchronous modes it serves requests during those calls, as the I/O thread would meanwhile:
 * SERVE_ON_KICK (an idle monitor: sets kick after serving), SERVE_ON_WAIT (a busy monitor:
 * never sets kick, serves when the guest sleeps with wake set), DEAD (never serves; a wait
 * takes its whole timeout), HOSTILE (advances tail past head). THREAD: a real I/O thread.
 */
enum mode { SERVE_ON_KICK, SERVE_ON_WAIT, DEAD, HOSTILE, THREAD };

#define NDISKS	    7
#define DISK_BYTES  (8u << 20)
#define DISK_MAIN   0 /* 8 MiB, read-write */
#define DISK_BADSS  1 /* sector size 4096: refused */
#define DISK_BADMNT 2 /* relative mount point: refused */
#define DISK_RO	    3 /* read-only */
#define DISK_HOST   4 /* for the hostile monitor */
#define DISK_DEAD   5 /* for the stopped monitor */
#define DISK_REFUSE 6 /* setup refused */

static struct {
	enum mode mode;
	struct pith_blk_ring *ring[NDISKS];
	uint8_t *mem[NDISKS];
	unsigned kicks, waits, requests, flushes;
	uint64_t fail_sector; /* requests covering it fail with fail_status (0: none) */
	int32_t fail_status;
	uint64_t max_wait_ns;
	pthread_mutex_t lock;
	pthread_cond_t woken;
	bool wake_pending, stop;
} mon = {.lock = PTHREAD_MUTEX_INITIALIZER, .woken = PTHREAD_COND_INITIALIZER};

static unsigned lost_wakes; /* threaded monitor: waits that ended by their 1 s timeout */

/* Serves one request as vmm's disk thread would (bounds checked). */
static int32_t serve_one(unsigned disk, struct pith_blk_desc *q)
{
	uint64_t size = DISK_BYTES, off = q->sector * 512;

	mon.requests++;
	if (q->op == PITH_BLK_OP_FLUSH) {
		mon.flushes++;
		return 0;
	}
	if (q->len == 0 || q->len % 512 || q->len > PITH_BLK_REQ_MAX || q->sector > size / 512 ||
	    q->len > size - off || q->op > PITH_BLK_OP_WRITE)
		return -EINVAL;
	if (mon.fail_sector && q->sector <= mon.fail_sector &&
	    mon.fail_sector < q->sector + q->len / 512)
		return mon.fail_status;
	if (q->op == PITH_BLK_OP_WRITE)
		memcpy(mon.mem[disk] + off, (void *)(uintptr_t)q->addr, q->len);
	else
		memcpy((void *)(uintptr_t)q->addr, mon.mem[disk] + off, q->len);
	return 0;
}

/* Serves [tail, head) of a ring; then the ring is empty. True if the guest asked for a wake. */
static bool serve_ring(unsigned disk)
{
	struct pith_blk_ring *r = mon.ring[disk];
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_SEQ_CST), tail = r->tail;

	if (mon.mode == HOSTILE && head != tail) {
		__atomic_store_n(&r->tail, head + 3, __ATOMIC_SEQ_CST);
		return false;
	}
	for (; tail != head; tail++)
		r->desc[tail % PITH_BLK_RING_SIZE].status =
		    serve_one(disk, &r->desc[tail % PITH_BLK_RING_SIZE]);
	__atomic_store_n(&r->tail, tail, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->wake, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&r->wake, 0, __ATOMIC_SEQ_CST);
		return true;
	}
	return false;
}

static bool serve_all(void)
{
	bool wake = false;

	for (unsigned i = 0; i < NDISKS; i++)
		if (mon.ring[i])
			wake |= serve_ring(i);
	return wake;
}

static void set_kick_all(void)
{
	for (unsigned i = 0; i < NDISKS; i++)
		if (mon.ring[i])
			__atomic_store_n(&mon.ring[i]->kick, 1, __ATOMIC_SEQ_CST);
}

/* An idle monitor (SERVE_ON_KICK) has kick set on every ring, as after running out of work. */
static void set_mode(enum mode m)
{
	mon.mode = m;
	if (m == SERVE_ON_KICK)
		set_kick_all();
}

static void mon_setup(struct pith_hc_blk_setup *hc)
{
	if (hc->disk >= NDISKS || hc->disk == DISK_REFUSE) {
		hc->status = hc->disk >= NDISKS ? -ENODEV : -EINVAL;
		return;
	}
	if (mon.ring[hc->disk]) {
		hc->status = -EBUSY;
		return;
	}
	if (!hc->ring || hc->ring % 64) {
		hc->status = -EINVAL;
		return;
	}
	mon.ring[hc->disk] = (void *)(uintptr_t)hc->ring;
	mon.mem[hc->disk] = calloc(1, DISK_BYTES);
	mon.ring[hc->disk]->kick = 1; /* idle */
	hc->status = 0;
}

/* The guest sleeps: a threaded monitor ends it on a wake, a synchronous one serves now. */
static void mon_wait(const struct pith_hc_wait *w)
{
	struct timespec until;

	mon.waits++;
	if (w->timeout_ns > mon.max_wait_ns)
		mon.max_wait_ns = w->timeout_ns;
	if (mon.mode == SERVE_ON_KICK || mon.mode == SERVE_ON_WAIT || mon.mode == HOSTILE) {
		serve_all();
	} else if (mon.mode == DEAD) {
		fs_host_clock_skip += w->timeout_ns;
	} else if (mon.mode == THREAD) {
		int rc = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec +=
		    1; /* the guest waits only for a completion: 1 s means a lost wake */
		pthread_mutex_lock(&mon.lock);
		while (!mon.wake_pending && rc == 0)
			rc = pthread_cond_timedwait(&mon.woken, &mon.lock, &until);
		if (!mon.wake_pending)
			lost_wakes++;
		mon.wake_pending = false;
		pthread_mutex_unlock(&mon.lock);
	}
}

static void monitor(uint16_t port, void *call)
{
	if (port == PITH_HC_BLK_SETUP) {
		mon_setup(call);
	} else if (port == PITH_BLK_KICK_PORT) {
		mon.kicks++;
		if (mon.mode == SERVE_ON_KICK || mon.mode == HOSTILE) {
			serve_all();
			if (mon.mode == SERVE_ON_KICK)
				set_kick_all();
		}
	} else if (port == PITH_HC_WAIT) {
		mon_wait(call);
	} else {
		fprintf(stderr, "fake monitor: port %#x\n", port);
		abort();
	}
}

/* ---- The threaded monitor: a real I/O thread, the barrier protocol of abi.h ------------- */

/* Serves up to budget requests of the main disk; true if it served any. */
static bool thread_serve(unsigned budget)
{
	struct pith_blk_ring *r = mon.ring[DISK_MAIN];
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_SEQ_CST), tail = r->tail;
	unsigned n = 0;

	for (; tail != head && n < budget; tail++, n++)
		r->desc[tail % PITH_BLK_RING_SIZE].status =
		    serve_one(DISK_MAIN, &r->desc[tail % PITH_BLK_RING_SIZE]);
	if (n == 0)
		return false;
	__atomic_store_n(&r->tail, tail, __ATOMIC_SEQ_CST); /* publish, full barrier, then wake */
	if (__atomic_load_n(&r->wake, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&r->wake, 0, __ATOMIC_SEQ_CST);
		pthread_mutex_lock(&mon.lock);
		mon.wake_pending = true;
		pthread_cond_signal(&mon.woken);
		pthread_mutex_unlock(&mon.lock);
	}
	return true;
}

static void *io_thread(void *arg)
{
	struct pith_blk_ring *r = mon.ring[DISK_MAIN];
	unsigned budget = 1;

	(void)arg;
	while (!__atomic_load_n(&mon.stop, __ATOMIC_SEQ_CST)) {
		budget = budget % 5 + 1;
		if (thread_serve(budget))
			continue;
		__atomic_store_n(&r->kick, 1,
				 __ATOMIC_SEQ_CST); /* about to sleep: kick, re-check */
		if (__atomic_load_n(&r->head, __ATOMIC_SEQ_CST) != r->tail)
			continue;
		nanosleep(&(struct timespec){0, 20000}, NULL);
	}
	return NULL;
}

/* ---- Scenarios ------------------------------------------------------------------------------ */

static void boot_disks(void)
{
	static const char *mounts[NDISKS] = {"/data", "/ss",   "rel",	 "/ro",
					     "/h",    "/dead", "/refuse"};

	fs_host_boot.disk_count = NDISKS;
	for (unsigned i = 0; i < NDISKS; i++) {
		fs_host_boot.disks[i] =
		    (struct pith_blk_info){.sectors = DISK_BYTES / 512, .sector_size = 512};
		snprintf(fs_host_boot.disks[i].mount, PITH_BLK_MOUNT_MAX, "%s", mounts[i]);
	}
	fs_host_boot.disks[DISK_BADSS].sector_size = 4096;
	fs_host_boot.disks[DISK_RO].flags = PITH_BLK_RO;
}

static void test_boot_info(void)
{
	struct pith_blk *d;

	fs_host_capture = true;
	fs_host_out_clear();
	CHECK_U64(pith_blk_count(), NDISKS);
	d = pith_blk_get(DISK_MAIN);
	CHECK(d && pith_blk_size(d) == DISK_BYTES && pith_blk_sector_size(d) == 512);
	CHECK(d && !pith_blk_readonly(d) && strcmp(pith_blk_mount_point(d), "/data") == 0);
	CHECK(pith_blk_get(DISK_BADSS) == NULL && pith_blk_get(DISK_BADMNT) == NULL);
	CHECK(pith_blk_get(DISK_BADSS) == NULL); /* again: no second message */
	CHECK(pith_blk_get(NDISKS) == NULL);
	d = pith_blk_get(DISK_RO);
	CHECK(d && pith_blk_readonly(d));
	fs_host_capture = false;
	CHECK_CONTAINS(fs_host_out, "pith: disk 1: boot info gives a sector size other than 512; ");
	CHECK_CONTAINS(fs_host_out,
		       "pith: disk 2: boot info gives a mount point that is not absolute");
	CHECK_U64(pith_blk_open(pith_blk_get(DISK_MAIN)), 0);
	CHECK_U64(pith_blk_open(pith_blk_get(DISK_MAIN)), 0); /* once: a second setup is -EBUSY */
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed + i / 4096);
}

/* 3.5 MiB: four requests (three of PITH_BLK_REQ_MAX), one kick; read back the same. */
static void test_split(struct pith_blk *d)
{
	size_t len = 3 * PITH_BLK_REQ_MAX + PITH_BLK_REQ_MAX / 2;
	uint8_t *out = malloc(len), *in = malloc(len);
	unsigned req0 = mon.requests, kicks0 = mon.kicks;

	set_mode(SERVE_ON_KICK);
	fill(out, len, 1);
	CHECK_U64(pith_blk_write(d, 3 * 512, out, len), 0);
	CHECK_U64(mon.requests - req0, 4);
	CHECK_U64(mon.kicks - kicks0, 1);
	CHECK(memcmp(mon.mem[DISK_MAIN] + 3 * 512, out, len) == 0);
	CHECK_U64(pith_blk_read(d, 3 * 512, in, len), 0);
	CHECK(memcmp(in, out, len) == 0);
	CHECK_U64(mon.kicks - kicks0, 2);
	free(out);
	free(in);
}

/* 100 transfers with a busy monitor: the ring fills, the guest sleeps with wake set. */
static void test_many(struct pith_blk *d)
{
	struct pith_blk_io io[100];
	static uint8_t buf[100][4096];
	unsigned kicks0 = mon.kicks, waits0 = mon.waits;

	set_mode(SERVE_ON_WAIT);
	for (int i = 0; i < 100; i++) {
		fill(buf[i], sizeof(buf[i]), (unsigned)i);
		io[i] = (struct pith_blk_io){
		    .off = (uint64_t)(99 - i) * 8192, .buf = buf[i], .len = 4096, .write = true};
	}
	CHECK_U64(pith_blk_io(d, io, 100), 0);
	CHECK_U64(mon.kicks - kicks0,
		  1);			/* the first publish found kick set; nobody set it again */
	CHECK(mon.waits - waits0 >= 2); /* at least: room in the full ring, then the rest */
	CHECK(memcmp(mon.mem[DISK_MAIN] + 99 * 8192, buf[0], 4096) == 0);
	CHECK(memcmp(mon.mem[DISK_MAIN], buf[99], 4096) == 0);
	for (int i = 0; i < 100; i++)
		io[i].write = false, memset(buf[i], 0, 4096);
	CHECK_U64(pith_blk_io(d, io, 100), 0);
	CHECK(memcmp(mon.mem[DISK_MAIN] + 50 * 8192, buf[49], 4096) == 0);
	CHECK(pith_blk_stats.sleeps > 0);
}

/* Caller errors are caught before any request; the monitor's errors reach the right transfer. */
static void test_errors(struct pith_blk *d)
{
	static uint8_t buf[3][4096];
	struct pith_blk_io io[3] = {{.off = 0, .buf = buf[0], .len = 4096},
				    {.off = 40960, .buf = buf[1], .len = 4096},
				    {.off = 81920, .buf = buf[2], .len = 4096}};
	unsigned req0 = mon.requests;

	set_mode(SERVE_ON_KICK);
	CHECK_U64(pith_blk_read(d, DISK_BYTES - 512, buf[0], 1024), (uint64_t)-EINVAL);
	CHECK_U64(pith_blk_read(d, 100, buf[0], 512), (uint64_t)-EINVAL);
	CHECK_U64(pith_blk_read(d, 0, buf[0], 100), (uint64_t)-EINVAL);
	CHECK_U64(pith_blk_read(d, UINT64_MAX - 511, buf[0], 512), (uint64_t)-EINVAL);
	CHECK_U64(pith_blk_write(pith_blk_get(DISK_RO), 0, buf[0], 512), (uint64_t)-EROFS);
	CHECK_U64(mon.requests - req0, 0);
	mon.fail_sector = 40960 / 512 + 3;
	mon.fail_status = -EIO;
	CHECK_U64(pith_blk_io(d, io, 3), (uint64_t)-EIO);
	CHECK(io[0].status == 0 && io[1].status == -EIO && io[2].status == 0);
	mon.fail_status = 77; /* not a status of abi.h */
	CHECK_U64(pith_blk_read(d, 40960, buf[0], 4096), (uint64_t)-EIO);
	mon.fail_status = -EROFS;
	CHECK_U64(pith_blk_read(d, 40960, buf[0], 4096), (uint64_t)-EROFS);
	mon.fail_sector = 0;
	CHECK_U64(pith_blk_io(d, io, 3), 0);
}

static void test_flush(struct pith_blk *d)
{
	unsigned flushes0 = mon.flushes, req0 = mon.requests;

	set_mode(SERVE_ON_WAIT);
	CHECK_U64(pith_blk_flush(d), 0);
	CHECK_U64(mon.flushes - flushes0, 1);
	CHECK_U64(pith_blk_flush(pith_blk_get(DISK_RO)), 0); /* nothing written: no request */
	CHECK_U64(mon.requests - req0, 1);
}

/* A poller that reads the main disk while pith_blk_io waits (a filesystem's periodic sync). */
static bool nested_armed;
static int nested_result = 1;
static uint8_t nested_buf[4096];

static bool nested_poll(uint64_t now)
{
	(void)now;
	if (!nested_armed)
		return false;
	nested_armed = false;
	nested_result = pith_blk_read(pith_blk_get(DISK_MAIN), 1u << 20, nested_buf, 4096);
	return true;
}

PITH_POLLER(nested, .poll = nested_poll);

static void test_nested(struct pith_blk *d)
{
	static uint8_t out[65536];

	set_mode(SERVE_ON_WAIT);
	fill(mon.mem[DISK_MAIN] + (1u << 20), 4096, 9);
	fill(out, sizeof(out), 5);
	nested_armed = true;
	CHECK_U64(pith_blk_write(d, 2u << 20, out, sizeof(out)), 0);
	CHECK_U64(nested_result, 0);
	CHECK(memcmp(nested_buf, mon.mem[DISK_MAIN] + (1u << 20), 4096) == 0);
	CHECK(memcmp(mon.mem[DISK_MAIN] + (2u << 20), out, sizeof(out)) == 0);
}

/* tail jumping past head: the disk stops with a message and answers -EIO, no crash. */
static void test_hostile(void)
{
	struct pith_blk *d = pith_blk_get(DISK_HOST);
	static uint8_t buf[4096];
	unsigned req0;

	set_mode(HOSTILE);
	fs_host_capture = true;
	fs_host_out_clear();
	CHECK_U64(pith_blk_write(d, 0, buf, sizeof(buf)), (uint64_t)-EIO);
	fs_host_capture = false;
	CHECK_CONTAINS(fs_host_out,
		       "pith: disk 4: the monitor completed requests it was never given;");
	req0 = mon.requests;
	CHECK_U64(pith_blk_read(d, 0, buf, sizeof(buf)), (uint64_t)-EIO);
	CHECK_U64(pith_blk_flush(d), (uint64_t)-EIO);
	CHECK_U64(mon.requests, req0); /* a stopped ring is never used again */
}

/* A monitor that never answers: after 30 s (of fake sleeps) the disk stops, -EIO. */
static void test_dead(void)
{
	struct pith_blk *d = pith_blk_get(DISK_DEAD);
	static uint8_t buf[4096];
	uint64_t skip0 = fs_host_clock_skip;

	set_mode(DEAD);
	mon.max_wait_ns = 0;
	fs_host_capture = true;
	fs_host_out_clear();
	CHECK_U64(pith_blk_read(d, 0, buf, sizeof(buf)), (uint64_t)-EIO);
	fs_host_capture = false;
	CHECK_CONTAINS(fs_host_out, "pith: disk 5: no request completed for 30 s");
	CHECK(fs_host_clock_skip - skip0 >= 29ull * 1000000000); /* less the real time spent */
	CHECK(mon.max_wait_ns <= 30ull * 1000000000);
	CHECK_U64(pith_blk_write(d, 0, buf, sizeof(buf)), (uint64_t)-EIO);
}

static void test_refused(void)
{
	struct pith_blk *d = pith_blk_get(DISK_REFUSE);
	static uint8_t buf[512];

	fs_host_capture = true;
	fs_host_out_clear();
	CHECK_U64(pith_blk_open(d), (uint64_t)-EINVAL);
	CHECK_U64(pith_blk_read(d, 0, buf, sizeof(buf)), (uint64_t)-EINVAL);
	fs_host_capture = false;
	CHECK_CONTAINS(fs_host_out, "pith: disk 6: the monitor refused the disk's ring");
}

/* One random transfer in slice i of the first MiB (transfers of one batch never overlap). */
static struct pith_blk_io random_io(uint64_t *rnd, int i, uint8_t *buf)
{
	const uint64_t slice = (1u << 20) / 8;
	struct pith_blk_io io = {.buf = buf};

	*rnd ^= *rnd << 13, *rnd ^= *rnd >> 7, *rnd ^= *rnd << 17;
	io.len = 512 * (1 + (*rnd >> 20) % 16);
	io.off = (uint64_t)i * slice + (*rnd >> 8) % ((slice - io.len) / 512) * 512;
	io.write = (*rnd >> 40) & 1;
	return io;
}

/* A real I/O thread serving a few requests at a time: 3000 random transfers, no lost wake. */
static void test_threaded(struct pith_blk *d)
{
	static uint8_t shadow[1u << 20], buf[8][8192];
	uint64_t rnd = 88172645463325252ull;
	unsigned failed = 0, wrong = 0;
	pthread_t t;

	set_mode(THREAD);
	memcpy(shadow, mon.mem[DISK_MAIN], sizeof(shadow));
	pthread_create(&t, NULL, io_thread, NULL);
	for (int round = 0; round < 375; round++) {
		struct pith_blk_io io[8];

		for (int i = 0; i < 8; i++) {
			io[i] = random_io(&rnd, i, buf[i]);
			fill(buf[i], io[i].len, (unsigned)rnd);
			if (io[i].write)
				memcpy(shadow + io[i].off, buf[i], io[i].len);
		}
		failed += pith_blk_io(d, io, 8) != 0;
		for (int i = 0; i < 8; i++)
			wrong += !io[i].write && memcmp(buf[i], shadow + io[i].off, io[i].len) != 0;
	}
	__atomic_store_n(&mon.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	CHECK_U64(failed, 0);
	CHECK_U64(wrong, 0);
	CHECK(memcmp(shadow, mon.mem[DISK_MAIN], sizeof(shadow)) == 0);
	CHECK_U64(lost_wakes, 0);
}

/* More disks than PITH_BLK_MAX: one message, and no disk is usable. */
static void test_too_many(void)
{
	fs_host_capture = true;
	fs_host_out_clear();
	fs_host_boot.disk_count = PITH_BLK_MAX + 1;
	CHECK_U64(pith_blk_count(), PITH_BLK_MAX);
	CHECK(pith_blk_get(7) == NULL);
	fs_host_capture = false;
	CHECK_CONTAINS(fs_host_out, "boot info lists more than 8 disks");
	fs_host_boot.disk_count = NDISKS;
}

static void test_stats(void)
{
	fs_host_boot.flags |= PITH_BOOT_STATS;
	fs_host_capture = true;
	fs_host_out_clear();
	fs_host_run_exit_hooks();
	fs_host_capture = false;
	fs_host_boot.flags &= ~PITH_BOOT_STATS;
	CHECK_CONTAINS(fs_host_out, "pith: stats: blkdev_requests ");
	CHECK_CONTAINS(fs_host_out, "pith: stats: blkdev_kicks ");
	CHECK_CONTAINS(fs_host_out, "pith: stats: blkdev_errors ");
	CHECK(pith_blk_stats.bytes_written >= 3 * PITH_BLK_REQ_MAX);
}

int main(void)
{
	struct pith_blk *d;

	fs_host_monitor = monitor;
	boot_disks();
	test_boot_info();
	d = pith_blk_get(DISK_MAIN);
	if (!CHECK(d != NULL))
		return test__done();
	test_split(d);
	test_many(d);
	test_errors(d);
	test_flush(d);
	test_nested(d);
	test_hostile();
	test_dead();
	test_refused();
	test_threaded(d);
	test_too_many();
	test_stats();
	for (unsigned i = 0; i < NDISKS; i++)
		free(mon.mem[i]);
	return test__done();
}
