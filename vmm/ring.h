/* The monitor's side of the ABI's ring protocol, shared by the NIC's and the disks' I/O threads. */
#ifndef VMM_RING_H
#define VMM_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * Both ring kinds (struct pith_net_ring, struct pith_blk_ring) start with the same index block:
 * head (the guest's), tail (the monitor's), kick and wake (see include/pith/abi.h). These
 * helpers take the fields, so one implementation of the barriers serves both.
 */

/*
 * Publish a new tail (the slots before it are the guest's again), with full barriers on both
 * sides of the store; then, if the guest set wake before sleeping, clear it. Returns true if the
 * caller must end the guest's wait (write its wake eventfd).
 */
static inline bool ring__publish_tail(uint32_t *tail_field, uint32_t *wake_field, uint32_t tail)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(tail_field, tail, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(wake_field, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(wake_field, 0, __ATOMIC_RELEASE);
	return true;
}

/* Set kick, then read head again (a full barrier between): true if the ring is still empty,
   so the thread may sleep; false if the guest published work meanwhile. */
static inline bool ring__arm_kick(uint32_t *kick_field, const uint32_t *head_field, uint32_t tail)
{
	__atomic_store_n(kick_field, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(head_field, __ATOMIC_ACQUIRE) == tail;
}

/* A private copy of a descriptor slot: the guest may change the slot while the monitor uses
   it, so the copy alone is read from here on (the compiler may not reload the slot). */
static inline void ring__copy_desc(void *dst, const volatile void *slot, size_t size)
{
	memcpy(dst, (const void *)slot, size);
	__asm__ volatile("" : : "r"(dst) : "memory");
}

#endif
