/* The NIC's ring logic and I/O thread (net_io.c), apart from KVM so that tests can drive them. */
#ifndef VMM_NET_IO_H
#define VMM_NET_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "guestmem.h"
#include "net.h"

/* Frames the monitor accepts from the guest: an Ethernet header at least, at most a 64 KiB
   IP packet behind one (a GSO frame with offloads; without them the MTU bounds it anyway). */
#define NET_FRAME_MIN 14u
#define NET_FRAME_MAX (65535u + 14u)

/* Slots handled per ring before the thread looks at the other ring. */
#define NET_IO_BATCH 64u

/* Looks at the transmit ring's head (with a pause between) before sleeping. */
#define NET_IO_SPIN 4096u

struct net_io {
	const struct guest_mem *mem;
	struct net_backend *backend;
	/* The guest's rings (host pointers, checked by net_ring__check), published by
	   net_io__attach; NULL before. */
	struct pith_net_ring *tx, *rx;
	/* The monitor's own copies of the tails: the guest can write the ring's tail fields, so
	   they are stored, never read back. */
	uint32_t tx_tail, rx_tail;
	int kick_fd;	 /* eventfd: the guest's doorbell (ioeventfd) and net_io__attach's signal */
	int wake_fd;	 /* eventfd: written to end the guest's wait */
	bool tx_blocked; /* the backend is full: wait until its fd is writable */
	bool rx_starved; /* the guest has posted no free receive buffer */
	bool broken;	 /* the guest broke the ring protocol: no more frames move; see err */
	char err[160];	 /* why the device stopped (printed once by the thread) */
	struct net_stats stats;
	uint32_t arp_ip; /* the guest's static address (network order), 0: unknown (DHCP) */
};

/* The device (net_dev.c): vm->net. */
struct net_dev {
	struct net_backend backend;
	struct net_io io; /* the I/O thread's state */
	int vm_fd;	  /* for KVM_IOEVENTFD */
	bool set_up;	  /* PITH_HC_NET_SETUP succeeded (once per boot) */
};

/*
 * Check a ring's guest address for PITH_HC_NET_SETUP: 64-byte aligned, the whole struct in guest
 * RAM the guest may name and outside the read-only boot info. Returns the host pointer or NULL.
 */
struct pith_net_ring *net_ring__check(const struct guest_mem *mem, uint64_t gpa);

/* Start moving frames on two checked rings (tails taken from the rings once, here). */
void net_io__attach(struct net_io *io, struct pith_net_ring *tx, struct pith_net_ring *rx);

/*
 * Send up to budget frames from the transmit ring. Returns the number of slots consumed
 * (sent or dropped), or -1 if the guest broke the protocol or the backend failed (io->err says
 * which; io->broken is set).
 */
int net_io__tx(struct net_io *io, unsigned budget);

/* Receive up to budget frames into posted buffers. Same return convention as net_io__tx. */
int net_io__rx(struct net_io *io, unsigned budget);

/*
 * Before sleeping: set the transmit ring's kick flag, then look at head again. Returns true if
 * the ring is still empty (sleep), false if work arrived meanwhile.
 */
bool net_io__tx_arm(struct net_io *io);

/* The same for the receive ring when it has no free buffer. */
bool net_io__rx_arm(struct net_io *io);

/*
 * Create the I/O thread (before the vCPU thread's seccomp filter goes on). The thread installs
 * its own filter first and waits until net_io__attach. 0, or -1 with a message in err.
 */
int net_io__start(struct net_io *io, bool verbose, char *err, size_t errlen);

#endif
