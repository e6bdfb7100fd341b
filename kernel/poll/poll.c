/* poll and ppoll: readiness of each pollfd, waiting in pith_io_wait; the component's note. */
#include <errno.h>
#include <poll.h>

#include "core/core.h"
#include "core/note.h"
#include "fd/fd.h"
#include "poll/poll.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "time/wait.h"

PITH_COMPONENT_NOTE(poll);

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS  1000000ULL

uint64_t pith_poll_deadline_ns(uint64_t ns)
{
	uint64_t now = pith_time_monotonic_ns();

	return now + ns < now ? PITH_POLL_FOREVER : now + ns;
}

uint64_t pith_poll_deadline_ms(long ms)
{
	return ms < 0 ? PITH_POLL_FOREVER : pith_poll_deadline_ns((uint64_t)ms * NS_PER_MS);
}

long pith_poll_deadline_ts(const struct timespec *ts, uint64_t *deadline)
{
	*deadline = PITH_POLL_FOREVER;
	if (!ts)
		return 0;
	if (!pith_user_readable(ts, sizeof(*ts)))
		return -EFAULT;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NS_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec < UINT64_MAX / NS_PER_SEC)
		*deadline = pith_poll_deadline_ns((uint64_t)ts->tv_sec * NS_PER_SEC +
						  (uint64_t)ts->tv_nsec);
	return 0;
}

uint64_t pith_poll_left_ns(uint64_t deadline)
{
	uint64_t now = pith_time_monotonic_ns();

	return now < deadline ? deadline - now : 0;
}

/* Weak: linked only by programs that use signals. */
extern void pith_signal_mask_temp(uint64_t mask) __attribute__((weak));
extern void pith_signal_mask_restore(void) __attribute__((weak));

void pith_poll_sigmask_begin(const void *set)
{
	if (set && pith_signal_mask_temp)
		pith_signal_mask_temp(*(const uint64_t *)set);
}

long pith_poll_sigmask_end(const void *set, long ret)
{
	if (set && ret != -EINTR && pith_signal_mask_restore)
		pith_signal_mask_restore();
	return ret;
}

long pith_poll_sigmask_check(const void *set, unsigned long size)
{
	if (!set)
		return 0;
	if (size != 8)
		return -EINVAL;
	return pith_user_readable(set, size) ? 0 : -EFAULT;
}

static short pollfd_revents(const struct pollfd *p)
{
	struct pith_file *f;

	if (p->fd < 0)
		return 0;
	f = pith_fd_get(p->fd);
	if (!f)
		return POLLNVAL;
	return (short)(pith_file_poll(f) & ((unsigned short)p->events | POLLERR | POLLHUP));
}

/* Fills every revents; loops in pith_io_wait until one is non-zero or the deadline passed;
   -EINTR when a signal is to be delivered. */
static long do_poll(struct pollfd *fds, unsigned long nfds, uint64_t deadline)
{
	if (nfds > PITH_FD_MAX)
		return -EINVAL; /* Linux: more than RLIMIT_NOFILE */
	if (!pith_user_writable(fds, nfds * sizeof(*fds)))
		return -EFAULT;
	for (;;) {
		long n = 0;

		for (unsigned long i = 0; i < nfds; i++) {
			fds[i].revents = pollfd_revents(&fds[i]);
			n += fds[i].revents != 0;
		}
		if (n || pith_time_monotonic_ns() >= deadline)
			return n;
		if (pith_io_wait(deadline))
			return -EINTR; /* never restarted (signal(7)) */
	}
}

PITH_SYSCALL3(poll, struct pollfd *, fds, unsigned long, nfds, int, timeout_ms)
{
	return do_poll(fds, nfds, pith_poll_deadline_ms(timeout_ms));
}

/* As Linux, the time left is written back into *tsp (also when interrupted). */
PITH_SYSCALL5(ppoll, struct pollfd *, fds, unsigned long, nfds, struct timespec *, tsp,
	      const void *, sigmask, unsigned long, sigsetsize)
{
	uint64_t deadline, left;
	long n = pith_poll_sigmask_check(sigmask, sigsetsize);

	if (!n)
		n = pith_poll_deadline_ts(tsp, &deadline);
	if (n)
		return n;
	pith_poll_sigmask_begin(sigmask);
	n = pith_poll_sigmask_end(sigmask, do_poll(fds, nfds, deadline));
	if (tsp && (n >= 0 || n == -EINTR) && pith_user_writable(tsp, sizeof(*tsp))) {
		left = pith_poll_left_ns(deadline);
		tsp->tv_sec = (time_t)(left / NS_PER_SEC);
		tsp->tv_nsec = (long)(left % NS_PER_SEC);
	}
	return n;
}
