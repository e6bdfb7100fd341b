/* Shared helpers of the storage test programs: result lines, errno names, data streams, sums. */
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int check_passed, check_failed;

static const struct {
	int e;
	const char *name;
} errno_names[] = {
    {0, "0"},
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EIO, "EIO"},
    {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {EXDEV, "EXDEV"},
    {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},
    {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"},
    {ENOTTY, "ENOTTY"},
    {EFBIG, "EFBIG"},
    {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},
    {EROFS, "EROFS"},
    {EMLINK, "EMLINK"},
    {EPIPE, "EPIPE"},
    {ERANGE, "ERANGE"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},
    {ENOTEMPTY, "ENOTEMPTY"},
    {ELOOP, "ELOOP"},
    {ENXIO, "ENXIO"},
    {EOPNOTSUPP, "EOPNOTSUPP"},
    {EOVERFLOW, "EOVERFLOW"},
    {EUCLEAN, "EUCLEAN"},
    {EDQUOT, "EDQUOT"},
    {ETXTBSY, "ETXTBSY"},
};

const char *errno_name(int e)
{
	static char tmp[32];

	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].e == e)
			return errno_names[i].name;
	snprintf(tmp, sizeof(tmp), "errno %d", e);
	return tmp;
}

void check_ok(const char *name)
{
	printf("ok %s\n", name);
	check_passed++;
}

void check_fail(const char *name, const char *want, const char *got, int err)
{
	printf("FAIL %s: expected %s got %s (errno %s)\n", name, want, got, errno_name(err));
	check_failed++;
}

void check_eq(const char *name, long got, long want, int err)
{
	char w[32], g[32];

	if (got == want) {
		check_ok(name);
		return;
	}
	snprintf(w, sizeof(w), "%ld", want);
	snprintf(g, sizeof(g), "%ld", got);
	check_fail(name, w, g, err);
}

void check_err(const char *name, long got, int want1, int want2, int err)
{
	char w[64], g[32];

	if (got == -1 && (err == want1 || err == want2)) {
		check_ok(name);
		return;
	}
	snprintf(w, sizeof(w), "-1 %s", errno_name(want1));
	if (want2 != want1)
		snprintf(w + strlen(w), sizeof(w) - strlen(w), " or %s", errno_name(want2));
	snprintf(g, sizeof(g), "%ld", got);
	check_fail(name, w, g, err);
}

void check_str(const char *name, const char *got, const char *want)
{
	if (got && !strcmp(got, want))
		check_ok(name);
	else
		check_fail(name, want, got ? got : "(null)", errno);
}

int check_finish(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	fflush(stdout);
	return check_failed ? 1 : 0;
}

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit word per step. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void stream_fill(uint64_t *state, void *buf, size_t len)
{
	uint64_t *w = buf;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = splitmix64(state);
}

/* FNV-1a's step applied to 64-bit words instead of bytes: fast, and order-sensitive. */
uint64_t sum_words(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t w;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	return h;
}

uint64_t sum_bytes(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

int put_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	if (close(fd) < 0 || n != (ssize_t)len)
		return -1;
	return 0;
}

long get_file(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (got < cap && (n = read(fd, (char *)buf + got, cap - got)) > 0)
		got += (size_t)n;
	close(fd);
	return (long)got;
}

long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
