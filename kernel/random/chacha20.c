/* ChaCha20 block function (RFC 8439 section 2.3) and the fast-key-erasure generator on top. */
#include <string.h>

#include "random/chacha20.h"

static uint32_t rotl(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t load32_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store32_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 8439 section 2.1: the quarter round on four words of the state. */
static void quarter_round(uint32_t *s, int a, int b, int c, int d)
{
	s[a] += s[b];
	s[d] = rotl(s[d] ^ s[a], 16);
	s[c] += s[d];
	s[b] = rotl(s[b] ^ s[c], 12);
	s[a] += s[b];
	s[d] = rotl(s[d] ^ s[a], 8);
	s[c] += s[d];
	s[b] = rotl(s[b] ^ s[c], 7);
}

/* RFC 8439 section 2.3: constants, key, counter, nonce; 10 column + diagonal double rounds. */
void pith_chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
			 uint8_t out[64])
{
	uint32_t init[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	uint32_t s[16];

	for (int i = 0; i < 8; i++)
		init[4 + i] = load32_le(key + 4 * i);
	init[12] = counter;
	for (int i = 0; i < 3; i++)
		init[13 + i] = load32_le(nonce + 4 * i);
	memcpy(s, init, sizeof(s));
	for (int i = 0; i < 10; i++) {
		quarter_round(s, 0, 4, 8, 12);
		quarter_round(s, 1, 5, 9, 13);
		quarter_round(s, 2, 6, 10, 14);
		quarter_round(s, 3, 7, 11, 15);
		quarter_round(s, 0, 5, 10, 15);
		quarter_round(s, 1, 6, 11, 12);
		quarter_round(s, 2, 7, 8, 13);
		quarter_round(s, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		store32_le(out + 4 * i, s[i] + init[i]);
}

void pith_csprng_seed(struct pith_csprng *r, const uint8_t seed[32])
{
	memcpy(r->key, seed, sizeof(r->key));
}

void pith_csprng_fill(struct pith_csprng *r, void *buf, size_t len)
{
	static const uint8_t nonce[12];
	uint8_t block[64], next_key[32];
	uint8_t *out = buf;
	size_t take = len < 32 ? len : 32;

	pith_chacha20_block(r->key, 0, nonce, block);
	memcpy(next_key, block, 32);
	memcpy(out, block + 32, take);
	out += take;
	len -= take;
	for (uint32_t counter = 1; len; counter++) {
		take = len < 64 ? len : 64;
		if (take == 64) {
			pith_chacha20_block(r->key, counter, nonce, out);
		} else {
			pith_chacha20_block(r->key, counter, nonce, block);
			memcpy(out, block, take);
		}
		out += take;
		len -= take;
	}
	memcpy(r->key, next_key, sizeof(r->key));
	memset(block, 0, sizeof(block));
	memset(next_key, 0, sizeof(next_key));
	/*
	 * Both arrays die here, so the compiler may drop the memsets as dead stores and leave the
	 * next key and the last output block on the stack. The empty asm that may read memory
	 * (and is given both addresses) keeps the stores: key erasure is the point of the design.
	 */
	__asm__ volatile("" : : "r"(block), "r"(next_key) : "memory");
}
