/* The blk component's counters under `pith run --stats`, and its one-line messages. */
#include <stddef.h>
#include <string.h>

#include "blk/internal.h"
#include "console/console.h"
#include "core/core.h"

struct pith_blk_stats pith_blk_stats;

/* Appends the decimal digits of v at p; returns the new end. */
static char *blk_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Appends at most max bytes of s at p; returns the new end. */
static char *blk_str(char *p, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		n = max;
	memcpy(p, s, n);
	return p + n;
}

void pith_blk_msg(unsigned disk, const char *what, const char *todo)
{
	char line[320], *p = line;

	p = blk_str(p, "pith: disk ", 16);
	p = blk_u64(p, disk);
	p = blk_str(p, ": ", 2);
	p = blk_str(p, what, 140);
	p = blk_str(p, "; ", 2);
	p = blk_str(p, todo, 140);
	*p++ = '\n';
	pith_console_out(2, line, (size_t)(p - line));
}

/* `pith: stats: <name> <value>`, as kernel/net/stats.c prints its counters. */
static void stats_line(const char *name, uint64_t value)
{
	char line[96], *p = line;

	p = blk_str(p, "pith: stats: ", 20);
	p = blk_str(p, name, 40);
	*p++ = ' ';
	p = blk_u64(p, value);
	*p++ = '\n';
	pith_console_out(2, line, (size_t)(p - line));
}

/* Names: blkdev_* for the driver, bcache_* for the block cache (the monitor prints blk_*). */
#define BLK_STAT(f, name)                                                                          \
	{                                                                                          \
		name, offsetof(struct pith_blk_stats, f)                                           \
	}

static const struct {
	const char *name;
	size_t off;
} blk_stat_fields[] = {
    BLK_STAT(reads, "blkdev_reads"),
    BLK_STAT(writes, "blkdev_writes"),
    BLK_STAT(flushes, "blkdev_flushes"),
    BLK_STAT(requests, "blkdev_requests"),
    BLK_STAT(bytes_read, "blkdev_bytes_read"),
    BLK_STAT(bytes_written, "blkdev_bytes_written"),
    BLK_STAT(kicks, "blkdev_kicks"),
    BLK_STAT(sleeps, "blkdev_sleeps"),
    BLK_STAT(errors, "blkdev_errors"),
    BLK_STAT(cache_hits, "bcache_hits"),
    BLK_STAT(cache_misses, "bcache_misses"),
    BLK_STAT(cache_evictions, "bcache_evictions"),
    BLK_STAT(cache_writebacks, "bcache_writebacks"),
    BLK_STAT(cache_wb_ios, "bcache_wb_ios"),
    BLK_STAT(cache_forgets, "bcache_forgets"),
    BLK_STAT(cache_errors, "bcache_errors"),
};

/* Every non-zero counter (an image that never touched a disk prints nothing). */
static void blk_stats_exit(void)
{
	const char *base = (const char *)&pith_blk_stats;

	if (!(pith_boot_info->flags & PITH_BOOT_STATS))
		return;
	for (size_t i = 0; i < sizeof(blk_stat_fields) / sizeof(blk_stat_fields[0]); i++) {
		uint64_t v;

		memcpy(&v, base + blk_stat_fields[i].off, sizeof(v));
		if (v)
			stats_line(blk_stat_fields[i].name, v);
	}
}

PITH_EXIT_HOOK(blk_stats, blk_stats_exit);
