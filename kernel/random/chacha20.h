/* The ChaCha20 block function (RFC 8439) and a fast-key-erasure CSPRNG built on it (pure). */
#ifndef PITH_RANDOM_CHACHA20_H
#define PITH_RANDOM_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

/* RFC 8439 section 2.3: one 64-byte keystream block for (key, counter, nonce). */
void pith_chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
			 uint8_t out[64]);

/*
 * The generator: a 256-bit key and nothing else. Each request draws ChaCha20 blocks under the
 * current key (nonce 0, counter from 0); the first 32 bytes of block 0 become the next key and
 * are never output, so earlier outputs cannot be recomputed from a later state ("fast key
 * erasure", D. J. Bernstein, 2017).
 */
struct pith_csprng {
	uint8_t key[32];
};

void pith_csprng_seed(struct pith_csprng *r, const uint8_t seed[32]);

/* len at most 64 * 2^32 - 32 bytes (the 32-bit block counter). */
void pith_csprng_fill(struct pith_csprng *r, void *buf, size_t len);

#endif
