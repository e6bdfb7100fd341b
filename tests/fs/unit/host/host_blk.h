/* A fake disk for host tests: kernel/blk/blk.h's device functions over a host file. */
#ifndef PITH_TESTS_FS_HOST_BLK_H
#define PITH_TESTS_FS_HOST_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <pith/abi.h>

#include "blk/blk.h"

/*
 * host_blk.c implements every device function of kernel/blk/blk.h (pith_blk_count/get/size/
 * sector_size/readonly/mount_point/open/io/read/write/flush) with pread/pwrite/fdatasync on a
 * host file, synchronously, checking each transfer as the real driver does (-EINVAL outside
 * the disk or not sector-aligned, -EROFS for a write to a read-only disk). Link it INSTEAD of
 * kernel/blk/blk.c, with kernel/blk/bcache.c and kernel/blk/stats.c on top. It counts what it
 * is asked, logs every write transfer, and fails transfers on demand.
 */

/* Opens path as the next disk (sector size 512, capacity: the file's size rounded down to
   sectors, mount point "/mnt/diskN"); NULL after printing why. At most PITH_BLK_MAX open. */
struct pith_blk *host_blk_open(const char *path, bool ro);

/* Closes it (the disk slot stays used: pith_blk_get returns NULL for it afterwards). */
void host_blk_close(struct pith_blk *d);

/* Closes every disk and frees every slot: the next host_blk_open is disk 0 again (a fuzzer
   that opens a disk per input). */
void host_blk_reset(void);

/* Sets the mount point pith_blk_mount_point returns (at most PITH_BLK_MOUNT_MAX - 1 bytes). */
void host_blk_set_mount(struct pith_blk *d, const char *mount);

struct host_blk_counters {
	uint64_t calls;	  /* pith_blk_io calls (pith_blk_read/write are one each) */
	uint64_t reads;	  /* read transfers */
	uint64_t writes;  /* write transfers */
	uint64_t flushes; /* pith_blk_flush calls */
	uint64_t bytes_read, bytes_written;
	uint64_t failed; /* transfers failed on purpose (host_blk_fail) */
};

/* What the disk was asked so far (zero them to start counting afresh). */
struct host_blk_counters *host_blk_counters(struct pith_blk *d);

/* The write transfers, in the order they were written (the last HOST_BLK_LOG_MAX). */
#define HOST_BLK_LOG_MAX 4096

struct host_blk_write {
	uint64_t off;
	uint64_t len;
};

/* The log (oldest first) and its length; host_blk_log_clear empties it. */
const struct host_blk_write *host_blk_log(struct pith_blk *d, unsigned *n);
void host_blk_log_clear(struct pith_blk *d);

/*
 * Injected faults: transfers of the kinds in `ops` (HOST_BLK_FAIL_READ | _WRITE | _FLUSH) that
 * touch [off, off + len) (len 0: anywhere; a flush always matches) fail with err, `count` times
 * (UINT64_MAX: until host_blk_fail_clear), after `skip` matching transfers succeeded.
 */
#define HOST_BLK_FAIL_READ  1u
#define HOST_BLK_FAIL_WRITE 2u
#define HOST_BLK_FAIL_FLUSH 4u

struct host_blk_fault {
	unsigned ops;
	uint64_t off, len;
	uint64_t skip, count;
	int err; /* e.g. -EIO */
};

void host_blk_fail(struct pith_blk *d, struct host_blk_fault f);
void host_blk_fail_clear(struct pith_blk *d);

#endif
