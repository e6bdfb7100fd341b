/* TSC-to-nanoseconds conversion (pure, testable on the host). */
#ifndef PITH_TIME_TSC_H
#define PITH_TIME_TSC_H

#include <stdint.h>

/*
 * Nanoseconds in `ticks` TSC ticks at tsc_hz: ticks * 10^9 / tsc_hz with a 128-bit product, so
 * it is exact (rounded down) for any uptime whose nanoseconds fit in 64 bits (584 years).
 */
static inline uint64_t pith_tsc_to_ns(uint64_t ticks, uint64_t tsc_hz)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000u) / tsc_hz);
}

#endif
