/* The virtual disks: their configuration from the command line, the device, its statistics. */
#ifndef VMM_BLK_H
#define VMM_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

struct vm;

/* One --disk FILE[:MOUNTPOINT][:ro] (cli/run_disk_args.c fills it; the syntax is validated
   there, the file itself by blk_dev__init). */
struct blk_disk_config {
	const char *path;		/* the host file (or block device) */
	char mount[PITH_BLK_MOUNT_MAX]; /* absolute, normalized; /mnt/disk<N> by default */
	bool ro;			/* :ro: opened O_RDONLY, PITH_BLK_RO in boot info */
};

struct blk_config {
	struct blk_disk_config disks[PITH_BLK_MAX];
	unsigned count; /* 0: no disk */
};

/* Statistics (printed by `pith run --stats` at exit): what the disk thread did, all disks. */
struct blk_stats {
	uint64_t reads, writes, flushes;  /* requests served, by op */
	uint64_t read_bytes, write_bytes; /* bytes moved */
	uint64_t err_inval;		  /* requests refused as malformed (-EINVAL) */
	uint64_t err_rofs;		  /* writes to a read-only disk (-EROFS) */
	uint64_t err_io;		  /* host errors (-EIO) */
	uint64_t kicks;			  /* ioeventfd wake-ups of the disk thread */
	uint64_t guest_wakes;		  /* times the disk thread ended a guest's wait */
};

/*
 * Open every disk of vm->cfg->blk (O_RDWR, or O_RDONLY with :ro; a flock, exclusive or shared,
 * so that no two runs write one image), check each (a regular file or block device whose size
 * is a non-zero multiple of 512), and create the doorbell and wake eventfds. Called during
 * setup, after the monitor's fd table is its own (a lock must not outlive the run in the
 * helper's table), only when there are disks; 0, or -1 with a message in err.
 */
int blk_dev__init(struct vm *vm, char *err, size_t errlen);

/* What boot info says about disk i (i < the number of disks). */
void blk_dev__info(const struct vm *vm, unsigned i, struct pith_blk_info *info);

/*
 * Start the disk I/O thread (before the vCPU thread's seccomp filter goes on). 0, or -1 with a
 * message in err.
 */
int blk_dev__start(struct vm *vm, char *err, size_t errlen);

/*
 * The PITH_HC_BLK_SETUP hypercall's work: check disk and ring, bind the doorbell on the first
 * setup, hand the ring to the I/O thread. 0, or -ENODEV, -EBUSY, -EINVAL, -EIO.
 */
int blk_dev__setup(struct vm *vm, uint32_t disk, uint64_t ring);

/* The eventfd the disk thread writes to end the guest's wait (the wait hypercall polls it). */
int blk_dev__wake_fd(const struct vm *vm);

/* Prints the monitor's disk statistics (pith run --stats) to stderr. */
void blk_dev__print_stats(const struct vm *vm);

#endif
