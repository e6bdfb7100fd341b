/* Memory sizes on the command line: "64M", "2GiB", "512K", parsed and range-checked. */
#ifndef CLI_SIZE_H
#define CLI_SIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse text as a number followed by a unit: K, M, G or T, each optionally followed by B or iB,
 * case-insensitive, all powers of 1024 ("4K" = "4KB" = "4KiB" = 4096 bytes). A bare number is
 * refused (a missing unit is almost always a mistake), as are fractions, signs and spaces.
 * The result must lie in [min, max] and be a multiple of 4 KiB (a page); nothing is rounded.
 * Returns 0 with *out set, or -1 with a one-line message in err naming opt and the text, saying
 * what to write instead, e.g. "--mem 512: missing unit; write e.g. 512M or 2G".
 */
int size__parse(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out,
		char *err, size_t errlen);

/* Write bytes with the largest unit that represents it exactly: "4G", "64M", "2052K", "100B". */
void size__format(uint64_t bytes, char *buf, size_t len);

#endif
