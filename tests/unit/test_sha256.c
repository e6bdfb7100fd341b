/* Unit tests of SHA-256 (cli/sha256.c): FIPS 180-4 example vectors, padding boundaries and
   incremental updates. */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "test.h"

static void digest_is(const void *data, size_t len, const char *want)
{
	char hex[SHA256_HEX];

	sha256__hex(data, len, hex);
	CHECKF(strcmp(hex, want) == 0, "sha256 of %zu bytes: %s, expected %s", len, hex, want);
}

/* The examples of FIPS 180-2 Appendix B / NIST's "SHA256.pdf" example values. */
static void test_standard_vectors(void)
{
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *million = malloc(1000000);

	digest_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_is(two_blocks, strlen(two_blocks),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	digest_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK(million != NULL);
	if (!million)
		return;
	memset(million, 'a', 1000000);
	digest_is(million, 1000000,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

/* Lengths around the padding boundaries (55: length fits the last block; 56..63: one more
   block), against digests from coreutils' sha256sum of that many 'x' bytes. */
static void test_padding_boundaries(void)
{
	static const struct {
		size_t len;
		const char *hex;
	} cases[] = {
	    {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
	    {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
	    {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
	    {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
	    {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
	    {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
	    {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
	};
	char x[120];

	memset(x, 'x', sizeof(x));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		digest_is(x, cases[i].len, cases[i].hex);
}

/* Feeding the message in pieces of every size from 1 to 130 bytes gives the one-shot digest. */
static void test_incremental(void)
{
	uint8_t msg[1000], one[SHA256_BYTES], parts[SHA256_BYTES];
	struct sha256 s;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	sha256__init(&s);
	sha256__update(&s, msg, sizeof(msg));
	sha256__final(&s, one);
	for (size_t step = 1; step <= 130; step++) {
		sha256__init(&s);
		for (size_t off = 0; off < sizeof(msg); off += step)
			sha256__update(&s, msg + off,
				       off + step <= sizeof(msg) ? step : sizeof(msg) - off);
		sha256__final(&s, parts);
		CHECKF(memcmp(one, parts, sizeof(one)) == 0, "pieces of %zu bytes differ", step);
	}
}

int main(void)
{
	test_standard_vectors();
	test_padding_boundaries();
	test_incremental();
	return test__done();
}
