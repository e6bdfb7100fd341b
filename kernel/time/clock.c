/* The TSC clock and clock_gettime, clock_getres, gettimeofday, time; the time component's note. */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/note.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "time/tsc.h"

PITH_COMPONENT_NOTE(time);

#define NS_PER_SEC 1000000000ULL

static uint64_t tsc_at_boot, tsc_hz, realtime_at_boot;

void pith_time_init(const struct pith_boot_info *bi)
{
	tsc_at_boot = pith_rdtsc();
	tsc_hz = bi->tsc_hz;
	realtime_at_boot = bi->realtime_ns;
}

uint64_t pith_time_monotonic_ns(void)
{
	return pith_tsc_to_ns(pith_rdtsc() - tsc_at_boot, tsc_hz);
}

uint64_t pith_time_realtime_ns(void)
{
	return realtime_at_boot + pith_time_monotonic_ns();
}

/*
 * REALTIME and its coarse form read the host's time at boot plus the TSC; every other clock is
 * the TSC since boot: with one process that never sleeps in a kernel of its own, its CPU time
 * and boot time are its monotonic time.
 */
int pith_time_clock_ns(int clock, uint64_t *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = pith_time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = pith_time_monotonic_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NS_PER_SEC);
	ts->tv_nsec = (long)(ns % NS_PER_SEC);
}

PITH_SYSCALL2(clock_gettime, int, clock, struct timespec *, ts)
{
	uint64_t ns;
	int err = pith_time_clock_ns(clock, &ns);

	if (err)
		return err;
	if (!pith_user_writable(ts, sizeof(*ts)))
		return -EFAULT;
	ns_to_timespec(ns, ts);
	return 0;
}

/* Every clock counts TSC ticks, finer than a nanosecond: the resolution is 1 ns. */
PITH_SYSCALL2(clock_getres, int, clock, struct timespec *, res)
{
	uint64_t ns;
	int err = pith_time_clock_ns(clock, &ns);

	if (err || !res)
		return err;
	if (!pith_user_writable(res, sizeof(*res)))
		return -EFAULT;
	ns_to_timespec(1, res);
	return 0;
}

/* The timezone, if asked for, is UTC (minutes west 0, no DST). */
PITH_SYSCALL2(gettimeofday, struct timeval *, tv, struct timezone *, tz)
{
	if ((tv && !pith_user_writable(tv, sizeof(*tv))) ||
	    (tz && !pith_user_writable(tz, sizeof(*tz))))
		return -EFAULT;
	if (tv) {
		uint64_t ns = pith_time_realtime_ns();

		tv->tv_sec = (time_t)(ns / NS_PER_SEC);
		tv->tv_usec = (suseconds_t)(ns % NS_PER_SEC / 1000);
	}
	if (tz) {
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

PITH_SYSCALL1(time, long *, t)
{
	long now = (long)(pith_time_realtime_ns() / NS_PER_SEC);

	if (t) {
		if (!pith_user_writable(t, sizeof(*t)))
			return -EFAULT;
		*t = now;
	}
	return now;
}
