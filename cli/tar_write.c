/* ustar archives in memory (POSIX.1-2017, pax, "ustar Interchange Format"), reproducible bytes. */
#include "tar_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets and lengths of the ustar header fields. */
enum {
	F_NAME = 0,
	F_MODE = 100,
	F_UID = 108,
	F_GID = 116,
	F_SIZE = 124,
	F_MTIME = 136,
	F_CHKSUM = 148,
	F_TYPE = 156,
	F_MAGIC = 257,
	F_VERSION = 263,
	F_UNAME = 265,
	F_GNAME = 297,
	F_DEVMAJOR = 329,
	F_DEVMINOR = 337,
	F_PREFIX = 345,
};

#define TAR_SIZE_MAX 077777777777ULL /* 11 octal digits */

/* value as len - 1 octal digits with leading zeros, then a NUL. */
static void field__octal(uint8_t *f, size_t len, uint64_t value)
{
	snprintf((char *)f, len, "%0*llo", (int)(len - 1), (unsigned long long)value);
}

/* Where to split name into prefix "/" rest: the index of the '/', or -1 if it fits or cannot. */
static long name__split(const char *name, size_t len)
{
	for (size_t i = len; i-- > 0;) {
		if (name[i] != '/' || i + 1 >= len)
			continue;
		if (len - i - 1 > TAR_NAME_MAX)
			return -1; /* the part after every later '/' is already too long */
		if (i <= TAR_PREFIX_MAX)
			return (long)i;
	}
	return -1;
}

/* The name and prefix fields. */
static int header__name(uint8_t *hdr, const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);
	long cut;

	if (len == 0) {
		snprintf(err, errlen, "tar: empty member name");
		return -1;
	}
	if (len <= TAR_NAME_MAX) {
		memcpy(hdr + F_NAME, name, len);
		return 0;
	}
	cut = name__split(name, len);
	if (cut <= 0) {
		snprintf(err, errlen, "tar: member name too long for ustar: %.60s...", name);
		return -1;
	}
	memcpy(hdr + F_PREFIX, name, (size_t)cut);
	memcpy(hdr + F_NAME, name + cut + 1, len - (size_t)cut - 1);
	return 0;
}

/* The checksum: the sum of the header's bytes with the checksum field taken as spaces, written as
   six octal digits, a NUL and a space. */
static void header__checksum(uint8_t *hdr)
{
	unsigned sum = 0;

	memset(hdr + F_CHKSUM, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += hdr[i];
	snprintf((char *)hdr + F_CHKSUM, 7, "%06o", sum);
	hdr[F_CHKSUM + 7] = ' ';
}

int tar__header(uint8_t hdr[TAR_BLOCK], const struct tar_entry *e, char *err, size_t errlen)
{
	memset(hdr, 0, TAR_BLOCK);
	if (e->size > TAR_SIZE_MAX) {
		snprintf(err, errlen, "tar: %s is too large for ustar (%llu bytes)", e->name,
			 (unsigned long long)e->size);
		return -1;
	}
	if (header__name(hdr, e->name, err, errlen) < 0)
		return -1;
	field__octal(hdr + F_MODE, 8, e->mode & 07777);
	field__octal(hdr + F_UID, 8, 0);
	field__octal(hdr + F_GID, 8, 0);
	field__octal(hdr + F_SIZE, 12, e->size);
	field__octal(hdr + F_MTIME, 12, 0);
	hdr[F_TYPE] = (uint8_t)e->type;
	memcpy(hdr + F_MAGIC, "ustar", 6);
	memcpy(hdr + F_VERSION, "00", 2);
	memcpy(hdr + F_UNAME, "root", 4);
	memcpy(hdr + F_GNAME, "root", 4);
	field__octal(hdr + F_DEVMAJOR, 8, 0); /* as GNU tar writes them */
	field__octal(hdr + F_DEVMINOR, 8, 0);
	header__checksum(hdr);
	return 0;
}

/* Room for n more bytes. */
static int tar__reserve(struct tar *t, size_t n, char *err, size_t errlen)
{
	size_t cap = t->cap ? t->cap : 64 * 1024;
	uint8_t *p;

	if (t->len + n <= t->cap)
		return 0;
	while (cap < t->len + n)
		cap *= 2;
	p = realloc(t->data, cap);
	if (!p) {
		snprintf(err, errlen, "tar: out of memory (%zu bytes)", cap);
		return -1;
	}
	t->data = p;
	t->cap = cap;
	return 0;
}

/* A header, then the data padded with zeros to a whole number of blocks. */
static int tar__add(struct tar *t, const struct tar_entry *e, const void *data, char *err,
		    size_t errlen)
{
	size_t padded = (e->size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;

	if (tar__reserve(t, TAR_BLOCK + padded, err, errlen) < 0 ||
	    tar__header(t->data + t->len, e, err, errlen) < 0)
		return -1;
	t->len += TAR_BLOCK;
	if (e->size)
		memcpy(t->data + t->len, data, e->size);
	memset(t->data + t->len + e->size, 0, padded - e->size);
	t->len += padded;
	return 0;
}

int tar__add_dir(struct tar *t, const char *name, char *err, size_t errlen)
{
	struct tar_entry e = {name, '5', 0755, 0};

	return tar__add(t, &e, NULL, err, errlen);
}

int tar__add_file(struct tar *t, const char *name, unsigned mode, const void *data, size_t size,
		  char *err, size_t errlen)
{
	struct tar_entry e = {name, '0', mode, size};

	return tar__add(t, &e, data, err, errlen);
}

int tar__finish(struct tar *t, char *err, size_t errlen)
{
	if (tar__reserve(t, 2 * TAR_BLOCK, err, errlen) < 0)
		return -1;
	memset(t->data + t->len, 0, 2 * TAR_BLOCK);
	t->len += 2 * TAR_BLOCK;
	return 0;
}

void tar__free(struct tar *t)
{
	free(t->data);
	t->data = NULL;
	t->len = t->cap = 0;
}
