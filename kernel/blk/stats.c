/* The blk component's counters under `pith run --stats` (named here), and its one-line messages. */
#include <stddef.h>
#include <string.h>

#include "blk/internal.h"
#include "console/console.h"
#include "core/counter.h"

struct pith_blk_stats pith_blk_stats;

/* Names: blkdev_* for the driver, bcache_* for the block cache (the monitor prints blk_*). */
PITH_COUNTER_TABLE(blk_counters) = {
    PITH_COUNTER_AT(blkdev_reads, pith_blk_stats.reads),
    PITH_COUNTER_AT(blkdev_writes, pith_blk_stats.writes),
    PITH_COUNTER_AT(blkdev_flushes, pith_blk_stats.flushes),
    PITH_COUNTER_AT(blkdev_requests, pith_blk_stats.requests),
    PITH_COUNTER_AT(blkdev_bytes_read, pith_blk_stats.bytes_read),
    PITH_COUNTER_AT(blkdev_bytes_written, pith_blk_stats.bytes_written),
    PITH_COUNTER_AT(blkdev_kicks, pith_blk_stats.kicks),
    PITH_COUNTER_AT(blkdev_sleeps, pith_blk_stats.sleeps),
    PITH_COUNTER_AT(blkdev_errors, pith_blk_stats.errors),
    PITH_COUNTER_AT(bcache_hits, pith_blk_stats.cache_hits),
    PITH_COUNTER_AT(bcache_misses, pith_blk_stats.cache_misses),
    PITH_COUNTER_AT(bcache_evictions, pith_blk_stats.cache_evictions),
    PITH_COUNTER_AT(bcache_writebacks, pith_blk_stats.cache_writebacks),
    PITH_COUNTER_AT(bcache_wb_ios, pith_blk_stats.cache_wb_ios),
    PITH_COUNTER_AT(bcache_forgets, pith_blk_stats.cache_forgets),
    PITH_COUNTER_AT(bcache_errors, pith_blk_stats.cache_errors),
};

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
	p = pith_append_u64(p, disk);
	p = blk_str(p, ": ", 2);
	p = blk_str(p, what, 140);
	p = blk_str(p, "; ", 2);
	p = blk_str(p, todo, 140);
	*p++ = '\n';
	pith_console_out(2, line, (size_t)(p - line));
}
