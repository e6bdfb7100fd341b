/* The disks' ring logic and I/O thread (blk_io.c), apart from KVM so that tests can drive them. */
#ifndef VMM_BLK_IO_H
#define VMM_BLK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "blk.h"
#include "guestmem.h"

#define BLK_SECTOR 512u

/* Requests served per disk before the thread looks at the next disk. */
#define BLK_IO_BATCH 16u

/* Looks at the rings' heads (with a pause between) before sleeping. */
#define BLK_IO_SPIN 2048u

/* One disk as the I/O thread sees it. */
struct blk_disk {
	int fd;	       /* the host file, opened O_RDWR or O_RDONLY (ro) */
	uint64_t size; /* bytes the guest may use: a multiple of BLK_SECTOR */
	bool ro;       /* writes complete with -EROFS */
	/* The guest's ring (a host pointer checked by blk_ring__check), published by
	   blk_io__attach; NULL before. */
	struct pith_blk_ring *ring;
	/* The monitor's own copy of the tail: the guest can write the ring's tail field, so it
	   is stored, never read back. */
	uint32_t tail;
	bool broken; /* the guest broke the ring protocol: this disk serves no more requests */
};

struct blk_io {
	const struct guest_mem *mem;
	struct blk_disk disks[PITH_BLK_MAX];
	unsigned count;
	int kick_fd;   /* eventfd: the guest's doorbell (ioeventfd) and blk_io__attach's signal */
	int wake_fd;   /* eventfd: written to end the guest's wait */
	char err[160]; /* why a disk stopped (printed once by the thread) */
	bool err_new;  /* err is not printed yet */
	struct blk_stats stats;
};

/* The device (blk_dev.c): vm->blk. */
struct blk_dev {
	struct blk_io io;		 /* the I/O thread's state */
	int vm_fd;			 /* for KVM_IOEVENTFD */
	bool doorbell;			 /* PITH_BLK_KICK_PORT is bound (first setup) */
	bool set_up[PITH_BLK_MAX];	 /* PITH_HC_BLK_SETUP succeeded (once per disk) */
	uint64_t ring_gpa[PITH_BLK_MAX]; /* where each attached ring is */
};

/*
 * Check a ring's guest address for PITH_HC_BLK_SETUP: 64-byte aligned, the whole struct in guest
 * RAM the guest may name and outside the read-only boot info. Returns the host pointer or NULL.
 */
struct pith_blk_ring *blk_ring__check(const struct guest_mem *mem, uint64_t gpa);

/* Start serving disk i's checked ring (its tail taken from the ring once, here). */
void blk_io__attach(struct blk_io *io, unsigned i, struct pith_blk_ring *ring);

/*
 * Serve up to budget requests of disk i's ring, in order: each completes with its status (0,
 * -EINVAL, -EROFS, -EIO). Returns the number served, or -1 if the guest broke the protocol
 * (head more than a ring's worth past the tail: io->err says so, the disk is broken).
 */
int blk_io__serve(struct blk_io *io, unsigned i, unsigned budget);

/*
 * Before sleeping: set the kick flag of every attached disk, then look at the heads again.
 * Returns true if every ring is still empty (sleep), false if work arrived meanwhile.
 */
bool blk_io__arm(struct blk_io *io);

/*
 * Create the I/O thread (before the vCPU thread's seccomp filter goes on). The thread installs
 * its own filter first and serves whichever rings are attached. 0, or -1 with a message in err.
 */
int blk_io__start(struct blk_io *io, bool verbose, char *err, size_t errlen);

#endif
