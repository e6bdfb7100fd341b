/* Guest memory and the one checked accessor for every guest-supplied address. */
#ifndef VMM_GUESTMEM_H
#define VMM_GUESTMEM_H

#include <stdint.h>

struct guest_mem {
	uint8_t *base; /* host mapping of guest-physical 0 */
	uint64_t size; /* bytes of guest RAM */
	uint64_t
	    user_lo; /* lowest address the guest may name in a hypercall (PITH_BOOTINFO_BASE) */
};

/*
 * Host pointer to the guest range [gpa, gpa + len), or NULL if any byte of it lies outside
 * [user_lo, size). Overflow-safe: gpa + len wrapping past 2^64 is rejected. len == 0 is valid
 * when gpa itself is within [user_lo, size].
 */
void *guest_mem__ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Same as guest_mem__ptr, but for the monitor's own reads: the range may start below user_lo. */
void *guest_mem__raw(const struct guest_mem *m, uint64_t gpa, uint64_t len);

#endif
