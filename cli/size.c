/* Memory sizes on the command line: parsing with units, range and page checks, and printing. */
#include "size.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SIZE_PAGE    4096ULL
#define SIZE_EXAMPLE "write e.g. 512M or 2G"

/* log2 of the unit's multiplier (K = 10 ... T = 40), or -1 if c is not a unit letter. */
static int unit_shift(char c)
{
	switch (c) {
	case 'K':
	case 'k':
		return 10;
	case 'M':
	case 'm':
		return 20;
	case 'G':
	case 'g':
		return 30;
	case 'T':
	case 't':
		return 40;
	default:
		return -1;
	}
}

/* True if s is "", "B" or "iB" (any case): what may follow the unit letter. */
static bool unit_suffix_ok(const char *s)
{
	if (s[0] == 0)
		return true;
	if ((s[0] == 'B' || s[0] == 'b') && s[1] == 0)
		return true;
	return (s[0] == 'i' || s[0] == 'I') && (s[1] == 'B' || s[1] == 'b') && s[2] == 0;
}

/* Leading decimal digits of text into *value; returns the count, or -1 if they overflow. */
static int parse_digits(const char *text, uint64_t *value)
{
	int n = 0;

	*value = 0;
	for (; text[n] >= '0' && text[n] <= '9'; n++)
		if (__builtin_mul_overflow(*value, 10, value) ||
		    __builtin_add_overflow(*value, (uint64_t)(text[n] - '0'), value))
			return -1;
	return n;
}

/* Outcomes of parse_bytes. */
enum { SIZE_OK = 0, SIZE_SYNTAX = -1, SIZE_OVERFLOW = -2 };

/* Syntax and overflow: SIZE_OK with the byte count, or SIZE_SYNTAX with what is wrong in *why. */
static int parse_bytes(const char *text, uint64_t *bytes, const char **why)
{
	uint64_t value;
	int n = parse_digits(text, &value), shift;

	if (n < 0)
		return SIZE_OVERFLOW;
	*why = "not a size; " SIZE_EXAMPLE;
	if (n == 0)
		return SIZE_SYNTAX;
	*why = "missing unit; " SIZE_EXAMPLE;
	if (text[n] == 0)
		return SIZE_SYNTAX;
	*why = "not a whole number; use a smaller unit (e.g. 1536M, not 1.5G)";
	if (text[n] == '.' || text[n] == ',')
		return SIZE_SYNTAX;
	*why = "unknown unit; use K, M or G (e.g. 512M or 2G)";
	shift = unit_shift(text[n]);
	if (shift < 0 || !unit_suffix_ok(text + n + 1))
		return SIZE_SYNTAX;
	if (value > (UINT64_MAX >> shift))
		return SIZE_OVERFLOW;
	*bytes = value << shift;
	return SIZE_OK;
}

int size__parse(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out,
		char *err, size_t errlen)
{
	char suggest[32];
	const char *why = "";
	uint64_t bytes = 0;
	int rc = parse_bytes(text, &bytes, &why);

	if (rc == SIZE_SYNTAX) {
		snprintf(err, errlen, "%s %s: %s", opt, text[0] ? text : "''", why);
		return -1;
	}
	if (rc == SIZE_OVERFLOW || bytes > max) {
		size__format(max, suggest, sizeof(suggest));
		snprintf(err, errlen, "%s %s: too large; the most Pith supports is %s", opt, text,
			 suggest);
		return -1;
	}
	if (bytes < min) {
		size__format(min, suggest, sizeof(suggest));
		snprintf(err, errlen, "%s %s: too small; the least is %s", opt, text, suggest);
		return -1;
	}
	if (bytes % SIZE_PAGE) {
		size__format((bytes / SIZE_PAGE + 1) * SIZE_PAGE, suggest, sizeof(suggest));
		snprintf(err, errlen, "%s %s: not a multiple of 4K (a page); use e.g. %s", opt,
			 text, suggest);
		return -1;
	}
	*out = bytes;
	return 0;
}

void size__format(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "TGMK";
	static const int shifts[] = {40, 30, 20, 10};

	for (int i = 0; i < 4; i++) {
		uint64_t mask = (1ULL << shifts[i]) - 1;

		if (bytes != 0 && (bytes & mask) == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(bytes >> shifts[i]),
				 units[i]);
			return;
		}
	}
	snprintf(buf, len, "%lluB", (unsigned long long)bytes);
}
