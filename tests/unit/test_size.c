/* Unit tests of memory-size parsing (pith run --mem): accepted forms and exact error messages. */
#include <string.h>

#include <pith/abi.h>

#include "size.h"
#include "test.h"

static void accepts(const char *text, uint64_t want)
{
	char err[256] = "";
	uint64_t got = 0;
	int rc = size__parse("--mem", text, PITH_MEM_MIN, PITH_MEM_MAX, &got, err, sizeof(err));

	CHECKF(rc == 0 && got == want, "--mem %s: rc %d, got %llu, expected %llu (%s)", text, rc,
	       (unsigned long long)got, (unsigned long long)want, err);
}

static void rejects(const char *text, const char *want)
{
	char err[256] = "";
	uint64_t got = 12345;
	int rc = size__parse("--mem", text, PITH_MEM_MIN, PITH_MEM_MAX, &got, err, sizeof(err));

	CHECKF(rc == -1 && got == 12345, "--mem %s: accepted as %llu", text,
	       (unsigned long long)got);
	CHECK_STR(err, want);
}

static void formats(uint64_t bytes, const char *want)
{
	char buf[32];

	size__format(bytes, buf, sizeof(buf));
	CHECK_STR(buf, want);
}

static void test_accepted(void)
{
	accepts("2M", 2ULL << 20);
	accepts("64M", 64ULL << 20);
	accepts("64m", 64ULL << 20);
	accepts("64MB", 64ULL << 20);
	accepts("64mb", 64ULL << 20);
	accepts("64MiB", 64ULL << 20);
	accepts("64mib", 64ULL << 20);
	accepts("64MIB", 64ULL << 20);
	accepts("1G", 1ULL << 30);
	accepts("1g", 1ULL << 30);
	accepts("2GiB", 2ULL << 30);
	accepts("4G", 4ULL << 30); /* the maximum itself */
	accepts("4096K", 4ULL << 20);
	accepts("4096k", 4ULL << 20);
	accepts("2048KiB", 2ULL << 20);
	accepts("4194304K", 4ULL << 30);
	accepts("2052K", 2052ULL << 10);
	accepts("0004M", 4ULL << 20);
}

static void test_rejected(void)
{
	rejects("512", "--mem 512: missing unit; write e.g. 512M or 2G");
	rejects("67108864", "--mem 67108864: missing unit; write e.g. 512M or 2G");
	rejects("", "--mem '': not a size; write e.g. 512M or 2G");
	rejects("abc", "--mem abc: not a size; write e.g. 512M or 2G");
	rejects("M", "--mem M: not a size; write e.g. 512M or 2G");
	rejects("-1M", "--mem -1M: not a size; write e.g. 512M or 2G");
	rejects("+4M", "--mem +4M: not a size; write e.g. 512M or 2G");
	rejects(" 4M", "--mem  4M: not a size; write e.g. 512M or 2G");
	rejects("0x10M", "--mem 0x10M: unknown unit; use K, M or G (e.g. 512M or 2G)");
	rejects("5X", "--mem 5X: unknown unit; use K, M or G (e.g. 512M or 2G)");
	rejects("5MX", "--mem 5MX: unknown unit; use K, M or G (e.g. 512M or 2G)");
	rejects("5Mi", "--mem 5Mi: unknown unit; use K, M or G (e.g. 512M or 2G)");
	rejects("5MiBB", "--mem 5MiBB: unknown unit; use K, M or G (e.g. 512M or 2G)");
	rejects("5 M", "--mem 5 M: unknown unit; use K, M or G (e.g. 512M or 2G)");
	rejects("5B", "--mem 5B: unknown unit; use K, M or G (e.g. 512M or 2G)");
	rejects("1.5G",
		"--mem 1.5G: not a whole number; use a smaller unit (e.g. 1536M, not 1.5G)");
	rejects("1T", "--mem 1T: too large; the most Pith supports is 4G");
	rejects("5G", "--mem 5G: too large; the most Pith supports is 4G");
	rejects("4097M", "--mem 4097M: too large; the most Pith supports is 4G");
	rejects("4194305K", "--mem 4194305K: too large; the most Pith supports is 4G");
	rejects("16777216T", "--mem 16777216T: too large; the most Pith supports is 4G"); /* 2^64 */
	rejects("17179869184G", "--mem 17179869184G: too large; the most Pith supports is 4G");
	rejects("99999999999999999999M",
		"--mem 99999999999999999999M: too large; the most Pith supports is 4G");
	rejects("1M", "--mem 1M: too small; the least is 2M");
	rejects("0G", "--mem 0G: too small; the least is 2M");
	rejects("2047K", "--mem 2047K: too small; the least is 2M");
	rejects("2049K", "--mem 2049K: not a multiple of 4K (a page); use e.g. 2052K");
	rejects("4095999K", "--mem 4095999K: not a multiple of 4K (a page); use e.g. 4000M");
}

static void test_messages_fit(void)
{
	char err[16];
	uint64_t got;

	CHECK(size__parse("--mem", "512", PITH_MEM_MIN, PITH_MEM_MAX, &got, err, sizeof(err)) ==
	      -1);
	CHECK_U64(strlen(err), sizeof(err) - 1); /* truncated, terminated */
}

int main(void)
{
	test_accepted();
	test_rejected();
	test_messages_fit();
	formats(4ULL << 30, "4G");
	formats(64ULL << 20, "64M");
	formats(2052ULL << 10, "2052K");
	formats(1ULL << 40, "1T");
	formats(100, "100B");
	formats(0, "0B");
	return test__done();
}
