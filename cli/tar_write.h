/* Writing tar archives (POSIX ustar) in memory, reproducibly: owner root (0/0), mtime 0. */
#ifndef CLI_TAR_WRITE_H
#define CLI_TAR_WRITE_H

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK      512
#define TAR_NAME_MAX   100 /* the name field; longer paths are split into prefix and name */
#define TAR_PREFIX_MAX 155

/* A tar archive being built: data[0..len), grown as needed. Start zeroed; free with tar__free. */
struct tar {
	uint8_t *data;
	size_t len, cap;
};

/* One member's header fields (the others are fixed: uid/gid 0, owner "root", mtime 0). */
struct tar_entry {
	const char *name; /* a relative path; a directory's ends with '/' */
	char type;	  /* '0' regular file, '5' directory */
	unsigned mode;	  /* permission bits, e.g. 0755 */
	uint64_t size;	  /* bytes of data that follow (0 for a directory) */
};

/*
 * Fill one ustar header block (POSIX.1-2017, pax "ustar Interchange Format"): octal numeric
 * fields, magic "ustar\0" version "00", the checksum. A name longer than 100 bytes is split at a
 * '/' into the prefix field (at most 155 bytes) and the name field. Returns 0, or -1 with a
 * message in err (a name that cannot be split, an empty name, a size beyond 8 GiB - 1).
 */
int tar__header(uint8_t hdr[TAR_BLOCK], const struct tar_entry *e, char *err, size_t errlen);

/* Append a directory member NAME (ending in '/'), mode 0755. Returns 0, or -1 with err. */
int tar__add_dir(struct tar *t, const char *name, char *err, size_t errlen);

/* Append a regular file member with its data, padded with zeros to a whole block. */
int tar__add_file(struct tar *t, const char *name, unsigned mode, const void *data, size_t size,
		  char *err, size_t errlen);

/* Append the end-of-archive marker: two zero blocks. */
int tar__finish(struct tar *t, char *err, size_t errlen);

void tar__free(struct tar *t);

#endif
