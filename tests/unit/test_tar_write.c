/* Unit tests of the ustar writer (cli/tar_write.c): header fields, checksum, long names split
   into prefix and name, padding, the end marker, and refused names and sizes. */
#include <stdio.h>
#include <string.h>

#include "tar_write.h"
#include "test.h"

/* The header's field at off, len bytes, as a NUL-terminated string. */
static const char *field(const uint8_t *hdr, size_t off, size_t len)
{
	static char buf[256];

	memcpy(buf, hdr + off, len);
	buf[len] = 0;
	return buf;
}

/* The checksum a reader computes: every byte, the checksum field counted as 8 spaces. */
static unsigned checksum_of(const uint8_t *hdr)
{
	unsigned sum = 0;

	for (int i = 0; i < TAR_BLOCK; i++)
		sum += i >= 148 && i < 156 ? ' ' : hdr[i];
	return sum;
}

static void test_file_header(void)
{
	struct tar_entry e = {"site.pith", '0', 0755, 70000};
	uint8_t hdr[TAR_BLOCK];
	char err[128] = "", want[16];

	CHECK(tar__header(hdr, &e, err, sizeof(err)) == 0);
	CHECK_STR(field(hdr, 0, 100), "site.pith");
	CHECK_STR(field(hdr, 100, 8), "0000755");
	CHECK_STR(field(hdr, 108, 8), "0000000");
	CHECK_STR(field(hdr, 116, 8), "0000000");
	CHECK_STR(field(hdr, 124, 12), "00000210560"); /* 70000 in octal */
	CHECK_STR(field(hdr, 136, 12), "00000000000");
	CHECK(hdr[156] == '0');
	CHECK(memcmp(hdr + 257,
		     "ustar\0"
		     "00",
		     8) == 0);
	CHECK_STR(field(hdr, 265, 32), "root");
	CHECK_STR(field(hdr, 297, 32), "root");
	CHECK_STR(field(hdr, 345, 155), "");
	snprintf(want, sizeof(want), "%06o", checksum_of(hdr));
	CHECK_STR(field(hdr, 148, 6), want);
	CHECK(hdr[154] == 0 && hdr[155] == ' ');
}

/* A 150-byte path: split at the last '/' that leaves at most 100 bytes in name. */
static void test_long_name(void)
{
	char name[201], prefix[100], rest[100];
	struct tar_entry e = {name, '0', 0644, 1};
	uint8_t hdr[TAR_BLOCK];
	char err[128] = "";

	memset(prefix, 'p', 79);
	prefix[79] = 0;
	memset(rest, 'r', 70);
	rest[70] = 0;
	snprintf(name, sizeof(name), "%s/%s", prefix, rest);
	CHECK(strlen(name) == 150);
	CHECK(tar__header(hdr, &e, err, sizeof(err)) == 0);
	CHECK_STR(field(hdr, 345, 155), prefix);
	CHECK_STR(field(hdr, 0, 100), rest);
}

static void refuses(const char *name, uint64_t size, const char *want)
{
	struct tar_entry e = {name, '0', 0644, size};
	uint8_t hdr[TAR_BLOCK];
	char err[256] = "";

	CHECKF(tar__header(hdr, &e, err, sizeof(err)) == -1, "accepted a %zu-byte name",
	       strlen(name));
	CHECK_CONTAINS(err, want);
}

static void test_refused(void)
{
	char no_slash[120], long_tail[200];

	memset(no_slash, 'n', 119);
	no_slash[119] = 0;
	snprintf(long_tail, sizeof(long_tail), "dir/%0101d", 0); /* 101 bytes after the '/' */
	refuses(no_slash, 1, "too long");
	refuses(long_tail, 1, "too long");
	refuses("", 1, "empty");
	refuses("big", 1ULL << 33, "too large");
}

/* A file, a directory and the end marker: offsets, padding and zeros where they belong. */
static void test_archive(void)
{
	struct tar t = {0};
	char err[128] = "";
	static const uint8_t zeros[2 * TAR_BLOCK];

	CHECK(tar__add_dir(&t, "blobs/", err, sizeof(err)) == 0);
	CHECK(tar__add_file(&t, "blobs/a", 0644, "abcde", 5, err, sizeof(err)) == 0);
	CHECK(tar__finish(&t, err, sizeof(err)) == 0);
	CHECK_U64(t.len, 5 * TAR_BLOCK);
	if (t.len != 5 * TAR_BLOCK) {
		tar__free(&t);
		return;
	}
	CHECK(t.data[156] == '5');
	CHECK_STR(field(t.data, 100, 8), "0000755");
	CHECK_STR(field(t.data, 124, 12), "00000000000");
	CHECK_STR(field(t.data + TAR_BLOCK, 0, 100), "blobs/a");
	CHECK(memcmp(t.data + 2 * TAR_BLOCK, "abcde", 5) == 0);
	CHECK(memcmp(t.data + 2 * TAR_BLOCK + 5, zeros, TAR_BLOCK - 5) == 0);
	CHECK(memcmp(t.data + 3 * TAR_BLOCK, zeros, 2 * TAR_BLOCK) == 0);
	tar__free(&t);
	CHECK(t.data == NULL && t.len == 0);
}

int main(void)
{
	test_file_header();
	test_long_name();
	test_refused();
	test_archive();
	return test__done();
}
