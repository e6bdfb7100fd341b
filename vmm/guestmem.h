/* Guest memory and the one checked accessor for every guest-supplied address. */
#ifndef VMM_GUESTMEM_H
#define VMM_GUESTMEM_H

#include <stdint.h>

/* Read-only ranges: the boot info and every read-only segment of the (at most two) images. */
#define GUEST_MEM_RO_MAX 33

struct guest_range {
	uint64_t start, end;
};

/* Heap pages the guest made non-read-write with PITH_HC_PROTECT (vmm/hc_protect.c). */
#define GUEST_PROT_MAX 1024

struct guest_prot_range {
	uint64_t start, end; /* page-aligned, [start, end) */
	uint32_t prot;	     /* PITH_PROT_NONE or PITH_PROT_READ (read-write pages are absent) */
	uint32_t reserved;
};

/*
 * The guest's protections as the I/O threads see them: published by the vCPU thread (the one
 * writer) without locks, read without locks or allocation. Two buffers; the low bit of seq
 * says which one is current. The writer fills the other one, then increments seq; a reader
 * that sees seq change while it searched (the writer may have refilled its buffer) searches
 * again. Every field is accessed with atomics (relaxed, plus the fences of a seqlock).
 */
struct guest_prot_set {
	uint32_t seq;
	uint32_t n[2];
	struct guest_prot_range r[2][GUEST_PROT_MAX]; /* sorted, disjoint */
};

struct guest_mem {
	uint8_t *base; /* host mapping of guest-physical 0 */
	uint64_t size; /* bytes of guest RAM */
	uint64_t
	    user_lo; /* lowest address the guest may name in a hypercall (PITH_BOOTINFO_BASE) */
	/* Memory the guest's page tables map read-only (guest_mem__protect); the monitor never
	   writes there on the guest's behalf. */
	struct guest_range ro[GUEST_MEM_RO_MAX];
	unsigned nro;
	/* End of what the guest may name (0: size): the page-table pool above it is the
	   monitor's (guest_mem__limit). */
	uint64_t user_end;
	/* The guest's protections, NULL until its first PITH_HC_PROTECT (guest_mem__set_prot). */
	struct guest_prot_set *prot;
};

/*
 * Host pointer to the guest range [gpa, gpa + len), or NULL if any byte of it lies outside
 * [user_lo, user_end) or on a page the guest made inaccessible (PITH_PROT_NONE): the monitor
 * reads nothing on the guest's behalf that the guest could not read itself. Overflow-safe: gpa +
 * len wrapping past 2^64 is rejected. len == 0 is valid when gpa itself is within [user_lo, size].
 */
void *guest_mem__ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/*
 * Same as guest_mem__ptr, for a range the monitor WRITES on the guest's behalf (a received
 * frame, a disk read, a ring's indices, a hypercall's OUT field): also NULL if any byte of it is
 * memory the guest cannot write itself (the boot info, its code and read-only data, heap pages
 * it protected), so no device can store where the guest's own stores could not: code stays
 * unwritable (W^X), guard pages stay untouched. Safe to call while the vCPU thread changes the
 * protections (guest_prot__publish).
 */
void *guest_mem__ptr_rw(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Records [start, end) as read-only for guest_mem__ptr_rw: 0, or -1 when the table is full. */
int guest_mem__protect(struct guest_mem *m, uint64_t start, uint64_t end);

/* Same as guest_mem__ptr, but for the monitor's own reads: the range may start below user_lo. */
void *guest_mem__raw(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Guest-named ranges end at end (the rest of RAM is the monitor's). */
void guest_mem__limit(struct guest_mem *m, uint64_t end);

/* Make the I/O threads see s (once, from the vCPU thread; s stays valid until the end). */
void guest_mem__set_prot(struct guest_mem *m, struct guest_prot_set *s);

/*
 * Publish r[0..n) (sorted, disjoint, n <= GUEST_PROT_MAX) as the current protections. Only one
 * thread may publish; readers in other threads are never blocked.
 */
void guest_prot__publish(struct guest_prot_set *s, const struct guest_prot_range *r, unsigned n);

#endif
