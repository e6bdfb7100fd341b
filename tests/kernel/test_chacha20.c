/* Host test: the ChaCha20 block function against RFC 8439's vectors, and the CSPRNG built on it. */
#include <stdio.h>
#include <string.h>

#include "random/chacha20.h"
#include "test.h"

static void check_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
			const uint8_t want[64], const char *what)
{
	uint8_t out[64];

	pith_chacha20_block(key, counter, nonce, out);
	CHECKF(memcmp(out, want, 64) == 0, "%s: keystream block differs", what);
}

/* RFC 8439 section 2.3.2: key 00..1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1. */
static void test_rfc8439_2_3_2(void)
{
	static const uint8_t nonce[12] = {0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0};
	static const uint8_t want[64] = {
	    0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
	    0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
	    0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
	    0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
	    0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
	uint8_t key[32];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	check_block(key, 1, nonce, want, "RFC 8439 2.3.2");
}

/* RFC 8439 appendix A.1, test vectors #1 and #2: all-zero key and nonce, counters 0 and 1. */
static void test_rfc8439_a1(void)
{
	static const uint8_t zero[32];
	static const uint8_t want0[64] = {
	    0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53,
	    0x86, 0xbd, 0x28, 0xbd, 0xd2, 0x19, 0xb8, 0xa0, 0x8d, 0xed, 0x1a, 0xa8, 0x36,
	    0xef, 0xcc, 0x8b, 0x77, 0x0d, 0xc7, 0xda, 0x41, 0x59, 0x7c, 0x51, 0x57, 0x48,
	    0x8d, 0x77, 0x24, 0xe0, 0x3f, 0xb8, 0xd8, 0x4a, 0x37, 0x6a, 0x43, 0xb8, 0xf4,
	    0x15, 0x18, 0xa1, 0x1c, 0xc3, 0x87, 0xb6, 0x69, 0xb2, 0xee, 0x65, 0x86};
	static const uint8_t want1[64] = {
	    0x9f, 0x07, 0xe7, 0xbe, 0x55, 0x51, 0x38, 0x7a, 0x98, 0xba, 0x97, 0x7c, 0x73,
	    0x2d, 0x08, 0x0d, 0xcb, 0x0f, 0x29, 0xa0, 0x48, 0xe3, 0x65, 0x69, 0x12, 0xc6,
	    0x53, 0x3e, 0x32, 0xee, 0x7a, 0xed, 0x29, 0xb7, 0x21, 0x76, 0x9c, 0xe6, 0x4e,
	    0x43, 0xd5, 0x71, 0x33, 0xb0, 0x74, 0xd8, 0x39, 0xd5, 0x31, 0xed, 0x1f, 0x28,
	    0x51, 0x0a, 0xfb, 0x45, 0xac, 0xe1, 0x0a, 0x1f, 0x4b, 0x79, 0x4d, 0x6f};

	check_block(zero, 0, zero, want0, "RFC 8439 A.1 #1");
	check_block(zero, 1, zero, want1, "RFC 8439 A.1 #2");
}

/* The generator's output is block 0's second half, then blocks 1, 2...; block 0's first half
 * becomes the next key. */
static void test_csprng_layout(size_t len)
{
	static const uint8_t nonce[12];
	uint8_t seed[32], out[300], want[32 + 5 * 64], block[64];
	struct pith_csprng r;

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0xa0 + i);
	pith_csprng_seed(&r, seed);
	memset(out, 0xee, sizeof(out));
	pith_csprng_fill(&r, out, len);
	pith_chacha20_block(seed, 0, nonce, block);
	memcpy(want, block + 32, 32);
	for (uint32_t c = 1; c <= 5; c++)
		pith_chacha20_block(seed, c, nonce, want + 32 + 64 * (c - 1));
	CHECKF(memcmp(out, want, len) == 0, "csprng output of %zu bytes", len);
	CHECKF(len == sizeof(out) || out[len] == 0xee, "csprng wrote past %zu bytes", len);
	CHECKF(memcmp(r.key, block, 32) == 0, "csprng next key after %zu bytes", len);
}

static void test_csprng_moves_on(void)
{
	uint8_t seed[32] = {1}, a[48], b[48];
	struct pith_csprng r1, r2;

	pith_csprng_seed(&r1, seed);
	pith_csprng_seed(&r2, seed);
	pith_csprng_fill(&r1, a, sizeof(a));
	pith_csprng_fill(&r2, b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) == 0); /* deterministic for one seed */
	pith_csprng_fill(&r1, b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0); /* and never repeats itself */
}

int main(void)
{
	static const size_t lens[] = {0, 1, 31, 32, 33, 95, 96, 97, 160, 300};

	test_rfc8439_2_3_2();
	test_rfc8439_a1();
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		test_csprng_layout(lens[i]);
	test_csprng_moves_on();
	return test__done();
}
