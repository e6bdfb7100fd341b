/* Lets Debian's libseccomp.a, compiled against glibc, link into the musl-built monitor. */
#include <stdarg.h>
#include <stdio.h>

/* glibc's fortified fprintf (used by libseccomp's debug output): the same, unchecked. */
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}
