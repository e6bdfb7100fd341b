/* Tiny helper for Pith's C tests: pass/fail counting, failure messages, the summary line. */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned passed, failed;

bool test__check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return true;
	}
	failed++;
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

bool test__check_u64(uint64_t a, uint64_t b, const char *file, int line, const char *an,
		     const char *bn)
{
	return test__check(a == b, file, line, "%s == %s: got 0x%llx, expected 0x%llx", an, bn,
			   (unsigned long long)a, (unsigned long long)b);
}

bool test__check_str(const char *a, const char *b, const char *file, int line, const char *an)
{
	bool ok = a && b ? strcmp(a, b) == 0 : a == b;

	return test__check(ok, file, line, "%s: got \"%s\", expected \"%s\"", an, a ? a : "(null)",
			   b ? b : "(null)");
}

bool test__check_contains(const char *hay, const char *needle, const char *file, int line,
			  const char *hn)
{
	return test__check(hay && strstr(hay, needle), file, line,
			   "%s: \"%s\" does not contain \"%s\"", hn, hay ? hay : "(null)", needle);
}

int test__done(void)
{
	if (passed + failed == 0) {
		fprintf(stderr, "FAIL: the test checked nothing\n");
		failed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}

bool test__require_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	return test__check(false, __FILE__, __LINE__,
			   "/dev/kvm is absent or not usable (%s): this test needs KVM",
			   strerror(errno));
}
