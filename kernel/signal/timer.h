/* Arithmetic shared by the signal timers (itimer.c, posix_timer.c): expiries and conversions. */
#ifndef PITH_SIGNAL_TIMER_H
#define PITH_SIGNAL_TIMER_H

#include <stdint.h>

#define PITH_NS_PER_SEC	 1000000000ULL
#define PITH_NS_PER_USEC 1000ULL

/* now + ns, saturating at UINT64_MAX (a deadline too far to reach). */
static inline uint64_t pith_timer_after(uint64_t now, uint64_t ns)
{
	return now + ns < now ? UINT64_MAX : now + ns;
}

/* sec seconds + ns nanoseconds (sec >= 0, ns < 1e9), saturating at UINT64_MAX. */
static inline uint64_t pith_timer_ns(int64_t sec, uint64_t ns)
{
	if ((uint64_t)sec >= UINT64_MAX / PITH_NS_PER_SEC)
		return UINT64_MAX;
	return pith_timer_after((uint64_t)sec * PITH_NS_PER_SEC, ns);
}

/*
 * The expiries of a timer due at *deadline with period interval (0: one-shot), seen at now:
 * their count (>= 1: the one at *deadline plus each whole period since), and *deadline moves to
 * the first expiry after now for a periodic timer (as Linux's hrtimer_forward). A count above 1
 * means expiries were missed: the posix timers count them as overruns.
 */
static inline uint64_t pith_timer_forward(uint64_t *deadline, uint64_t interval, uint64_t now)
{
	uint64_t n;

	if (!interval || now < *deadline)
		return 1;
	n = (now - *deadline) / interval + 1;
	if (n > (UINT64_MAX - *deadline) / interval)
		*deadline = UINT64_MAX;
	else
		*deadline += n * interval;
	return n;
}

/* Time left until deadline at now: 0 once it passed. */
static inline uint64_t pith_timer_left(uint64_t deadline, uint64_t now)
{
	return deadline > now ? deadline - now : 0;
}

#endif
