/* Tiny helper for Pith's C tests: checks that report file:line, and the closing summary line. */
#ifndef PITH_TEST_H
#define PITH_TEST_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Every check counts as one pass or one failure; a failure prints "FAIL file:line: ..." on
 * stderr. Each argument is evaluated exactly once. A test program ends with
 * `return test__done();`, which prints "N passed, N failed" and returns 1 if any check failed.
 */
#define CHECK(cond)		    test__check((cond), __FILE__, __LINE__, "%s", #cond)
#define CHECKF(cond, ...)	    test__check((cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_U64(a, b)		    test__check_u64((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_STR(a, b)		    test__check_str((a), (b), __FILE__, __LINE__, #a)
#define CHECK_CONTAINS(hay, needle) test__check_contains((hay), (needle), __FILE__, __LINE__, #hay)

bool test__check(bool ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool test__check_u64(uint64_t a, uint64_t b, const char *file, int line, const char *an,
		     const char *bn);
bool test__check_str(const char *a, const char *b, const char *file, int line, const char *an);
bool test__check_contains(const char *hay, const char *needle, const char *file, int line,
			  const char *hn);

/* Print "N passed, N failed"; 0 if nothing failed (and something was checked), else 1. */
int test__done(void);

/*
 * For tests that need KVM: true if /dev/kvm opens. If not, prints that /dev/kvm is absent and
 * counts a failure, so such a test never passes silently.
 */
bool test__require_kvm(void);

#endif
