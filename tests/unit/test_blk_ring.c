/* The disks' ring logic (vmm/blk_io.c) against temp files, hostile requests, and its thread. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blk_io.h"
#include "test.h"

#define MEM_SIZE  (4u << 20)
#define RING0_AT  0x200000u
#define RING1_AT  0x210000u
#define BUFS_AT	  0x300000u /* guest buffers */
#define DISK_SIZE (1u << 20)

static uint8_t *mem;
static struct guest_mem gm;
static struct blk_io io;
static struct pith_blk_ring *ring0, *ring1;
static char path0[] = "/tmp/pith-test-blk0-XXXXXX", path1[] = "/tmp/pith-test-blk1-XXXXXX";

/* A disk file of DISK_SIZE bytes, byte i holding (i / 512) & 0xff. */
static int disk_file(char *path)
{
	static uint8_t data[DISK_SIZE];
	int fd = mkstemp(path);

	for (unsigned i = 0; i < DISK_SIZE; i++)
		data[i] = (uint8_t)(i / 512);
	if (fd >= 0 && pwrite(fd, data, DISK_SIZE, 0) != DISK_SIZE) {
		close(fd);
		return -1;
	}
	return fd;
}

static void close_fds(void)
{
	for (unsigned i = 0; i < io.count; i++)
		if (io.disks[i].fd >= 0)
			close(io.disks[i].fd);
	if (io.wake_fd >= 0)
		close(io.wake_fd);
	if (io.kick_fd >= 0)
		close(io.kick_fd);
}

/* A fresh guest and two disks (disk 1 read-only), rings attached at tail `start`. */
static bool setup(uint32_t start)
{
	close_fds();
	memset(mem, 0, MEM_SIZE);
	io = (struct blk_io){.mem = &gm,
			     .count = 2,
			     .kick_fd = eventfd(0, EFD_NONBLOCK),
			     .wake_fd = eventfd(0, EFD_NONBLOCK)};
	io.disks[0] = (struct blk_disk){.fd = open(path0, O_RDWR), .size = DISK_SIZE};
	io.disks[1] = (struct blk_disk){.fd = open(path1, O_RDONLY), .size = DISK_SIZE, .ro = true};
	ring0 = (struct pith_blk_ring *)(mem + RING0_AT);
	ring1 = (struct pith_blk_ring *)(mem + RING1_AT);
	ring0->head = ring0->tail = ring1->head = ring1->tail = start;
	blk_io__attach(&io, 0, ring0);
	blk_io__attach(&io, 1, ring1);
	return CHECK(io.disks[0].fd >= 0 && io.disks[1].fd >= 0 && io.wake_fd >= 0);
}

static struct pith_blk_desc *post(struct pith_blk_ring *r, uint8_t op, uint64_t sector,
				  uint64_t addr, uint32_t len)
{
	struct pith_blk_desc *d = &r->desc[r->head % PITH_BLK_RING_SIZE];

	*d = (struct pith_blk_desc){.sector = sector,
				    .addr = addr,
				    .len = len,
				    .op = op,
				    .status = 12345,
				    .cookie = 0xc00c1e00u + (r->head & 0xff)};
	r->head++;
	return d;
}

static uint64_t count(int fd)
{
	uint64_t v = 0;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_ring_check(void)
{
	uint64_t last = MEM_SIZE - sizeof(struct pith_blk_ring);

	CHECK(blk_ring__check(&gm, RING0_AT) == (void *)(mem + RING0_AT));
	CHECK(blk_ring__check(&gm, last & ~63ull) != NULL);
	CHECK(blk_ring__check(&gm, RING0_AT + 8) == NULL);	 /* misaligned */
	CHECK(blk_ring__check(&gm, PITH_BOOTINFO_BASE) == NULL); /* read-only boot info */
	CHECK(blk_ring__check(&gm, PITH_IMAGE_BASE) == NULL);	 /* the guest's code */
	CHECK(blk_ring__check(&gm, 0x2000) == NULL);		 /* the monitor's pages */
	CHECK(blk_ring__check(&gm, 0) == NULL);
	CHECK(blk_ring__check(&gm, MEM_SIZE - 64) == NULL); /* runs past RAM */
	CHECK(blk_ring__check(&gm, MEM_SIZE) == NULL);
	CHECK(blk_ring__check(&gm, 0xffffffffffffffc0ull) == NULL); /* wraps */
}

static void test_read_write_flush(void)
{
	uint8_t back[4096];

	if (!setup(0))
		return;
	memset(mem + BUFS_AT, 0x5a, 8192);
	post(ring0, PITH_BLK_OP_WRITE, 8, BUFS_AT, 8192);
	post(ring0, PITH_BLK_OP_READ, 1, BUFS_AT + 0x10000, 1024);
	post(ring0, PITH_BLK_OP_FLUSH, 0, 0, 0);
	post(ring0, PITH_BLK_OP_READ, 2047, BUFS_AT + 0x20000, 512); /* the last sector */
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_U64((uint64_t)(int64_t)ring0->desc[i].status, 0);
	CHECK_U64(ring0->desc[2].cookie, 0xc00c1e02u); /* left alone */
	CHECK_U64(ring0->tail, 4);
	CHECK(pread(io.disks[0].fd, back, 4096, 8 * 512) == 4096 && back[0] == 0x5a &&
	      back[4095] == 0x5a);
	CHECK(pread(io.disks[0].fd, back, 512, 24 * 512) == 512 && back[0] == 24); /* after it */
	CHECK_U64(mem[BUFS_AT + 0x10000], 1);
	CHECK_U64(mem[BUFS_AT + 0x10000 + 1023], 2);
	CHECK_U64(mem[BUFS_AT + 0x20000 + 511], 2047 & 0xff);
	CHECK_U64(io.stats.writes, 1);
	CHECK_U64(io.stats.reads, 2);
	CHECK_U64(io.stats.flushes, 1);
	CHECK_U64(io.stats.write_bytes, 8192);
	CHECK_U64(io.stats.read_bytes, 1536);
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 0);
}

/* A request that is the largest allowed, in one piece. */
static void test_max_request(void)
{
	if (!setup(0))
		return;
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, PITH_BLK_REQ_MAX);
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 1);
	CHECK_U64((uint64_t)(int64_t)ring0->desc[0].status, 0);
	CHECK_U64(mem[BUFS_AT + PITH_BLK_REQ_MAX - 1], (DISK_SIZE / 512 - 1) & 0xff);
}

static void expect_status(int status, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		CHECKF(ring0->desc[i].status == status, "slot %u: status %d, expected %d", i,
		       ring0->desc[i].status, status);
}

static void test_hostile(void)
{
	const uint64_t sectors = DISK_SIZE / 512;

	if (!setup(0))
		return;
	post(ring0, PITH_BLK_OP_READ, sectors, BUFS_AT, 512);	       /* past the end */
	post(ring0, PITH_BLK_OP_READ, sectors - 1, BUFS_AT, 1024);     /* runs past the end */
	post(ring0, PITH_BLK_OP_WRITE, ~0ull / 512 + 1, BUFS_AT, 512); /* sector * 512 wraps */
	post(ring0, PITH_BLK_OP_READ, ~0ull, BUFS_AT, 512);	       /* sector + len wraps */
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, 1000);	       /* not a multiple of 512 */
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, 0);		       /* empty */
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, PITH_BLK_REQ_MAX + 512); /* too long */
	post(ring0, PITH_BLK_OP_WRITE, 0, BUFS_AT, 0xfffffe00u);	   /* huge */
	post(ring0, PITH_BLK_OP_READ, 0, 0xfffffffffffff000ull, 8192);	   /* addr wraps */
	post(ring0, PITH_BLK_OP_READ, 0, MEM_SIZE, 512);		   /* outside RAM */
	post(ring0, PITH_BLK_OP_READ, 0, MEM_SIZE - 512, 1024);		   /* runs past RAM */
	post(ring0, PITH_BLK_OP_READ, 0, 0x1000, 512);			   /* the monitor's pages */
	post(ring0, PITH_BLK_OP_READ, 0, PITH_BOOTINFO_BASE, 512);	   /* read-only boot info */
	post(ring0, PITH_BLK_OP_READ, 0, PITH_IMAGE_BASE, 512);		   /* the guest's code */
	post(ring0, 3, 0, BUFS_AT, 512);				   /* unknown op */
	post(ring0, 255, 0, BUFS_AT, 512);				   /* unknown op */
	post(ring0, PITH_BLK_OP_FLUSH, 0, 0, 512);			   /* flush with a length */
	post(ring0, PITH_BLK_OP_READ, 3, BUFS_AT, 512);			   /* a good one after */
	CHECK_U64(blk_io__serve(&io, 0, 64), 18);
	expect_status(-EINVAL, 0, 17);
	expect_status(0, 17, 18);
	CHECK_U64(mem[BUFS_AT], 3);
	CHECK_U64(mem[0x1000], 0);
	CHECK_U64(io.stats.err_inval, 17);
	CHECK_U64(io.stats.reads, 1);
	CHECK(!io.disks[0].broken);
}

static void test_readonly(void)
{
	uint8_t b;

	if (!setup(0))
		return;
	memset(mem + BUFS_AT, 0xee, 512);
	post(ring1, PITH_BLK_OP_WRITE, 0, BUFS_AT, 512);
	post(ring1, PITH_BLK_OP_WRITE, ~0ull, 0, 1); /* malformed too: still -EROFS */
	post(ring1, PITH_BLK_OP_READ, 5, BUFS_AT, 512);
	post(ring1, PITH_BLK_OP_FLUSH, 0, 0, 0);
	CHECK_U64(blk_io__serve(&io, 1, BLK_IO_BATCH), 4);
	CHECK(ring1->desc[0].status == -EROFS && ring1->desc[1].status == -EROFS);
	CHECK(ring1->desc[2].status == 0 && ring1->desc[3].status == 0);
	CHECK(pread(io.disks[1].fd, &b, 1, 0) == 1 && b == 0);
	CHECK_U64(mem[BUFS_AT], 5);
	CHECK_U64(io.stats.err_rofs, 2);
}

/* The host fails: a read past a file that shrank, a write through a read-only fd. */
static void test_host_errors(void)
{
	if (!setup(0))
		return;
	close(io.disks[0].fd);
	io.disks[0].fd = open(path0, O_RDONLY); /* not what a writable disk has: EBADF */
	post(ring0, PITH_BLK_OP_WRITE, 0, BUFS_AT, 512);
	io.disks[0].size = 2 * DISK_SIZE; /* as if the file shrank under the run */
	post(ring0, PITH_BLK_OP_READ, DISK_SIZE / 512, BUFS_AT, 512);
	post(ring0, PITH_BLK_OP_READ, DISK_SIZE / 512 - 1, BUFS_AT, 1024); /* half of it exists */
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, 512);
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 4);
	expect_status(-EIO, 0, 3);
	expect_status(0, 3, 4);
	CHECK_U64(io.stats.err_io, 3);
}

/* fdatasync fails (EINVAL on a pipe): the flush completes with -EIO. */
static void test_flush_error(void)
{
	int p[2];

	if (!setup(0) || !CHECK(pipe(p) == 0))
		return;
	close(io.disks[0].fd);
	io.disks[0].fd = p[0];
	post(ring0, PITH_BLK_OP_FLUSH, 0, 0, 0);
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 1);
	expect_status(-EIO, 0, 1);
	close(p[1]);
}

static void test_far_head(void)
{
	if (!setup(0))
		return;
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, 512);
	ring0->head = 1000;
	CHECK(blk_io__serve(&io, 0, BLK_IO_BATCH) < 0);
	CHECK(io.disks[0].broken);
	CHECK_CONTAINS(io.err, "disk 0's ring head 1000");
	CHECK_U64(ring0->tail, 0);
	CHECK(blk_io__serve(&io, 0, BLK_IO_BATCH) < 0); /* a stopped disk stays stopped */
	post(ring1, PITH_BLK_OP_READ, 0, BUFS_AT, 512); /* the other disk goes on */
	CHECK_U64(blk_io__serve(&io, 1, BLK_IO_BATCH), 1);
	CHECK(blk_io__arm(&io)); /* the broken disk is not armed */
	CHECK_U64(ring0->kick, 0);
	CHECK_U64(ring1->kick, 1);
	if (!setup(5))
		return;
	ring0->head = 4; /* behind the tail: 2^32 - 1 requests "pending" */
	CHECK(blk_io__serve(&io, 0, BLK_IO_BATCH) < 0);
	CHECK_U64(io.stats.reads, 0);
}

/* Indices wrap past 2^32; the budget bounds a pass; the guest's tail field is never read. */
static void test_wrap_budget_tail(void)
{
	if (!setup(0xfffffff0u))
		return;
	for (unsigned i = 0; i < 40; i++)
		post(ring0, PITH_BLK_OP_READ, i, BUFS_AT + i * 512u, 512);
	CHECK_U64(blk_io__serve(&io, 0, 16), 16);
	CHECK_U64(blk_io__serve(&io, 0, 64), 24);
	CHECK_U64(ring0->tail, 24); /* wrapped */
	CHECK_U64(mem[BUFS_AT + 39 * 512u], 39);
	ring0->tail = 7; /* the guest scribbles over the monitor's index */
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, 512);
	CHECK_U64(blk_io__serve(&io, 0, 64), 1);
	CHECK_U64(ring0->tail, 25);
	CHECK_U64(io.stats.reads, 41);
}

static void test_kick_and_wake(void)
{
	if (!setup(0))
		return;
	CHECK_U64(count(io.kick_fd), 2); /* each attach wakes the thread */
	CHECK(blk_io__arm(&io));
	CHECK_U64(ring0->kick, 1);
	CHECK_U64(ring1->kick, 1);
	post(ring0, PITH_BLK_OP_READ, 0, BUFS_AT, 512);
	CHECK(!blk_io__arm(&io)); /* work arrived after the flag: no sleep */
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 1);
	CHECK_U64(count(io.wake_fd), 0); /* the guest did not ask */
	ring0->wake = 1;
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 0);
	CHECK_U64(ring0->wake, 1); /* no progress: the guest sleeps on */
	post(ring0, PITH_BLK_OP_FLUSH, 0, 0, 0);
	CHECK_U64(blk_io__serve(&io, 0, BLK_IO_BATCH), 1);
	CHECK_U64(ring0->wake, 0);
	CHECK_U64(count(io.wake_fd), 1);
	CHECK_U64(io.stats.guest_wakes, 1);
}

/* ---- the thread, under its seccomp filter, in a child (a filter violation kills it) ------ */

/* As the guest does: post, then kick if asked, then sleep until the tail passes `want`. */
static int guest_wait(struct pith_blk_ring *r, uint32_t want)
{
	struct pollfd p = {.fd = io.wake_fd, .events = POLLIN};

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&r->kick, 0, __ATOMIC_SEQ_CST)) {
		uint64_t one = 1;

		if (write(io.kick_fd, &one, sizeof(one)) != sizeof(one))
			return -1;
	}
	for (int tries = 0; tries < 500; tries++) {
		__atomic_store_n(&r->wake, 1, __ATOMIC_SEQ_CST);
		if ((int32_t)(__atomic_load_n(&r->tail, __ATOMIC_SEQ_CST) - want) >= 0)
			return 0;
		if (poll(&p, 1, 10) > 0)
			count(io.wake_fd);
	}
	return -1;
}

static int thread_child(void)
{
	char err[256];

	if (!setup(0) || blk_io__start(&io, false, err, sizeof(err)) < 0)
		return 10;
	memset(mem + BUFS_AT, 0x77, 4096);
	post(ring0, PITH_BLK_OP_WRITE, 100, BUFS_AT, 4096);
	post(ring0, PITH_BLK_OP_FLUSH, 0, 0, 0);
	post(ring0, PITH_BLK_OP_READ, 0, 0xfffffffffffff000ull, 8192); /* hostile */
	post(ring0, PITH_BLK_OP_READ, 100, BUFS_AT + 0x10000, 4096);
	if (guest_wait(ring0, 4) < 0)
		return 11;
	if (ring0->desc[0].status || ring0->desc[1].status || ring0->desc[2].status != -EINVAL ||
	    ring0->desc[3].status || mem[BUFS_AT + 0x10000 + 4095] != 0x77)
		return 12;
	post(ring1, PITH_BLK_OP_WRITE, 0, BUFS_AT, 512); /* ro: the filter allows no pwrite */
	post(ring1, PITH_BLK_OP_READ, 7, BUFS_AT, 512);
	if (guest_wait(ring1, 2) < 0)
		return 13;
	if (ring1->desc[0].status != -EROFS || ring1->desc[1].status || mem[BUFS_AT] != 7)
		return 14;
	return 0;
}

static void test_thread(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(thread_child());
	if (!CHECK(pid > 0 && waitpid(pid, &status, 0) == pid))
		return;
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the disk thread served both disks under its filter (status %#x)", status);
}

int main(void)
{
	int fd0 = disk_file(path0), fd1 = disk_file(path1);

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(mem != MAP_FAILED && fd0 >= 0 && fd1 >= 0))
		goto out;
	close(fd0);
	close(fd1);
	gm = (struct guest_mem){.base = mem, .size = MEM_SIZE, .user_lo = PITH_BOOTINFO_BASE};
	/* As vmm/run.c does: the boot info and the image's read-only pages (here: its "code"). */
	guest_mem__protect(&gm, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END);
	guest_mem__protect(&gm, PITH_IMAGE_BASE, PITH_IMAGE_BASE + 0x10000);
	io.kick_fd = io.wake_fd = -1;
	test_ring_check();
	test_read_write_flush();
	test_max_request();
	test_hostile();
	test_readonly();
	test_host_errors();
	test_flush_error();
	test_far_head();
	test_wrap_budget_tail();
	test_kick_and_wake();
	test_thread();
	close_fds();
out:
	unlink(path0);
	unlink(path1);
	return test__done();
}
