/* TCP sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4) and small helpers. */
#ifndef PITH_NET_TCP_SEQ_H
#define PITH_NET_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool tcp_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool tcp_seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* lo <= x < hi, modulo 2^32. */
static inline bool tcp_seq_in(uint32_t x, uint32_t lo, uint32_t hi)
{
	return x - lo < hi - lo;
}

static inline uint32_t tcp_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint32_t tcp_max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

#endif
