/* Formats strace-style syscall trace lines: name(args) = result, errors as -1 ENAME (message). */
#include <errno.h>

#include "syscall/syscall.h"
#include "syscall/trace_fmt.h"

void pith_fmt_str(struct pith_fmt *f, const char *s)
{
	while (*s) {
		if (f->len < f->cap)
			f->buf[f->len] = *s;
		f->len++;
		s++;
	}
}

static void fmt_digits(struct pith_fmt *f, unsigned long v, unsigned base, const char *prefix)
{
	char tmp[24];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	pith_fmt_str(f, prefix);
	pith_fmt_str(f, &tmp[i]);
}

void pith_fmt_udec(struct pith_fmt *f, unsigned long v)
{
	fmt_digits(f, v, 10, "");
}

void pith_fmt_dec(struct pith_fmt *f, long v)
{
	if (v < 0)
		fmt_digits(f, -(unsigned long)v, 10, "-");
	else
		fmt_digits(f, (unsigned long)v, 10, "");
}

void pith_fmt_hex(struct pith_fmt *f, unsigned long v)
{
	fmt_digits(f, v, 16, "0x");
}

static void fmt_arg(struct pith_fmt *f, unsigned kind, long v)
{
	switch (kind) {
	case PITH_ARG_SIGNED:
		pith_fmt_dec(f, v);
		break;
	case PITH_ARG_UNSIGNED:
		pith_fmt_udec(f, (unsigned long)v);
		break;
	case PITH_ARG_POINTER:
		if (v)
			pith_fmt_hex(f, (unsigned long)v);
		else
			pith_fmt_str(f, "NULL");
		break;
	default:
		if (v)
			pith_fmt_hex(f, (unsigned long)v);
		else
			pith_fmt_str(f, "0");
	}
}

static void fmt_result(struct pith_fmt *f, int retkind, long ret)
{
	pith_fmt_str(f, " = ");
	if (retkind == PITH_RET_NONE) {
		pith_fmt_str(f, "?");
	} else if (ret < 0 && ret >= -4095) {
		const char *name = pith_errno_name((int)-ret), *msg = pith_errno_msg((int)-ret);

		pith_fmt_str(f, "-1 ");
		if (name) {
			pith_fmt_str(f, name);
			pith_fmt_str(f, " (");
			pith_fmt_str(f, msg);
			pith_fmt_str(f, ")");
		} else {
			pith_fmt_str(f, "errno ");
			pith_fmt_dec(f, -ret);
		}
	} else if (retkind == PITH_RET_ADDR) {
		pith_fmt_hex(f, (unsigned long)ret);
	} else {
		pith_fmt_dec(f, ret);
	}
}

size_t pith_trace_format(char *buf, size_t cap, long nr, const char *name, int nargs,
			 unsigned kinds, int retkind, long ret, const long *args)
{
	struct pith_fmt f = {buf, 0, cap ? cap - 1 : 0};

	if (name) {
		pith_fmt_str(&f, name);
	} else {
		pith_fmt_str(&f, "syscall_");
		pith_fmt_dec(&f, nr);
	}
	pith_fmt_str(&f, "(");
	for (int i = 0; i < nargs; i++) {
		if (i)
			pith_fmt_str(&f, ", ");
		fmt_arg(&f, (kinds >> (2 * i)) & 3, args[i]);
	}
	pith_fmt_str(&f, ")");
	fmt_result(&f, retkind, ret);
	if (!cap)
		return 0;
	size_t len = f.len < f.cap ? f.len : f.cap;

	if (len && len == f.cap)
		len--; /* make room for the newline: a truncated line still ends one */
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

size_t pith_trace_tid_prefix(char *buf, size_t cap, int tid)
{
	struct pith_fmt f = {buf, 0, cap ? cap - 1 : 0};
	size_t len;

	pith_fmt_str(&f, "[tid ");
	pith_fmt_dec(&f, tid);
	pith_fmt_str(&f, "] ");
	if (!cap)
		return 0;
	len = f.len < f.cap ? f.len : f.cap;
	buf[len] = '\0';
	return len;
}
