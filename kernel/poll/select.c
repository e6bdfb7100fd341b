/* select and pselect6: fd_set bitmaps over the same readiness poll uses. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>

#include "core/core.h"
#include "fd/fd.h"
#include "mem/mem.h"
#include "poll/poll.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "time/wait.h"

#define NS_PER_SEC 1000000000ULL
#define NWORDS	   (PITH_FD_MAX / 64)

/* Which readiness counts for each set (Linux's POLLIN_SET, POLLOUT_SET, POLLEX_SET). */
static const pith_events_t set_events[3] = {
    EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR,
    EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR,
    EPOLLPRI,
};

/* The three user sets (any may be NULL), their bytes (whole longs, as Linux copies them). */
struct sel {
	uint64_t *user[3];
	uint64_t in[3][NWORDS], out[3][NWORDS];
	int nfds;
	size_t bytes;
};

static long sel_load(struct sel *s)
{
	for (int k = 0; k < 3; k++) {
		memset(s->in[k], 0, sizeof(s->in[k]));
		if (!s->user[k])
			continue;
		if (!pith_user_writable(s->user[k], s->bytes))
			return -EFAULT;
		memcpy(s->in[k], s->user[k], s->bytes);
	}
	for (int fd = 0; fd < s->nfds; fd++) {
		uint64_t bit = 1ULL << (fd % 64);
		bool asked = (s->in[0][fd / 64] | s->in[1][fd / 64] | s->in[2][fd / 64]) & bit;

		if (asked && !pith_fd_get(fd))
			return -EBADF;
	}
	return 0;
}

/* Fills the out sets; the number of bits set in them. */
static long sel_scan(struct sel *s)
{
	long n = 0;

	memset(s->out, 0, sizeof(s->out));
	for (int fd = 0; fd < s->nfds; fd++) {
		uint64_t bit = 1ULL << (fd % 64);
		int w = fd / 64;
		pith_events_t ev;

		if (!((s->in[0][w] | s->in[1][w] | s->in[2][w]) & bit))
			continue;
		ev = pith_file_poll(pith_fd_get(fd));
		for (int k = 0; k < 3; k++) {
			if ((s->in[k][w] & bit) && (ev & set_events[k])) {
				s->out[k][w] |= bit;
				n++;
			}
		}
	}
	return n;
}

static long do_select(struct sel *s, uint64_t deadline)
{
	long n;

	if (s->nfds < 0)
		return -EINVAL;
	if (s->nfds > PITH_FD_MAX)
		s->nfds = PITH_FD_MAX; /* Linux clamps to the fd table's size */
	s->bytes = (size_t)(s->nfds + 63) / 64 * 8;
	n = sel_load(s);
	if (n)
		return n;
	while (!(n = sel_scan(s)) && pith_time_monotonic_ns() < deadline)
		if (pith_io_wait(deadline))
			return -EINTR; /* never restarted (signal(7)); the sets stay as they were */
	for (int k = 0; k < 3; k++)
		if (s->user[k])
			memcpy(s->user[k], s->out[k], s->bytes);
	return n;
}

/* One select over the user sets; its state is per call: several threads may wait at once. */
static long run_select(int nfds, void *in, void *out, void *ex, uint64_t deadline)
{
	struct sel *s = pith_kmalloc(sizeof(*s));
	long n;

	if (!s)
		return -ENOMEM;
	s->nfds = nfds;
	s->user[0] = in;
	s->user[1] = out;
	s->user[2] = ex;
	n = do_select(s, deadline);
	pith_kfree(s, sizeof(*s));
	return n;
}

/* As Linux, the time left is written back into *tv (also when interrupted). */
PITH_SYSCALL5(select, int, nfds, fd_set *, in, fd_set *, out, fd_set *, ex, struct timeval *, tv)
{
	uint64_t deadline = PITH_POLL_FOREVER, left;
	long n;

	if (tv) {
		if (!pith_user_writable(tv, sizeof(*tv)))
			return -EFAULT;
		if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
			return -EINVAL;
		if ((uint64_t)tv->tv_sec < UINT64_MAX / NS_PER_SEC)
			deadline = pith_poll_deadline_ns((uint64_t)tv->tv_sec * NS_PER_SEC +
							 (uint64_t)tv->tv_usec * 1000);
	}
	n = run_select(nfds, in, out, ex, deadline);
	if (tv && (n >= 0 || n == -EINTR)) {
		left = pith_poll_left_ns(deadline);
		tv->tv_sec = (time_t)(left / NS_PER_SEC);
		tv->tv_usec = (long)(left % NS_PER_SEC / 1000);
	}
	return n;
}

/* The sixth argument: {const sigset_t *set; size_t size}; *set gets the checked set or NULL. */
static long sigarg_check(const void *arg, const void **set)
{
	const struct {
		const void *set;
		unsigned long size;
	} *a = arg;
	long err;

	*set = NULL;
	if (!a)
		return 0;
	if (!pith_user_readable(a, sizeof(*a)))
		return -EFAULT;
	err = pith_poll_sigmask_check(a->set, a->size);
	if (!err)
		*set = a->set;
	return err;
}

PITH_SYSCALL6(pselect6, int, nfds, fd_set *, in, fd_set *, out, fd_set *, ex, struct timespec *, ts,
	      const void *, sig)
{
	uint64_t deadline, left;
	const void *set = NULL;
	long n = pith_poll_deadline_ts(ts, &deadline);

	if (!n)
		n = sigarg_check(sig, &set);
	if (n)
		return n;
	pith_poll_sigmask_begin(set);
	n = pith_poll_sigmask_end(set, run_select(nfds, in, out, ex, deadline));
	if (ts && (n >= 0 || n == -EINTR) && pith_user_writable(ts, sizeof(*ts))) {
		left = pith_poll_left_ns(deadline);
		ts->tv_sec = (time_t)(left / NS_PER_SEC);
		ts->tv_nsec = (long)(left % NS_PER_SEC);
	}
	return n;
}
