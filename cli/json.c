/* A strict JSON reader (RFC 8259) into a tree of struct json, and a string writer. */
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSON_MAX_DEPTH 64
#define JSON_MAX_LEN   (16u << 20)

/* The parser's cursor over text[0..len), and where the first error goes. */
struct json_parser {
	const char *text, *p, *end;
	int depth;
	char *err;
	size_t errlen;
	bool failed;
};

/* Record the first error, prefixed with the line and column (1-based, in bytes) of at. */
__attribute__((format(printf, 3, 4))) static void parser__fail(struct json_parser *ps,
							       const char *at, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	size_t n;
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	for (const char *c = ps->text; c < at; c++, col++)
		if (*c == '\n')
			line++, col = 0;
	n = (size_t)snprintf(ps->err, ps->errlen, "line %u, column %u: ", line, col);
	if (n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
}

/* Describe the byte at p for a message: "end of input", "'x'" or "byte 0xNN". */
static const char *parser__what(const struct json_parser *ps, const char *p, char *buf, size_t len)
{
	unsigned char c;

	if (p >= ps->end)
		return "end of input";
	c = (unsigned char)*p;
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
	return buf;
}

static void parser__unexpected(struct json_parser *ps, const char *expected)
{
	char buf[16];

	parser__fail(ps, ps->p, "expected %s, found %s", expected,
		     parser__what(ps, ps->p, buf, sizeof(buf)));
}

/* RFC 8259 section 2: insignificant whitespace is space, tab, line feed, carriage return. */
static void parser__skip_ws(struct json_parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct json *json__new(struct json_parser *ps, enum json_type type)
{
	struct json *v = calloc(1, sizeof(*v));

	if (!v)
		parser__fail(ps, ps->p, "out of memory");
	else
		v->type = type;
	return v;
}

/* ---- literals and numbers ------------------------------------------------------------------ */

/* RFC 8259 section 3: the literal names true, false and null (lowercase only). */
static struct json *parse_literal(struct json_parser *ps)
{
	static const struct {
		const char *word;
		enum json_type type;
		bool value;
	} words[] = {
	    {"true", JSON_BOOL, true}, {"false", JSON_BOOL, false}, {"null", JSON_NULL, false}};
	struct json *v;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].word);

		if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, words[i].word, n) != 0)
			continue;
		v = json__new(ps, words[i].type);
		if (v)
			v->boolean = words[i].value;
		ps->p += n;
		return v;
	}
	parser__unexpected(ps, "a value");
	return NULL;
}

static bool is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/*
 * RFC 8259 section 6: number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT );
 * frac = "." 1*DIGIT; exp = ("e" / "E") [ "-" / "+" ] 1*DIGIT. Returns the token's end, or
 * NULL after an error; *plain is true without frac and exp.
 */
static const char *scan_number(struct json_parser *ps, bool *plain)
{
	const char *p = ps->p, *end = ps->end;

	*plain = true;
	if (*p == '-')
		p++;
	if (!is_digit(p, end))
		goto bad;
	if (*p++ != '0')
		while (is_digit(p, end))
			p++;
	if (p < end && *p == '.') {
		*plain = false;
		if (!is_digit(++p, end))
			goto bad;
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		*plain = false;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			goto bad;
		while (is_digit(p, end))
			p++;
	}
	return p;
bad:
	ps->p = p;
	parser__unexpected(ps, "a digit");
	return NULL;
}

/* The integer token [s, e) (optional '-', then digits) into *out; false if it overflows int64. */
static bool integer_value(const char *s, const char *e, int64_t *out)
{
	bool neg = *s == '-';
	int64_t v = 0;

	for (s += neg; s < e; s++) {
		int d = *s - '0';

		/* Accumulate negatively: INT64_MIN has no positive counterpart. */
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_sub_overflow(v, d, &v))
			return false;
	}
	if (!neg && __builtin_mul_overflow(v, -1, &v))
		return false;
	*out = v;
	return true;
}

static struct json *parse_number(struct json_parser *ps)
{
	char small[64], *buf = small;
	const char *start = ps->p, *end;
	size_t n;
	bool plain;
	struct json *v;

	end = scan_number(ps, &plain);
	if (!end)
		return NULL;
	n = (size_t)(end - start);
	if (n >= sizeof(small) && !(buf = malloc(n + 1))) {
		parser__fail(ps, start, "out of memory");
		return NULL;
	}
	memcpy(buf, start, n);
	buf[n] = 0;
	v = json__new(ps, JSON_NUMBER);
	if (v) {
		v->number = strtod(buf, NULL); /* the token is valid: strtod takes all of it */
		v->is_integer = plain && integer_value(start, end, &v->integer);
		if (isinf(v->number)) {
			parser__fail(ps, start, "number out of range: %.40s", buf);
			json__free(v);
			v = NULL;
		}
	}
	if (buf != small)
		free(buf);
	ps->p = end;
	return v;
}

/* ---- strings ------------------------------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (before end) into a code unit, or -1. */
static long hex4(const char *p, const char *end)
{
	long u = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			return -1;
		u = u * 16 + d;
	}
	return u;
}

/* Append code point cp as UTF-8 at out; returns the bytes written (1..4). */
static size_t utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The length of the well-formed UTF-8 sequence at p (RFC 3629 section 4: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * RFC 8259 section 7: the escape after a backslash at ps->p (pointing at the letter), written
 * to *out. \uXXXX pairs of surrogates (section 7's UTF-16 example) become one code point; lone
 * surrogates and \u0000 are refused.
 */
static bool parse_escape(struct json_parser *ps, char **out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at = ps->p - 1, *hit;
	long u, lo;

	if (ps->p < ps->end && *ps->p && (hit = strchr(from, *ps->p))) {
		*(*out)++ = to[hit - from];
		ps->p++;
		return true;
	}
	if (ps->p >= ps->end || *ps->p != 'u') {
		parser__fail(
		    ps, at, "invalid escape in string (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
		return false;
	}
	if ((u = hex4(ps->p + 1, ps->end)) < 0) {
		parser__fail(ps, at, "\\u must be followed by four hex digits");
		return false;
	}
	ps->p += 5;
	if (u == 0) {
		parser__fail(ps, at, "\\u0000 is not allowed in a string");
		return false;
	}
	if (u >= 0xdc00 && u <= 0xdfff) {
		parser__fail(ps, at, "lone low surrogate \\u%04lX", u);
		return false;
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
		    (lo = hex4(ps->p + 2, ps->end)) < 0xdc00 || lo > 0xdfff) {
			parser__fail(ps, at, "high surrogate \\u%04lX not followed by a low one",
				     u);
			return false;
		}
		ps->p += 6;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	*out += utf8_put(*out, (unsigned long)u);
	return true;
}

/* Decode the string body at ps->p (after the opening quote) into out; false after an error. */
static bool decode_string(struct json_parser *ps, char *out, size_t *len)
{
	char *o = out;
	size_t n;

	for (;;) {
		unsigned char c;

		if (ps->p >= ps->end) {
			parser__fail(ps, ps->p, "unterminated string");
			return false;
		}
		c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c < 0x20) {
			parser__fail(ps, ps->p, "control character 0x%02x in a string (escape it)",
				     c);
			return false;
		}
		if (c == '\\') {
			ps->p++;
			if (!parse_escape(ps, &o))
				return false;
			continue;
		}
		n = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
		if (!n) {
			parser__fail(ps, ps->p, "invalid UTF-8 in a string (RFC 8259 section 8.1)");
			return false;
		}
		memcpy(o, ps->p, n);
		o += n, ps->p += n;
	}
	ps->p++;
	*o = 0;
	*len = (size_t)(o - out);
	return true;
}

/* The bytes up to the closing quote, an upper bound of the decoded length (escapes shrink). */
static size_t string_span(const struct json_parser *ps)
{
	const char *p = ps->p;

	while (p < ps->end && *p != '"')
		p += *p == '\\' && p + 1 < ps->end ? 2 : 1;
	return (size_t)(p - ps->p);
}

/* A string at ps->p (the opening quote) into a malloc'd NUL-terminated buffer. */
static char *parse_string_raw(struct json_parser *ps, size_t *len)
{
	char *s;

	ps->p++;
	s = malloc(string_span(ps) + 1);
	if (!s) {
		parser__fail(ps, ps->p, "out of memory");
		return NULL;
	}
	if (!decode_string(ps, s, len)) {
		free(s);
		return NULL;
	}
	return s;
}

static struct json *parse_string(struct json_parser *ps)
{
	size_t len;
	char *s = parse_string_raw(ps, &len);
	struct json *v;

	if (!s)
		return NULL;
	v = json__new(ps, JSON_STRING);
	if (!v) {
		free(s);
		return NULL;
	}
	v->string = s;
	v->len = len;
	return v;
}

/* ---- arrays and objects -------------------------------------------------------------------- */

static struct json *parse_value(struct json_parser *ps);

/* Append kid (and key, for objects) to v, growing its arrays by doubling. */
static bool json__append(struct json_parser *ps, struct json *v, char *key, struct json *kid)
{
	size_t n = v->len;

	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) { /* capacity 4, 8, 16, ...: full */
		size_t cap = n ? 2 * n : 4;
		struct json **kids = realloc(v->kids, cap * sizeof(*kids));

		if (kids)
			v->kids = kids;
		if (kids && v->type == JSON_OBJECT) {
			char **keys = realloc(v->keys, cap * sizeof(*keys));

			if (keys)
				v->keys = keys;
			kids = keys ? kids : NULL;
		}
		if (!kids) {
			parser__fail(ps, ps->p, "out of memory");
			return false;
		}
	}
	v->kids[n] = kid;
	if (v->type == JSON_OBJECT)
		v->keys[n] = key;
	v->len = n + 1;
	return true;
}

/* After a member: true to go on (','), false at the close (or after an error: ps->failed). */
static bool parse_separator(struct json_parser *ps, char close)
{
	parser__skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		return true;
	}
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return false;
	}
	parser__unexpected(ps, close == ']' ? "',' or ']'" : "',' or '}'");
	return false;
}

/* One "key": value member of an object, appended to v. */
static bool parse_member(struct json_parser *ps, struct json *v)
{
	size_t len;
	char *key;
	struct json *kid;

	parser__skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '"') {
		parser__unexpected(ps, "a string (an object's key)");
		return false;
	}
	if (!(key = parse_string_raw(ps, &len)))
		return false;
	parser__skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != ':') {
		parser__unexpected(ps, "':'");
		free(key);
		return false;
	}
	ps->p++;
	kid = parse_value(ps);
	if (!kid || !json__append(ps, v, key, kid)) {
		free(key);
		json__free(kid);
		return false;
	}
	return true;
}

/* RFC 8259 sections 4 and 5: an object or an array at ps->p (the opening bracket). */
static struct json *parse_container(struct json_parser *ps, enum json_type type)
{
	char close = type == JSON_OBJECT ? '}' : ']';
	struct json *v, *kid;

	if (++ps->depth > JSON_MAX_DEPTH) {
		parser__fail(ps, ps->p, "nested deeper than %d levels", JSON_MAX_DEPTH);
		return NULL;
	}
	ps->p++;
	if (!(v = json__new(ps, type)))
		return NULL;
	parser__skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	do {
		if (type == JSON_OBJECT) {
			if (!parse_member(ps, v))
				break;
		} else if (!(kid = parse_value(ps)) || !json__append(ps, v, NULL, kid)) {
			json__free(kid);
			break;
		}
	} while (parse_separator(ps, close));
	if (ps->failed) {
		json__free(v);
		return NULL;
	}
	ps->depth--;
	return v;
}

static struct json *parse_value(struct json_parser *ps)
{
	parser__skip_ws(ps);
	if (ps->p >= ps->end) {
		parser__unexpected(ps, "a value");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return parse_container(ps, JSON_OBJECT);
	case '[':
		return parse_container(ps, JSON_ARRAY);
	case '"':
		return parse_string(ps);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		return parse_literal(ps);
	}
}

/* ---- the interface ------------------------------------------------------------------------- */

struct json *json__parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_parser ps = {
	    .text = text, .p = text, .end = text + len, .err = err, .errlen = errlen};
	struct json *v;

	if (len > JSON_MAX_LEN) {
		snprintf(err, errlen, "JSON text larger than 16 MiB (%zu bytes)", len);
		return NULL;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		snprintf(err, errlen,
			 "line 1, column 1: byte order mark (not allowed: RFC 8259 "
			 "section 8.1)");
		return NULL;
	}
	v = parse_value(&ps);
	if (v) {
		parser__skip_ws(&ps);
		if (ps.p < ps.end) {
			parser__unexpected(&ps, "end of input after the value");
			json__free(v);
			v = NULL;
		}
	}
	return v;
}

/* Read all of fd into a malloc'd buffer; NULL with errno (EFBIG: more than max bytes). */
static char *read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL, *bigger;
	ssize_t got;
	int e;

	for (;;) {
		if (n == cap) {
			e = cap > max ? EFBIG : ENOMEM;
			cap = cap ? 2 * cap : 65536;
			cap = cap > max + 1 ? max + 1 : cap;
			if (e == EFBIG || !(bigger = realloc(buf, cap)))
				goto fail;
			buf = bigger;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*len = n;
	return buf;
fail:
	free(buf);
	errno = e;
	return NULL;
}

struct json *json__parse_file(const char *path, char *err, size_t errlen)
{
	char msg[256];
	size_t len = 0;
	char *text;
	struct json *v;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	text = read_all(fd, JSON_MAX_LEN, &len);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
		close(fd);
		return NULL;
	}
	close(fd);
	v = json__parse(text, len, msg, sizeof(msg));
	if (!v)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(text);
	return v;
}

void json__free(struct json *v)
{
	if (!v)
		return;
	for (size_t i = 0; v->kids && i < v->len; i++) {
		json__free(v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->string);
	free(v);
}

const struct json *json__get(const struct json *v, const char *key)
{
	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (size_t i = v->len; i-- > 0;)
		if (strcmp(v->keys[i], key) == 0)
			return v->kids[i];
	return NULL;
}

const char *json__get_string(const struct json *v, const char *key)
{
	const struct json *s = json__get(v, key);

	return s && s->type == JSON_STRING ? s->string : NULL;
}

const struct json *json__path(const struct json *v, ...)
{
	va_list ap;
	const char *key;

	va_start(ap, v);
	while (v && (key = va_arg(ap, const char *)))
		v = json__get(v, key);
	va_end(ap);
	return v;
}

const struct json *json__at(const struct json *v, size_t i)
{
	if (!v || v->type != JSON_ARRAY || i >= v->len)
		return NULL;
	return v->kids[i];
}

/* RFC 8259 section 7: '"', '\\' and U+0000..U+001F must be escaped; the rest may be literal. */
void json__write_string(FILE *f, const char *s)
{
	static const char short_esc[] = {
	    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};

	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 && *c < sizeof(short_esc) && short_esc[*c])
			fprintf(f, "\\%c", short_esc[*c]);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}
