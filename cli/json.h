/* A small JSON reader (RFC 8259) and writer helpers, for OCI config.json, state and image files. */
#ifndef CLI_JSON_H
#define CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/*
 * One parsed value. Arrays and objects hold their members in order: for an object, kids[i] is
 * the value of keys[i]. Strings are NUL-terminated UTF-8 with escapes decoded (\u0000 is
 * refused, so a string never hides a NUL); len is their length in bytes.
 */
struct json {
	enum json_type type;
	bool boolean;
	double number;	 /* JSON_NUMBER */
	bool is_integer; /* JSON_NUMBER: written without fraction or exponent, fits int64 */
	int64_t integer; /* JSON_NUMBER with is_integer */
	char *string;	 /* JSON_STRING */
	size_t len;	 /* JSON_STRING: bytes; JSON_ARRAY/OBJECT: members */
	struct json **kids;
	char **keys; /* JSON_OBJECT */
};

/*
 * Parse text[0..len) as one JSON value (whitespace around it allowed, nothing else). Nesting is
 * limited to 64 levels and len to 16 MiB. Returns the value (free with json__free), or NULL with
 * a one-line message in err, e.g. "line 3, column 7: expected ',' or '}'".
 */
struct json *json__parse(const char *text, size_t len, char *err, size_t errlen);

/* Read and parse a whole file (at most 16 MiB). NULL with a message (naming the file) in err. */
struct json *json__parse_file(const char *path, char *err, size_t errlen);

void json__free(struct json *v);

/* The member called key of an object (the last one if repeated), or NULL (also if v is NULL or
   not an object). */
const struct json *json__get(const struct json *v, const char *key);

/* json__get, then: the string, or NULL if absent or not a string. */
const char *json__get_string(const struct json *v, const char *key);

/* Follow a path of keys: json__path(v, "linux", "resources", "memory", NULL). NULL if any step
   is missing or not an object. */
const struct json *json__path(const struct json *v, ...);

/* Element i of an array, or NULL. */
const struct json *json__at(const struct json *v, size_t i);

/* Write s as a JSON string literal (quotes included; control characters, '"' and '\\' escaped;
   bytes >= 0x80 copied as they are). */
void json__write_string(FILE *f, const char *s);

#endif
