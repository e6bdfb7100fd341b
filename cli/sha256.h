/* SHA-256 (FIPS 180-4): digests of the blobs `pith pack` writes (OCI content addresses). */
#ifndef CLI_SHA256_H
#define CLI_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32
#define SHA256_HEX   (2 * SHA256_BYTES + 1) /* lower-case hex digits and a NUL */

struct sha256 {
	uint32_t h[8];	   /* the hash value H(i) */
	uint64_t bytes;	   /* message length so far */
	uint8_t block[64]; /* a partial block */
	size_t block_len;  /* bytes in block */
};

void sha256__init(struct sha256 *s);

/* Add len bytes of the message. */
void sha256__update(struct sha256 *s, const void *data, size_t len);

/* Pad the message and write its digest; s must be initialized again before reuse. */
void sha256__final(struct sha256 *s, uint8_t out[SHA256_BYTES]);

/* The digest of data[0..len) as 64 lower-case hex digits. */
void sha256__hex(const void *data, size_t len, char hex[SHA256_HEX]);

#endif
