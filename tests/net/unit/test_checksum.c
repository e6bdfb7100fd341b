/* Host tests of kernel/net/checksum.c: RFC 1071 vectors, odd lengths, alignment, pseudo-header. */
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "test.h"

#include "host/frames.h"

/* RFC 1071 section 3's example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 (checksum 0x220d). */
static void test_rfc1071_example(void)
{
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t c = pith_csum_fold(pith_csum_add(0, b, sizeof(b)));
	uint8_t *m = (uint8_t *)&c;

	CHECK_U64(m[0], 0x22);
	CHECK_U64(m[1], 0x0d);
}

/* A well-known IPv4 header (with its checksum b1e6) verifies to zero and recomputes to it. */
static void test_ipv4_header(void)
{
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint16_t c;

	CHECK_U64(pith_csum_fold(pith_csum_add(0, h, 20)), 0);
	h[10] = h[11] = 0;
	c = pith_csum_fold(pith_csum_add(0, h, 20));
	CHECK_U64(((uint8_t *)&c)[0], 0xb8);
	CHECK_U64(((uint8_t *)&c)[1], 0x61);
}

/* Every length 0..300 at every alignment 0..7 agrees with a plain 16-bit loop. */
static void test_against_reference(void)
{
	static uint8_t buf[320];
	unsigned bad = 0;

	srand(1);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 300; len++)
			if (pith_csum_fold(pith_csum_add(0, buf + off, len)) !=
			    frame_csum(buf + off, len, 0))
				bad++;
	CHECK_U64(bad, 0);
}

/* All-ones data (worst case for carries) over 64 KiB still folds correctly. */
static void test_carries(void)
{
	static uint8_t ones[65536];

	memset(ones, 0xff, sizeof(ones));
	CHECK_U64(pith_csum_fold(pith_csum_add(0, ones, sizeof(ones))),
		  frame_csum(ones, sizeof(ones), 0));
	CHECK_U64(pith_csum_fold(pith_csum_add(0xffffffffu, ones, 7)), frame_csum(ones, 7, 0xffff));
}

/* A chained sum (even-length pieces) equals the sum of the whole. */
static void test_chained(void)
{
	uint8_t b[100];

	for (int i = 0; i < 100; i++)
		b[i] = (uint8_t)(i * 37);
	CHECK_U64(pith_csum_fold(pith_csum_add(pith_csum_add(0, b, 40), b + 40, 60)),
		  pith_csum_fold(pith_csum_add(0, b, 100)));
}

/* UDP from frames.c (its own checksum code) verifies with the pseudo-header. */
static void test_pseudo(void)
{
	uint8_t f[FRAME_MAX];
	size_t n = frame_udp(f, 0x0100000a, 1234, 7, "hello", 5);
	uint32_t src, dst;

	memcpy(&src, f + 26, 4);
	memcpy(&dst, f + 30, 4);
	CHECK_U64(n, 14 + 20 + 8 + 5);
	CHECK_U64(pith_csum_fold(pith_csum_add(pith_csum_pseudo(src, dst, 17, 13), f + 34, 13)), 0);
}

int main(void)
{
	test_rfc1071_example();
	test_ipv4_header();
	test_against_reference();
	test_carries();
	test_chained();
	test_pseudo();
	return test__done();
}
