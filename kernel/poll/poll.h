/* The poll component's private interface: timeouts shared by poll, select and epoll. */
#ifndef PITH_POLL_H
#define PITH_POLL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* No deadline: wait until something is ready. */
#define PITH_POLL_FOREVER UINT64_MAX

/* The monotonic deadline ns nanoseconds from now (saturating at forever). */
uint64_t pith_poll_deadline_ns(uint64_t ns);

/* The monotonic deadline ms milliseconds from now (negative: forever). */
uint64_t pith_poll_deadline_ms(long ms);

/*
 * The deadline of a user timespec (NULL: forever): -EFAULT if unreadable, -EINVAL if invalid.
 * Stored in *deadline.
 */
long pith_poll_deadline_ts(const struct timespec *ts, uint64_t *deadline);

/* Time left until deadline (0 when passed), for the timeouts Linux writes back. */
uint64_t pith_poll_left_ns(uint64_t deadline);

/*
 * The sigmask arguments of ppoll/pselect6/epoll_pwait: checked as Linux does (size must be 8:
 * -EINVAL; the set readable: -EFAULT).
 */
long pith_poll_sigmask_check(const void *set, unsigned long size);

/*
 * Apply a checked sigmask (NULL: none) for the wait, and end it with the wait's result: the
 * caller's mask comes back now, or, after -EINTR, once the handlers have run (signal(7); Linux's
 * restore_saved_sigmask_unless). Without the signal component no handler exists: nothing to do.
 */
void pith_poll_sigmask_begin(const void *set);
long pith_poll_sigmask_end(const void *set, long ret);

#endif
