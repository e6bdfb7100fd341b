/* The Internet checksum (RFC 1071): one's-complement sum of 16-bit words, 64 bits at a time. */
#include <string.h>

#include "net/net.h"

/*
 * RFC 1071 section 2 (B): the sum is independent of byte order, so words are added as they lie
 * in memory (little-endian loads) and the folded result is stored back the same way. Each
 * 64-bit load is split into two 32-bit halves added into a 64-bit accumulator (section 4.1's
 * "deferred carries"): 2^32 additions cannot overflow it. An odd final byte is padded with zero
 * (section 4.1), so only the last piece of a chained sum may have an odd length.
 */
static uint64_t csum_fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return s;
}

static uint64_t csum_words(const uint8_t *p, size_t len, uint64_t s)
{
	uint64_t w;

	for (; len >= 32; p += 32, len -= 32) {
		uint64_t a, b, c, d;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		s += (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32);
		s += (c & 0xffffffffu) + (c >> 32) + (d & 0xffffffffu) + (d >> 32);
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		s += (w & 0xffffffffu) + (w >> 32);
	}
	w = 0;
	memcpy(&w, p, len); /* 0..7 bytes; an odd last byte lands in a word's low half */
	return s + (w & 0xffffffffu) + (w >> 32);
}

uint32_t pith_csum_add(uint32_t sum, const void *data, size_t len)
{
	return (uint32_t)csum_fold64(csum_words(data, len, sum));
}

uint16_t pith_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 9293 section 3.1 / RFC 768: source, destination, zero + protocol, length (host order). */
uint32_t pith_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint64_t s = (uint64_t)src + dst + pith_htons(proto) + pith_htons(len);

	return (uint32_t)csum_fold64(s);
}
