/* Guest memory and the one checked accessor for every guest-supplied address. */
#ifndef VMM_GUESTMEM_H
#define VMM_GUESTMEM_H

#include <stdint.h>

/* Read-only ranges: the boot info and every read-only segment of the (at most two) images. */
#define GUEST_MEM_RO_MAX 33

struct guest_range {
	uint64_t start, end;
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
};

/*
 * Host pointer to the guest range [gpa, gpa + len), or NULL if any byte of it lies outside
 * [user_lo, size). Overflow-safe: gpa + len wrapping past 2^64 is rejected. len == 0 is valid
 * when gpa itself is within [user_lo, size].
 */
void *guest_mem__ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/*
 * Same as guest_mem__ptr, for a range the monitor WRITES on the guest's behalf (a received
 * frame, a disk read, a ring's indices, a hypercall's OUT field): also NULL if any byte of it is
 * memory the guest cannot write itself (the boot info, its code and read-only data), so no
 * device can store where the guest's own stores could not: code stays unwritable (W^X).
 */
void *guest_mem__ptr_rw(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Records [start, end) as read-only for guest_mem__ptr_rw: 0, or -1 when the table is full. */
int guest_mem__protect(struct guest_mem *m, uint64_t start, uint64_t end);

/* Same as guest_mem__ptr, but for the monitor's own reads: the range may start below user_lo. */
void *guest_mem__raw(const struct guest_mem *m, uint64_t gpa, uint64_t len);

#endif
