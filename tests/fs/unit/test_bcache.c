/* Host tests of the block cache (kernel/blk/bcache.c) on the fake disk of host/host_blk.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk/blk.h"
#include "blk/internal.h"
#include "fs_host.h"
#include "host_blk.h"
#include "test.h"

#define BS	    1024u
#define DISK_BLOCKS 4096u /* 4 MiB */

static char disk_path[] = "/tmp/pith-test-bcache.XXXXXX";
static int disk_fd = -1;

/* The byte the disk holds at first at offset i of block b. */
static uint8_t pattern(uint64_t b, size_t i)
{
	return (uint8_t)(b * 7 + i / 3);
}

static void make_disk(void)
{
	static uint8_t block[BS];

	disk_fd = mkstemp(disk_path);
	if (disk_fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	for (uint64_t b = 0; b < DISK_BLOCKS; b++) {
		for (size_t i = 0; i < BS; i++)
			block[i] = pattern(b, i);
		if (pwrite(disk_fd, block, BS, (off_t)(b * BS)) != BS) {
			perror("pwrite");
			exit(1);
		}
	}
}

/* Whether block b of the host file is all byte v. */
static bool disk_block_is(uint64_t b, uint8_t v)
{
	uint8_t block[BS];

	if (pread(disk_fd, block, BS, (off_t)(b * BS)) != BS)
		return false;
	for (size_t i = 0; i < BS; i++)
		if (block[i] != v)
			return false;
	return true;
}

/* Reads block b, fills it with v, marks it dirty in class order, releases it. */
static void dirty_block(struct pith_bcache *c, uint64_t b, uint8_t v, unsigned order)
{
	int err = 0;
	struct pith_buf *buf = pith_bread(c, b, true, &err);

	if (!CHECKF(buf != NULL, "bread %llu: %d", (unsigned long long)b, err))
		return;
	memset(buf->data, v, BS);
	pith_bdirty(buf, order);
	pith_brelse(buf);
}

static struct host_blk_counters *counters(struct pith_blk *d)
{
	struct host_blk_counters *k = host_blk_counters(d);

	return k;
}

static void reset(struct pith_blk *d)
{
	memset(counters(d), 0, sizeof(struct host_blk_counters));
	host_blk_log_clear(d);
}

static void test_hit_miss(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);
	struct pith_buf *b;
	int err = 0;

	reset(d);
	b = pith_bread(c, 3, false, &err);
	CHECK(b && b->blockno == 3 && b->data[0] == pattern(3, 0) &&
	      b->data[BS - 1] == pattern(3, BS - 1));
	pith_brelse(b);
	b = pith_bread(c, 3, false, &err);
	CHECK(b != NULL);
	pith_brelse(b);
	CHECK_U64(counters(d)->reads, 1); /* the second was a hit */
	b = pith_bread(c, 9, true, &err);
	CHECK(b && b->data[0] == 0 && b->data[BS - 1] == 0);
	CHECK_U64(counters(d)->reads, 1); /* fresh: zeroed, not read */
	pith_brelse(b);
	CHECK(pith_bread(c, DISK_BLOCKS, false, &err) == NULL && err == -EINVAL);
	CHECK_U64(pith_bcache_free(c), 0);
	CHECK_U64(counters(d)->writes, 0); /* nothing dirty: nothing written */
}

/* Dirty blocks 10-12 and 20: two transfers in one call, then a flush. */
static void test_coalesce(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);
	const struct host_blk_write *log;
	unsigned n;

	for (uint64_t b = 10; b <= 12; b++)
		dirty_block(c, b, 0xa1, 0);
	dirty_block(c, 20, 0xa2, 0);
	reset(d);
	CHECK_U64(pith_bcache_sync(c, true), 0);
	log = host_blk_log(d, &n);
	CHECK_U64(counters(d)->calls, 1);
	CHECK_U64(n, 2);
	CHECK(n == 2 && log[0].off == 10 * BS && log[0].len == 3 * BS);
	CHECK(n == 2 && log[1].off == 20 * BS && log[1].len == BS);
	CHECK_U64(counters(d)->flushes, 1);
	CHECK(disk_block_is(10, 0xa1) && disk_block_is(12, 0xa1) && disk_block_is(20, 0xa2));
	reset(d);
	CHECK_U64(pith_bcache_sync(c, false), 0); /* clean now: nothing more */
	CHECK_U64(counters(d)->writes + counters(d)->flushes, 0);
	CHECK_U64(pith_bcache_free(c), 0);
}

/* 2000 adjacent blocks: the 1 MiB staging area makes them two transfers. */
static void test_coalesce_large(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);

	for (uint64_t b = 1000; b < 3000; b++)
		dirty_block(c, b, 0xb3, 0);
	reset(d);
	CHECK_U64(pith_bcache_sync(c, false), 0);
	CHECK_U64(counters(d)->writes, 2);
	CHECK_U64(counters(d)->bytes_written, 2000 * BS);
	CHECK(disk_block_is(1000, 0xb3) && disk_block_is(2999, 0xb3) && disk_block_is(2024, 0xb3));
	CHECK(!disk_block_is(3000, 0xb3));
	CHECK_U64(pith_bcache_free(c), 0);
}

/* Classes are written lowest first, by block number inside a class, never coalesced across. */
static void test_order(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);
	const struct host_blk_write *log;
	unsigned n;

	dirty_block(c, 5, 1, 2);
	dirty_block(c, 6, 1, 0);
	dirty_block(c, 7, 1, 1);
	dirty_block(c, 50, 1, 0);
	dirty_block(c, 51, 1, 3); /* dirty again below: takes the lower class */
	dirty_block(c, 51, 2, 1);
	reset(d);
	CHECK_U64(pith_bcache_sync(c, false), 0);
	log = host_blk_log(d, &n);
	CHECK_U64(n, 5);
	CHECK(n == 5 && log[0].off == 6 * BS && log[1].off == 50 * BS);
	CHECK(n == 5 && log[2].off == 7 * BS && log[3].off == 51 * BS && log[4].off == 5 * BS);
	CHECK_U64(counters(d)->calls, 3); /* one per class: a class is done before the next */
	CHECK(disk_block_is(51, 2));
	CHECK_U64(pith_bcache_free(c), 0);
}

/* A cache of 16 buffers (RAM / 8 = 16 KiB): least recently released first out. */
static void test_lru(struct pith_blk *d)
{
	struct pith_bcache *c;
	struct pith_buf *b;
	int err = 0;

	fs_host_boot.mem_size = 128u << 10;
	c = pith_bcache_new(d, BS);
	for (uint64_t i = 100; i < 116; i++)
		pith_brelse(pith_bread(c, i, false, &err));
	pith_brelse(pith_bread(c, 100, false, &err)); /* 100 is the most recent now */
	reset(d);
	pith_brelse(pith_bread(c, 200, false, &err)); /* evicts 101 */
	pith_brelse(pith_bread(c, 100, false, &err));
	CHECK_U64(counters(d)->reads, 1);
	pith_brelse(pith_bread(c, 101, false, &err));
	CHECK_U64(counters(d)->reads, 2);
	b = pith_bread(c, 101, false, &err);
	CHECK(b && b->data[5] == pattern(101, 5));
	pith_brelse(b);
	CHECK_U64(pith_bcache_free(c), 0);
	fs_host_boot.mem_size = 64u << 20;
}

/*
 * Every buffer dirty: a new block evicts the least recently released dirty one (class 1),
 * after writing back classes 0 and 1 in order; class 2 stays dirty.
 */
static void test_dirty_eviction(struct pith_blk *d)
{
	struct pith_bcache *c;
	const struct host_blk_write *log;
	unsigned n;
	int err = 0;

	fs_host_boot.mem_size = 128u << 10;
	c = pith_bcache_new(d, BS);
	dirty_block(c, 300, 0x31, 1); /* least recently released */
	for (uint64_t i = 301; i < 316; i++)
		dirty_block(c, i, 0x32, i < 308 ? 0 : 2);
	reset(d);
	pith_brelse(pith_bread(c, 400, false, &err));
	log = host_blk_log(d, &n);
	CHECK_U64(n, 2);
	CHECK(n == 2 && log[0].off == 301 * BS && log[0].len == 7 * BS);
	CHECK(n == 2 && log[1].off == 300 * BS && log[1].len == BS);
	CHECK(disk_block_is(300, 0x31) && disk_block_is(307, 0x32) && !disk_block_is(308, 0x32));
	CHECK_U64(pith_blk_stats.cache_evictions > 0, 1);
	reset(d);
	CHECK_U64(pith_bcache_free(c), 0); /* writes back class 2: 308..315 */
	log = host_blk_log(d, &n);
	CHECK(n == 1 && log[0].off == 308 * BS && log[0].len == 8 * BS);
	CHECK(disk_block_is(315, 0x32));
	fs_host_boot.mem_size = 64u << 20;
}

/* Held buffers are never evicted: the bound gives way, and comes back on release. */
static void test_held(struct pith_blk *d)
{
	struct pith_buf *held[17];
	struct pith_bcache *c;
	int err = 0;
	bool all = true;

	fs_host_boot.mem_size = 128u << 10;
	c = pith_bcache_new(d, BS);
	for (int i = 0; i < 17; i++) {
		held[i] = pith_bread(c, 500 + (uint64_t)i, false, &err);
		all = all && held[i];
	}
	CHECK(all);
	for (int i = 0; all && i < 17; i++)
		all = held[i]->data[1] == pattern(500 + (uint64_t)i, 1);
	CHECK(all);
	for (int i = 0; i < 17; i++)
		if (held[i])
			pith_brelse(held[i]);
	reset(d);
	pith_brelse(pith_bread(c, 500, false, &err)); /* the oldest went back under the bound */
	CHECK_U64(counters(d)->reads, 1);
	CHECK_U64(pith_bcache_free(c), 0);
	fs_host_boot.mem_size = 64u << 20;
}

/* A forgotten dirty block is never written; the next read comes from the disk. */
static void test_forget(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);
	struct pith_buf *b;
	int err = 0;

	dirty_block(c, 600, 0x66, 0);
	pith_bforget(c, 600);
	pith_bforget(c, 601); /* not cached: nothing */
	reset(d);
	CHECK_U64(pith_bcache_sync(c, false), 0);
	CHECK_U64(counters(d)->writes, 0);
	b = pith_bread(c, 600, false, &err);
	CHECK(b && b->data[7] == pattern(600, 7));
	CHECK_U64(counters(d)->reads, 1);
	pith_brelse(b);
	CHECK_U64(pith_bcache_free(c), 0);
}

/* A failed write-back leaves its blocks dirty, stops before the next class, and says so. */
static void test_sync_error(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);
	const struct host_blk_write *log;
	unsigned n;

	dirty_block(c, 700, 0x71, 0);
	dirty_block(c, 701, 0x71, 0);
	dirty_block(c, 710, 0x72, 0);
	dirty_block(c, 720, 0x73, 1);
	reset(d);
	host_blk_fail(d, (struct host_blk_fault){.ops = HOST_BLK_FAIL_WRITE,
						 .off = 701 * BS,
						 .len = BS,
						 .count = UINT64_MAX,
						 .err = -EIO});
	CHECK_U64(pith_bcache_sync(c, true), (uint64_t)-EIO);
	CHECK_U64(counters(d)->flushes, 0);
	log = host_blk_log(d, &n);
	CHECK(n == 1 && log[0].off == 710 * BS); /* 700-701 failed, 710 succeeded, 720 waits */
	CHECK(!disk_block_is(700, 0x71) && !disk_block_is(720, 0x73));
	host_blk_fail_clear(d);
	reset(d);
	CHECK_U64(pith_bcache_sync(c, true), 0);
	log = host_blk_log(d, &n);
	CHECK(n == 2 && log[0].off == 700 * BS && log[0].len == 2 * BS && log[1].off == 720 * BS);
	CHECK(disk_block_is(700, 0x71) && disk_block_is(701, 0x71) && disk_block_is(720, 0x73));
	CHECK_U64(counters(d)->flushes, 1);
	host_blk_fail(d,
		      (struct host_blk_fault){.ops = HOST_BLK_FAIL_FLUSH, .count = 1, .err = -EIO});
	CHECK_U64(pith_bcache_sync(c, true), (uint64_t)-EIO);
	CHECK_U64(pith_bcache_free(c), 0);
}

/* A failed read returns NULL with the error and caches nothing. */
static void test_read_error(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);
	struct pith_buf *b;
	int err = 0;

	host_blk_fail(d,
		      (struct host_blk_fault){.ops = HOST_BLK_FAIL_READ, .count = 1, .err = -EIO});
	CHECK(pith_bread(c, 800, false, &err) == NULL && err == -EIO);
	b = pith_bread(c, 800, false, &err);
	CHECK(b && b->data[2] == pattern(800, 2));
	if (b)
		pith_brelse(b);
	CHECK_U64(pith_bcache_free(c), 0);
}

/* Without memory for the staging area, write-back still works, one block per transfer. */
static void test_no_stage(struct pith_blk *d)
{
	struct pith_bcache *c = pith_bcache_new(d, BS);

	for (uint64_t b = 900; b < 904; b++)
		dirty_block(c, b, 0x90, 0);
	reset(d);
	fs_host_kmalloc_skip = 2; /* the sorted list and the batch; then the staging area fails */
	fs_host_kmalloc_fail = 1;
	CHECK_U64(pith_bcache_sync(c, false), 0);
	CHECK_U64(counters(d)->writes, 4);
	CHECK(disk_block_is(900, 0x90) && disk_block_is(903, 0x90));
	fs_host_kmalloc_fail = 0;
	CHECK_U64(pith_bcache_free(c), 0);
}

static void test_stats(void)
{
	fs_host_boot.flags |= PITH_BOOT_STATS;
	fs_host_capture = true;
	fs_host_out_clear();
	fs_host_run_exit_hooks();
	fs_host_capture = false;
	fs_host_boot.flags &= ~PITH_BOOT_STATS;
	CHECK_CONTAINS(fs_host_out, "pith: stats: bcache_hits ");
	CHECK_CONTAINS(fs_host_out, "pith: stats: bcache_writebacks ");
	CHECK_CONTAINS(fs_host_out, "pith: stats: bcache_errors ");
}

int main(void)
{
	struct pith_blk *d;
	size_t kmem;

	make_disk();
	d = host_blk_open(disk_path, false);
	if (!CHECK(d != NULL)) {
		unlink(disk_path);
		return test__done();
	}
	kmem = fs_host_kmem;
	test_hit_miss(d);
	test_coalesce(d);
	test_coalesce_large(d);
	test_order(d);
	test_lru(d);
	test_dirty_eviction(d);
	test_held(d);
	test_forget(d);
	test_sync_error(d);
	test_read_error(d);
	test_no_stage(d);
	CHECK_U64(fs_host_kmem, kmem); /* every cache freed all it took */
	test_stats();
	host_blk_close(d);
	close(disk_fd);
	unlink(disk_path);
	return test__done();
}
