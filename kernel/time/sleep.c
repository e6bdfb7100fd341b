/* nanosleep and clock_nanosleep: wait for I/O (pith_io_wait) until the deadline passes. */
#include <errno.h>
#include <time.h>

#include "core/core.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "time/wait.h"

#define NS_PER_SEC 1000000000ULL

/* Nanoseconds in a valid timespec; -EINVAL if tv_nsec is out of range or tv_sec negative. */
static int64_t timespec_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NS_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec >= INT64_MAX / NS_PER_SEC)
		return INT64_MAX; /* centuries: as good as forever */
	return ts->tv_sec * (int64_t)NS_PER_SEC + ts->tv_nsec;
}

/*
 * Sleep until `clock` reads at least deadline. The wait runs the pollers (the network keeps
 * working while the program sleeps) and may end early for I/O: loop until the deadline has
 * really passed.
 */
static void sleep_until(int clock, uint64_t deadline)
{
	uint64_t now;

	while (pith_time_clock_ns(clock, &now) == 0 && now < deadline) {
		uint64_t mono = pith_time_monotonic_ns(), left = deadline - now;

		pith_io_wait(mono + left < mono ? UINT64_MAX : mono + left);
	}
}

static long sleep_relative(int clock, const struct timespec *req)
{
	uint64_t start;
	int64_t ns;

	if (!pith_user_readable(req, sizeof(*req)))
		return -EFAULT;
	ns = timespec_ns(req);
	if (ns < 0)
		return ns;
	pith_time_clock_ns(clock, &start);
	sleep_until(clock, start + (uint64_t)ns < start ? UINT64_MAX : start + (uint64_t)ns);
	return 0;
}

/* No signal is ever delivered, so a sleep is never interrupted and rem is never written. */
PITH_SYSCALL2(nanosleep, const struct timespec *, req, struct timespec *, rem)
{
	(void)rem;
	return sleep_relative(CLOCK_MONOTONIC, req);
}

/* As Linux: the raw and coarse clocks cannot be slept on, the thread CPU clock is invalid. */
static int nsleep_check(int clock)
{
	uint64_t now;

	if (clock == CLOCK_THREAD_CPUTIME_ID || pith_time_clock_ns(clock, &now))
		return -EINVAL;
	if (clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_MONOTONIC_COARSE ||
	    clock == CLOCK_REALTIME_COARSE)
		return -EOPNOTSUPP;
	return 0;
}

PITH_SYSCALL4(clock_nanosleep, int, clock, int, flags, const struct timespec *, req,
	      struct timespec *, rem)
{
	int64_t ns;
	int err = nsleep_check(clock);

	(void)rem;
	if (err)
		return err;
	if (!(flags & TIMER_ABSTIME))
		return sleep_relative(clock, req);
	if (!pith_user_readable(req, sizeof(*req)))
		return -EFAULT;
	ns = timespec_ns(req);
	if (ns < 0)
		return ns;
	sleep_until(clock, (uint64_t)ns);
	return 0;
}
