/* Shared helpers of the storage test programs: result lines, errno names, data streams, sums. */
#ifndef FS_CHECK_H
#define FS_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fallocate, syncfs, ...: before any system header (pith build sets none) */
#endif

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every case prints "ok NAME" or "FAIL NAME: expected X got Y (errno NAME)"; check_finish()
 * prints "N passed, N failed" and returns the exit status (1 on any failure).
 * The EXPECT macros sequence the call, then errno: the errno shown is the call's own.
 */
extern int check_passed, check_failed;

void check_ok(const char *name);
void check_eq(const char *name, long got, long want, int err);
void check_err(const char *name, long got, int want1, int want2, int err);
void check_str(const char *name, const char *got, const char *want);
void check_fail(const char *name, const char *want, const char *got, int err);
int check_finish(void);
const char *errno_name(int e);

#define EXPECT_EQ(name, expr, want)                                                                \
	do {                                                                                       \
		errno = 0;                                                                         \
		long got_ = (long)(expr);                                                          \
		int err_ = errno;                                                                  \
		check_eq(name, got_, (long)(want), err_);                                          \
	} while (0)
#define EXPECT_TRUE(name, cond) EXPECT_EQ(name, !!(cond), 1)
/* The call returned -1 with errno e1 (or e2, where Linux's answer depends on the fs). */
#define EXPECT_ERR2(name, expr, e1, e2)                                                            \
	do {                                                                                       \
		errno = 0;                                                                         \
		long got_ = (long)(expr);                                                          \
		int err_ = errno;                                                                  \
		check_err(name, got_, e1, e2, err_);                                               \
	} while (0)
#define EXPECT_ERR(name, expr, e) EXPECT_ERR2(name, expr, e, e)

/* A deterministic byte stream (splitmix64 words) and a fast 64-bit sum (FNV-1a over words). */
#define SUM_INIT 0xcbf29ce484222325ULL
void stream_fill(uint64_t *state, void *buf, size_t len);    /* len: a multiple of 8 */
uint64_t sum_words(uint64_t h, const void *buf, size_t len); /* len: a multiple of 8 */
uint64_t sum_bytes(uint64_t h, const void *buf, size_t len);

/* Whole-file helpers: 0 / the length read on success, -1 with errno on failure. */
int put_file(const char *path, const void *data, size_t len);
long get_file(const char *path, void *buf, size_t cap);
long file_size(const char *path);
double now_s(void);

#endif
