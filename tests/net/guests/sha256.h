/* SHA-256 (FIPS 180-4) for the network tests: streams are checked by their digests. */
#ifndef NET_TEST_SHA256_H
#define NET_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* The digest as 64 lower-case hex digits and a terminating NUL. */
void sha256_hex(const uint8_t d[32], char hex[65]);
/* Checks the FIPS 180-4 / NIST example vectors; returns the number that failed. */
int sha256_selftest(void);

#endif
