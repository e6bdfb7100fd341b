/* alarm, setitimer and getitimer: the process's ITIMER_REAL, SIGALRM from a kernel timer. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/time.h>

#include "core/core.h"
#include "sched/sched.h"
#include "signal/signal.h"
#include "signal/timer.h"
#include "syscall/syscall.h"
#include "time/time.h"

/*
 * ITIMER_REAL counts CLOCK_MONOTONIC (Linux uses its monotonic hrtimer base too). Pith does not
 * account CPU time per process: ITIMER_VIRTUAL and ITIMER_PROF are refused with -EINVAL.
 */
static struct {
	struct pith_ktimer kt;
	uint64_t interval; /* ns; 0: one-shot */
	bool armed;	   /* kt is armed (an expiry is to come) */
} real;

/* The expiry: SIGALRM to the process (si_code SI_KERNEL, as Linux's it_real_fn), then reload. */
static void real_fire(struct pith_ktimer *kt, uint64_t now)
{
	struct pith_ksiginfo info = {.signo = SIGALRM, .code = SI_KERNEL};
	uint64_t next = kt->deadline;

	real.armed = real.interval != 0;
	pith_signal_send_process(SIGALRM, &info);
	if (!real.armed)
		return;
	pith_timer_forward(&next, real.interval, now); /* missed periods are dropped, as Linux */
	pith_ktimer_arm(kt, next);
}

/* Linux's timeval_valid: tv_sec >= 0 and 0 <= tv_usec < 1e6. */
static bool timeval_ok(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static uint64_t timeval_ns(const struct timeval *tv)
{
	return pith_timer_ns(tv->tv_sec, (uint64_t)tv->tv_usec * PITH_NS_PER_USEC);
}

/* Truncated to microseconds, as Linux's ns_to_kernel_old_timeval. */
static struct timeval ns_timeval(uint64_t ns)
{
	return (struct timeval){.tv_sec = ns / PITH_NS_PER_SEC,
				.tv_usec = ns % PITH_NS_PER_SEC / PITH_NS_PER_USEC};
}

/* The current setting; an expired timer whose signal is on its way shows 1 us, as Linux. */
static struct itimerval real_get(uint64_t now)
{
	struct itimerval v = {.it_interval = ns_timeval(real.interval)};
	uint64_t left;

	if (real.armed) {
		left = pith_timer_left(real.kt.deadline, now);
		v.it_value = ns_timeval(left >= PITH_NS_PER_USEC ? left : PITH_NS_PER_USEC);
	}
	return v;
}

/* Arms (it_value nonzero) or disarms ITIMER_REAL; *old gets the previous setting. */
static void real_set(const struct itimerval *v, struct itimerval *old)
{
	uint64_t now = pith_time_monotonic_ns(), value = timeval_ns(&v->it_value);

	*old = real_get(now);
	pith_ktimer_cancel(&real.kt);
	real.armed = value != 0;
	real.interval = 0;
	if (!value)
		return;
	real.kt.fn = real_fire;
	real.interval = timeval_ns(&v->it_interval);
	pith_ktimer_arm(&real.kt, pith_timer_after(now, value));
}

PITH_SYSCALL2(getitimer, int, which, struct itimerval *, value)
{
	struct itimerval v;

	if (which != ITIMER_REAL)
		return -EINVAL;
	v = real_get(pith_time_monotonic_ns());
	if (!pith_user_access_ok(value, sizeof(v)) || !pith_user_writable(value, sizeof(v)))
		return -EFAULT;
	*value = v;
	return 0;
}

/* Linux's order: copy in (-EFAULT), validate (-EINVAL), which (-EINVAL), copy out (-EFAULT). A
   NULL new value disarms, as Linux still allows. */
PITH_SYSCALL3(setitimer, int, which, const struct itimerval *, value, struct itimerval *, ovalue)
{
	struct itimerval v = {0}, old;

	if (value) {
		if (!pith_user_access_ok(value, sizeof(v)) || !pith_user_readable(value, sizeof(v)))
			return -EFAULT;
		v = *value;
		if (!timeval_ok(&v.it_value) || !timeval_ok(&v.it_interval))
			return -EINVAL;
	}
	if (which != ITIMER_REAL)
		return -EINVAL;
	if (ovalue &&
	    (!pith_user_access_ok(ovalue, sizeof(old)) || !pith_user_writable(ovalue, sizeof(old))))
		return -EFAULT; /* checked first: Pith never half-applies a call */
	real_set(&v, &old);
	if (ovalue)
		*ovalue = old;
	return 0;
}

/* Seconds left of the previous alarm, rounded as Linux's alarm_setitimer (to the nearest second,
   and never 0 for a pending alarm). */
PITH_SYSCALL1(alarm, unsigned, seconds)
{
	struct itimerval v = {.it_value.tv_sec = seconds}, old;

	real_set(&v, &old);
	if ((!old.it_value.tv_sec && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
		old.it_value.tv_sec++;
	return old.it_value.tv_sec;
}
