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
 * really passed. 0, or -EINTR when a signal is to be delivered: sleeps are never restarted,
 * whatever SA_RESTART says (signal(7)).
 */
static int sleep_until(int clock, uint64_t deadline)
{
	uint64_t now;

	while (pith_time_clock_ns(clock, &now) == 0 && now < deadline) {
		uint64_t mono = pith_time_monotonic_ns(), left = deadline - now;
		int err = pith_io_wait(mono + left < mono ? UINT64_MAX : mono + left);

		if (err)
			return err;
	}
	return 0;
}

/* The time left until deadline into *rem (nanosleep(2): written when interrupted). */
static long write_rem(int clock, uint64_t deadline, struct timespec *rem)
{
	uint64_t now, left = 0;

	if (!rem)
		return -EINTR;
	if (!pith_user_access_ok(rem, sizeof(*rem)) || !pith_user_writable(rem, sizeof(*rem)))
		return -EFAULT;
	if (pith_time_clock_ns(clock, &now) == 0 && now < deadline)
		left = deadline - now;
	rem->tv_sec = (time_t)(left / NS_PER_SEC);
	rem->tv_nsec = (long)(left % NS_PER_SEC);
	return -EINTR;
}

static long sleep_relative(int clock, const struct timespec *req, struct timespec *rem)
{
	uint64_t start, deadline;
	int64_t ns;

	if (!pith_user_readable(req, sizeof(*req)))
		return -EFAULT;
	ns = timespec_ns(req);
	if (ns < 0)
		return ns;
	pith_time_clock_ns(clock, &start);
	deadline = start + (uint64_t)ns < start ? UINT64_MAX : start + (uint64_t)ns;
	if (sleep_until(clock, deadline))
		return write_rem(clock, deadline, rem);
	return 0;
}

PITH_SYSCALL2(nanosleep, const struct timespec *, req, struct timespec *, rem)
{
	return sleep_relative(CLOCK_MONOTONIC, req, rem);
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

	if (err)
		return err;
	if (!(flags & TIMER_ABSTIME))
		return sleep_relative(clock, req, rem);
	if (!pith_user_readable(req, sizeof(*req)))
		return -EFAULT;
	ns = timespec_ns(req);
	if (ns < 0)
		return ns;
	return sleep_until(clock, (uint64_t)ns); /* rem is not written for an absolute sleep */
}
