/* The random component's interface: the kernel's CSPRNG, seeded from the host at boot. */
#ifndef PITH_RANDOM_H
#define PITH_RANDOM_H

#include <stddef.h>

#include <pith/abi.h>

/* Seeds the generator from boot_info->seed (32 bytes from the host's getrandom). */
void pith_random_init(const struct pith_boot_info *bi);

void pith_random_bytes(void *buf, size_t len);

#endif
