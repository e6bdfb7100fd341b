/* Unit tests of the JSON reader (cli/json.c): RFC 8259 corpus, escapes, limits, errors, fuzzing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "test.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static struct json *parse(const char *text, char *err, size_t errlen)
{
	return json__parse(text, strlen(text), err, errlen);
}

/* text must parse; returns the tree (the caller frees it). */
static struct json *accepts(const char *text)
{
	char err[256] = "";
	struct json *v = parse(text, err, sizeof(err));

	CHECKF(v != NULL, "refused %s: %s", text, err);
	return v;
}

/* text must be refused with exactly the message want. */
static void rejects(const char *text, size_t len, const char *want)
{
	char err[256] = "";
	struct json *v = json__parse(text, len, err, sizeof(err));

	CHECKF(v == NULL, "accepted %.*s", (int)len, text);
	CHECK_STR(err, want);
	json__free(v);
}

static void rejects_s(const char *text, const char *want)
{
	rejects(text, strlen(text), want);
}

/* A string literal must decode to the bytes want. */
static void decodes(const char *literal, const char *want)
{
	char err[256] = "";
	struct json *v = parse(literal, err, sizeof(err));

	CHECKF(v && v->type == JSON_STRING && strcmp(v->string, want) == 0 &&
		   v->len == strlen(want),
	       "%s: %s", literal, v ? (v->string ? v->string : "(not a string)") : err);
	json__free(v);
}

/* A number literal: its double, and its integer if is_int. */
static void number(const char *text, double want, bool is_int, int64_t want_int)
{
	struct json *v = accepts(text);

	CHECKF(v && v->type == JSON_NUMBER && v->number == want && v->is_integer == is_int &&
		   (!is_int || v->integer == want_int),
	       "%s: number %.17g integer %d %lld", text, v ? v->number : 0.0,
	       v ? v->is_integer : -1, v ? (long long)v->integer : 0LL);
	json__free(v);
}

/* A canonical dump of v (strings through json__write_string), for round trips. */
static void dump(FILE *f, const struct json *v)
{
	switch (v->type) {
	case JSON_NULL:
		fputs("null", f);
		break;
	case JSON_BOOL:
		fputs(v->boolean ? "true" : "false", f);
		break;
	case JSON_NUMBER:
		if (v->is_integer)
			fprintf(f, "%lld", (long long)v->integer);
		else
			fprintf(f, "%.17g", v->number);
		break;
	case JSON_STRING:
		json__write_string(f, v->string);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		fputc(v->type == JSON_ARRAY ? '[' : '{', f);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				fputc(',', f);
			if (v->type == JSON_OBJECT) {
				json__write_string(f, v->keys[i]);
				fputc(':', f);
			}
			dump(f, v->kids[i]);
		}
		fputc(v->type == JSON_ARRAY ? ']' : '}', f);
		break;
	}
}

/* dump(v) as a malloc'd string. */
static char *dump_str(const struct json *v, size_t *len)
{
	char *s = NULL;
	FILE *f = open_memstream(&s, len);

	dump(f, v);
	fclose(f);
	return s;
}

/* ---- the corpus ---------------------------------------------------------------------------- */

static void test_values(void)
{
	struct json *v =
	    accepts(" {\"a\": [1, 2.5, \"x\", true, false, null, {}, []],\r\n\t\"b\": {}} ");

	CHECK(v && v->type == JSON_OBJECT && v->len == 2);
	if (v && v->len == 2) {
		const struct json *a = json__get(v, "a");

		CHECK_STR(v->keys[0], "a");
		CHECK_STR(v->keys[1], "b");
		CHECK(a && a->type == JSON_ARRAY && a->len == 8);
		CHECK(json__at(a, 0)->is_integer && json__at(a, 0)->integer == 1);
		CHECK(json__at(a, 1)->number == 2.5 && !json__at(a, 1)->is_integer);
		CHECK_STR(json__at(a, 2)->string, "x");
		CHECK(json__at(a, 3)->type == JSON_BOOL && json__at(a, 3)->boolean);
		CHECK(json__at(a, 4)->type == JSON_BOOL && !json__at(a, 4)->boolean);
		CHECK(json__at(a, 5)->type == JSON_NULL);
		CHECK(json__at(a, 6)->type == JSON_OBJECT && json__at(a, 6)->len == 0);
		CHECK(json__at(a, 7)->type == JSON_ARRAY && json__at(a, 7)->len == 0);
		CHECK(json__at(a, 8) == NULL);
		CHECK(json__at(v, 0) == NULL); /* not an array */
	}
	json__free(v);
	/* RFC 8259 section 2: any value at the top, not only objects and arrays. */
	for (const char *const *t = (const char *const[]){"0", "\"\"", "true", "false", "null",
							  " [ ] ", "{ }", "-0", NULL};
	     *t; t++)
		json__free(accepts(*t));
}

static void test_access(void)
{
	struct json *v =
	    accepts("{\"k\": 1, \"s\": \"one\", \"k\": 2, \"o\": {\"p\": {\"q\": \"deep\"}}}");

	/* Duplicate names (section 4: "SHOULD be unique"): kept in order, json__get takes the last.
	 */
	CHECK(v && v->len == 4);
	CHECK(json__get(v, "k") && json__get(v, "k")->integer == 2);
	CHECK(v && v->kids[0]->integer == 1);
	CHECK_STR(json__get_string(v, "s"), "one");
	CHECK(json__get_string(v, "k") == NULL);
	CHECK(json__get_string(v, "absent") == NULL);
	CHECK(json__get(NULL, "k") == NULL);
	CHECK(json__get(json__get(v, "k"), "x") == NULL);
	CHECK_STR(json__get_string(json__path(v, "o", "p", NULL), "q"), "deep");
	CHECK(json__path(v, "o", "x", "q", NULL) == NULL);
	CHECK(json__path(v, "s", "x", NULL) == NULL);
	CHECK(json__path(v, NULL) == v);
	CHECK(json__at(NULL, 0) == NULL);
	json__free(v);
}

static void test_numbers(void)
{
	number("0", 0, true, 0);
	number("-0", -0.0, true, 0);
	number("42", 42, true, 42);
	number("-17", -17, true, -17);
	number("9223372036854775807", 9223372036854775807.0, true, INT64_MAX);
	number("-9223372036854775808", -9223372036854775808.0, true, INT64_MIN);
	number("9223372036854775808", 9223372036854775808.0, false, 0);
	number("-9223372036854775809", -9223372036854775809.0, false, 0);
	number("123456789012345678901234567890", 123456789012345678901234567890.0, false, 0);
	number("1.0", 1, false, 0);
	number("1e2", 100, false, 0);
	number("1E+2", 100, false, 0);
	number("-2.5e-3", -2.5e-3, false, 0);
	number("0.1", 0.1, false, 0);
	number("1e-400", 0, false, 0); /* underflows to 0: representable enough */
	rejects_s("1e400", "line 1, column 1: number out of range: 1e400");
	rejects_s("[-1e999]", "line 1, column 2: number out of range: -1e999");
	rejects_s("01", "line 1, column 2: expected end of input after the value, found '1'");
	rejects_s("-01", "line 1, column 3: expected end of input after the value, found '1'");
	rejects_s("1.", "line 1, column 3: expected a digit, found end of input");
	rejects_s(".5", "line 1, column 1: expected a value, found '.'");
	rejects_s("+1", "line 1, column 1: expected a value, found '+'");
	rejects_s("-", "line 1, column 2: expected a digit, found end of input");
	rejects_s("1e", "line 1, column 3: expected a digit, found end of input");
	rejects_s("1e+", "line 1, column 4: expected a digit, found end of input");
	rejects_s("[1.e5]", "line 1, column 4: expected a digit, found 'e'");
	rejects_s("NaN", "line 1, column 1: expected a value, found 'N'");
	rejects_s("Infinity", "line 1, column 1: expected a value, found 'I'");
	rejects_s("0x10", "line 1, column 2: expected end of input after the value, found 'x'");
}

static void test_strings(void)
{
	decodes("\"plain\"", "plain");
	decodes("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t");
	decodes("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac");
	decodes("\"\\u0001\\u001f\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
		"\x01\x1f\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	/* Section 7: a character outside the BMP as a UTF-16 surrogate pair. */
	decodes("\"\\uD834\\uDD1E\"", "\xf0\x9d\x84\x9e");
	decodes("\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!");
	decodes("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf");
	decodes("\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	decodes("\"\x7f\"", "\x7f");
	rejects_s("\"\\u0000\"", "line 1, column 2: \\u0000 is not allowed in a string");
	rejects_s("\"ab\\ud800\"",
		  "line 1, column 4: high surrogate \\uD800 not followed by a low one");
	rejects_s("\"\\ud800\\u0041\"",
		  "line 1, column 2: high surrogate \\uD800 not followed by a low one");
	rejects_s("\"\\ud800\\ud800\"",
		  "line 1, column 2: high surrogate \\uD800 not followed by a low one");
	rejects_s("\"\\udc00\"", "line 1, column 2: lone low surrogate \\uDC00");
	rejects_s("\"\\u12\"", "line 1, column 2: \\u must be followed by four hex digits");
	rejects_s("\"\\u12g4\"", "line 1, column 2: \\u must be followed by four hex digits");
	rejects_s("\"\\x\"",
		  "line 1, column 2: invalid escape in string (\\\" \\\\ \\/ \\b \\f \\n "
		  "\\r \\t \\uXXXX)");
	rejects_s("\"\\'\"",
		  "line 1, column 2: invalid escape in string (\\\" \\\\ \\/ \\b \\f \\n "
		  "\\r \\t \\uXXXX)");
	rejects_s("\"a\tb\"", "line 1, column 3: control character 0x09 in a string (escape it)");
	rejects_s("\"a\nb\"", "line 1, column 3: control character 0x0a in a string (escape it)");
	rejects("\"a\0b\"", 5, "line 1, column 3: control character 0x00 in a string (escape it)");
	rejects_s("\"abc", "line 1, column 5: unterminated string");
	rejects_s("\"abc\\",
		  "line 1, column 5: invalid escape in string (\\\" \\\\ \\/ \\b \\f \\n "
		  "\\r \\t \\uXXXX)");
	rejects_s("'a'", "line 1, column 1: expected a value, found '''");
}

/* Section 8.1: UTF-8 only; RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. */
static void test_utf8(void)
{
	static const char *const bad[] = {
	    "\"\x80\"",		    /* continuation byte first */
	    "\"\xc0\xaf\"",	    /* overlong '/' */
	    "\"\xc1\xbf\"",	    /* overlong */
	    "\"\xe0\x80\xaf\"",	    /* overlong */
	    "\"\xed\xa0\x80\"",	    /* U+D800 encoded */
	    "\"\xf0\x80\x80\xaf\"", /* overlong */
	    "\"\xf4\x90\x80\x80\"", /* U+110000 */
	    "\"\xf5\x80\x80\x80\"", /* past the range */
	    "\"\xff\"",
	    "\"\xc3\"",	    /* truncated */
	    "\"\xe2\x82\"", /* truncated */
	    "\"\xc3\x28\"", /* bad continuation */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		rejects_s(bad[i],
			  "line 1, column 2: invalid UTF-8 in a string (RFC 8259 section 8.1)");
	rejects_s("\xef\xbb\xbf{}",
		  "line 1, column 1: byte order mark (not allowed: RFC 8259 section 8.1)");
	rejects_s("\xc3\xa9", "line 1, column 1: expected a value, found byte 0xc3");
}

static void test_syntax(void)
{
	rejects_s("", "line 1, column 1: expected a value, found end of input");
	rejects_s("   \n ", "line 2, column 2: expected a value, found end of input");
	rejects_s("[1,]", "line 1, column 4: expected a value, found ']'");
	rejects_s("[1 2]", "line 1, column 4: expected ',' or ']', found '2'");
	rejects_s("[1", "line 1, column 3: expected ',' or ']', found end of input");
	rejects_s("[", "line 1, column 2: expected a value, found end of input");
	rejects_s("{", "line 1, column 2: expected a string (an object's key), found end of input");
	rejects_s("{\"a\":1,}", "line 1, column 8: expected a string (an object's key), found '}'");
	rejects_s("{a:1}", "line 1, column 2: expected a string (an object's key), found 'a'");
	rejects_s("{\"a\" 1}", "line 1, column 6: expected ':', found '1'");
	rejects_s("{\"a\":}", "line 1, column 6: expected a value, found '}'");
	rejects_s("{\"a\":1 \"b\":2}", "line 1, column 8: expected ',' or '}', found '\"'");
	rejects_s("{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7: expected ':', found '2'");
	rejects_s("1 2", "line 1, column 3: expected end of input after the value, found '2'");
	rejects_s("{}x", "line 1, column 3: expected end of input after the value, found 'x'");
	rejects_s("[] []", "line 1, column 4: expected end of input after the value, found '['");
	rejects_s("TRUE", "line 1, column 1: expected a value, found 'T'");
	rejects_s("nul", "line 1, column 1: expected a value, found 'n'");
	rejects_s("truex", "line 1, column 5: expected end of input after the value, found 'x'");
	rejects_s("[\f1]", "line 1, column 2: expected a value, found byte 0x0c");
	rejects_s("\v1", "line 1, column 1: expected a value, found byte 0x0b");
	rejects("1\0", 2,
		"line 1, column 2: expected end of input after the value, found byte 0x00");
	rejects_s("/* c */ 1", "line 1, column 1: expected a value, found '/'");
}

/* Nesting: 64 levels accepted, 65 refused (and 100000 refused without a stack overflow). */
static void test_depth(void)
{
	char text[200002];
	char err[256] = "";
	struct json *v;

	memset(text, '[', 64);
	memset(text + 64, ']', 64);
	v = json__parse(text, 128, err, sizeof(err));
	CHECKF(v != NULL, "64 levels: %s", err);
	json__free(v);
	memset(text, '[', 65);
	memset(text + 65, ']', 65);
	rejects(text, 130, "line 1, column 65: nested deeper than 64 levels");
	memset(text, '[', 100000);
	memset(text + 100000, ']', 100000);
	rejects(text, 200000, "line 1, column 65: nested deeper than 64 levels");
	strcpy(text, "{\"a\":");
	for (int i = 1; i < 64; i++)
		strcat(text, "{\"a\":");
	strcat(text, "{\"a\":1");
	rejects_s(text, "line 1, column 321: nested deeper than 64 levels");
}

/* 16 MiB is the limit; a larger text is refused before parsing. */
static void test_size_limit(void)
{
	size_t max = 16u << 20;
	char *text = malloc(max + 1), err[256] = "";
	struct json *v;

	if (!text)
		return;
	memset(text, ' ', max + 1);
	memcpy(text, "[1]", 3);
	v = json__parse(text, max, err, sizeof(err));
	CHECKF(v && v->len == 1, "16 MiB: %s", err);
	json__free(v);
	rejects(text, max + 1, "JSON text larger than 16 MiB (16777217 bytes)");
	free(text);
}

static void test_big_arrays(void)
{
	size_t n = 100000, len = 0;
	char *text = malloc(n * 8 + 3);
	struct json *v;
	bool ok = true;

	len += (size_t)sprintf(text, "[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s%zu", i ? "," : "", i);
	len += (size_t)sprintf(text + len, "]");
	v = accepts(text);
	for (size_t i = 0; v && i < n; i++)
		ok = ok && json__at(v, i)->integer == (int64_t)i;
	CHECK(v && v->len == n && ok);
	json__free(v);
	free(text);
}

static void test_files(void)
{
	char dir[] = "/tmp/pith-test-json-XXXXXX", path[64], err[256] = "";
	struct json *v;
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/a.json", dir);
	f = fopen(path, "w");
	fputs("{\n\"x\": [1,\n 2,,]}\n", f);
	fclose(f);
	CHECK(json__parse_file(path, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "/a.json: line 3, column 4: expected a value, found ','");
	f = fopen(path, "w");
	fputs("{\"x\": \"y\"}", f);
	fclose(f);
	v = json__parse_file(path, err, sizeof(err));
	CHECK_STR(json__get_string(v, "x"), "y");
	json__free(v);
	f = fopen(path, "w");
	for (int i = 0; i < (16 << 20) / 4096 + 1; i++)
		fprintf(f, "%4096s", "");
	fclose(f);
	CHECK(json__parse_file(path, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "/a.json: larger than 16 MiB");
	unlink(path);
	CHECK(json__parse_file(path, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "/a.json: No such file or directory");
	CHECK(json__parse_file(dir, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, ": Is a directory");
	rmdir(dir);
}

/* ---- the writer ---------------------------------------------------------------------------- */

static char *written(const char *s)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	json__write_string(f, s);
	fclose(f);
	return out;
}

static void writes(const char *s, const char *want)
{
	char *out = written(s);

	CHECK_STR(out, want);
	free(out);
}

static void test_writer(void)
{
	char all[256], err[256] = "";
	char *out;
	struct json *v;

	writes("", "\"\"");
	writes("abc", "\"abc\"");
	writes("a\"b\\c/", "\"a\\\"b\\\\c/\"");
	writes("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	writes("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
	writes("h\xc3\xa9", "\"h\xc3\xa9\"");
	/* Every byte 1..127 written and read back. */
	for (int i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	all[127] = 0;
	out = written(all);
	v = parse(out, err, sizeof(err));
	CHECKF(v && v->type == JSON_STRING && strcmp(v->string, all) == 0, "round trip: %s", err);
	json__free(v);
	free(out);
}

/* ---- fuzzing ------------------------------------------------------------------------------- */

static const char *const seeds[] = {
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/a.pith\",\"-x\"],\"env\":[\"A=1\"]},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"linux\":{\"resources\":{\"memory\":"
    "{\"limit\":-1}}}}",
    "[1,-2.5e+3,0.0,true,false,null,\"\\u00e9\\ud83d\\ude00\\n\",{},[[]],{\"a\":{\"b\":[]}}]",
    "\"h\xc3\xa9 \xe2\x82\xac\"",
    "-9223372036854775808",
};

/* One random input: random bytes, or a seed with a few random byte edits. */
static size_t fuzz_input(char *buf, size_t cap, unsigned *rng)
{
	static const char alphabet[] =
	    "{}[]\":,\\u0123456789abcdefABCDEFtrunlsE.-+ \n\xc3\xa9\xed\xf0";
	size_t len;

	if (rand_r(rng) % 4 == 0) {
		len = (size_t)rand_r(rng) % 64;
		for (size_t i = 0; i < len; i++)
			buf[i] = rand_r(rng) % 2 ? (char)rand_r(rng)
						 : alphabet[rand_r(rng) % (sizeof(alphabet) - 1)];
		return len;
	}
	len = (size_t)snprintf(buf, cap, "%s",
			       seeds[rand_r(rng) % (sizeof(seeds) / sizeof(seeds[0]))]);
	for (int edits = 1 + rand_r(rng) % 4; edits > 0 && len; edits--) {
		size_t at = (size_t)rand_r(rng) % len;

		switch (rand_r(rng) % 3) {
		case 0: /* replace */
			buf[at] = rand_r(rng) % 2 ? (char)rand_r(rng)
						  : alphabet[rand_r(rng) % (sizeof(alphabet) - 1)];
			break;
		case 1: /* delete */
			memmove(buf + at, buf + at + 1, len - at - 1);
			len--;
			break;
		default: /* truncate */
			len = at;
		}
	}
	return len;
}

/* Accepted inputs must dump to a text that parses to the same dump (a fixed point). */
static bool round_trips(const struct json *v)
{
	char err[256];
	size_t len, len2;
	char *d = dump_str(v, &len), *d2;
	struct json *w = json__parse(d, len, err, sizeof(err));
	bool ok = w != NULL;

	if (w) {
		d2 = dump_str(w, &len2);
		ok = len == len2 && memcmp(d, d2, len) == 0;
		free(d2);
	}
	json__free(w);
	free(d);
	return ok;
}

static void test_fuzz(long rounds)
{
	char buf[512], err[256];
	unsigned rng = 12345;
	long accepted = 0, bad = 0;

	for (long i = 0; i < rounds; i++) {
		size_t len = fuzz_input(buf, sizeof(buf), &rng);
		struct json *v;

		err[0] = 0;
		/* A copy of exactly len bytes, so ASan sees any read past the end. */
		char *copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		v = json__parse(copy, len, err, sizeof(err));
		if (v) {
			accepted++;
			bad += !round_trips(v);
		} else {
			bad += strncmp(err, "line ", 5) != 0;
		}
		json__free(v);
		free(copy);
	}
	CHECKF(bad == 0 && accepted > 0,
	       "fuzz: %ld inputs, %ld accepted, %ld without a round trip or a positioned message",
	       rounds, accepted, bad);
	printf("fuzz: %ld inputs, %ld accepted\n", rounds, accepted);
}

int main(int argc, char **argv)
{
	test_values();
	test_access();
	test_numbers();
	test_strings();
	test_utf8();
	test_syntax();
	test_depth();
	test_size_limit();
	test_big_arrays();
	test_files();
	test_writer();
	test_fuzz(argc > 1 ? atol(argv[1]) : 20000);
	return test__done();
}
