/* Formatting of strace-style trace lines (pure: no I/O, testable on the host). */
#ifndef PITH_SYSCALL_TRACE_FMT_H
#define PITH_SYSCALL_TRACE_FMT_H

#include <stddef.h>

/* A bounded output buffer: appends past cap are dropped, len keeps counting what fits. */
struct pith_fmt {
	char *buf;
	size_t len;
	size_t cap;
};

void pith_fmt_str(struct pith_fmt *f, const char *s);
void pith_fmt_udec(struct pith_fmt *f, unsigned long v);
void pith_fmt_dec(struct pith_fmt *f, long v);
void pith_fmt_hex(struct pith_fmt *f, unsigned long v);

/* Linux errno name ("ENOENT") and message, or NULL for numbers the table does not know. */
const char *pith_errno_name(int err);
const char *pith_errno_msg(int err);

/*
 * One trace line, newline included: "name(arg, ...) = result\n". name NULL prints
 * "syscall_<nr>". kinds: PITH_ARG_* per argument (2 bits each); retkind: PITH_RET_*.
 * Returns the length written (truncated to cap - 1 with a final newline if too long).
 */
size_t pith_trace_format(char *buf, size_t cap, long nr, const char *name, int nargs,
			 unsigned kinds, int retkind, long ret, const long *args);

/*
 * "[tid N] ", the prefix of a trace line once a second thread has existed. Returns the length
 * written (truncated to cap - 1, NUL-terminated when cap > 0).
 */
size_t pith_trace_tid_prefix(char *buf, size_t cap, int tid);

#endif
