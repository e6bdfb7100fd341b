/* The blk component's own interface: its counters (printed by --stats) and its messages. */
#ifndef PITH_BLK_INTERNAL_H
#define PITH_BLK_INTERNAL_H

#include <stdint.h>

/* Events since boot, printed as `pith: stats: blkdev_<name>` / `bcache_<name>` at exit. */
struct pith_blk_stats {
	uint64_t reads;		   /* read transfers asked of pith_blk_io */
	uint64_t writes;	   /* write transfers */
	uint64_t flushes;	   /* flush requests */
	uint64_t requests;	   /* ring requests posted (transfers split at PITH_BLK_REQ_MAX) */
	uint64_t bytes_read;	   /* bytes read successfully */
	uint64_t bytes_written;	   /* bytes written successfully */
	uint64_t kicks;		   /* doorbell writes */
	uint64_t sleeps;	   /* waits in the monitor for completions */
	uint64_t errors;	   /* requests that completed with an error */
	uint64_t cache_hits;	   /* pith_bread found the block */
	uint64_t cache_misses;	   /* pith_bread read it (or zeroed it: fresh) */
	uint64_t cache_evictions;  /* buffers reused or freed to stay under the bound */
	uint64_t cache_writebacks; /* dirty blocks written back */
	uint64_t cache_wb_ios;	   /* transfers those write-backs took (after coalescing) */
	uint64_t cache_forgets;	   /* blocks dropped by pith_bforget */
	uint64_t cache_errors;	   /* failed reads and write-backs */
};

extern struct pith_blk_stats pith_blk_stats;

/* One line on the console's stderr: `pith: disk <disk>: <what>; <todo>`. */
void pith_blk_msg(unsigned disk, const char *what, const char *todo);

#endif
