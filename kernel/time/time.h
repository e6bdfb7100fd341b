/* The time component's interface: the TSC clock every clock id is derived from. */
#ifndef PITH_TIME_H
#define PITH_TIME_H

#include <stdint.h>

#include <pith/abi.h>

void pith_time_init(const struct pith_boot_info *bi);

/* Nanoseconds since boot (CLOCK_MONOTONIC). */
uint64_t pith_time_monotonic_ns(void);

/* Nanoseconds since the Unix epoch (CLOCK_REALTIME): the host's time at boot + monotonic. */
uint64_t pith_time_realtime_ns(void);

/* Nanoseconds on clock `clock` (a CLOCK_* id); -EINVAL for a clock Pith does not have. */
int pith_time_clock_ns(int clock, uint64_t *ns);

#endif
