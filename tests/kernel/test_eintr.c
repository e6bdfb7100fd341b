/* Host test: blocking pipe, poll, select, epoll and sleep calls interrupted by a signal (EINTR). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>

#include "core/kstate.h"
#include "fd_stubs.h"
#include "test.h"

#define MS 1000000ULL

#define SYSCALLS(X)                                                                                \
	X(read)                                                                                    \
	X(write)                                                                                   \
	X(pipe2) X(poll) X(ppoll) X(select) X(pselect6) X(epoll_create1) X(epoll_ctl)              \
	    X(epoll_wait) X(nanosleep) X(clock_nanosleep) X(close)
#define DECLARE(name) long pith_sys_##name(long a, long b, long c, long d, long e, long f);
SYSCALLS(DECLARE)

int pith_time_clock_ns(int clock, uint64_t *ns)
{
	(void)clock;
	*ns = stub_now_ns;
	return 0;
}

/* ---- A fake scheduler: the exit path with a handler that has SA_RESTART or not ------------ */

static bool sa_restart;
static int leaves, notifies;

static long fake_leave(long ret)
{
	leaves++;
	__atomic_store_n(&pith_shared.pending, 0, __ATOMIC_RELAXED); /* "the handler ran" */
	if (ret == -PITH_ERESTARTSYS && !sa_restart)
		return -EINTR;
	return ret;
}

static void fake_notify(void)
{
	notifies++;
}

static const struct pith_sched_ops fake_ops = {.leave = fake_leave, .io_notify = fake_notify};

/* The waits: the first is interrupted (time passes, a signal is pending); a later one finds the
   pipe written by "another thread". */
static int waits, wfd = -1;

static int wait_interrupted(uint64_t deadline)
{
	(void)deadline;
	if (waits++ == 0) {
		stub_now_ns += 200 * MS;
		__atomic_or_fetch(&pith_shared.pending, PITH_PENDING_SIGNAL, __ATOMIC_RELAXED);
		return -EINTR;
	}
	if (wfd >= 0)
		CHECK(SYS(write, wfd, "x", 1) == 1);
	return 0;
}

static void reset(bool restart)
{
	sa_restart = restart;
	leaves = notifies = waits = 0;
	wfd = -1;
	stub_wait_hook = wait_interrupted;
	pith_sched_ops = &fake_ops;
}

static void test_pipe_read(void)
{
	int fds[2];
	char c = 0;

	reset(false);
	CHECK(SYS(pipe2, fds, 0) == 0);
	CHECK(SYS(read, fds[0], &c, 1) == -EINTR); /* no SA_RESTART */
	CHECK(leaves == 1 && waits == 1);
	reset(true);
	wfd = fds[1];
	CHECK(SYS(read, fds[0], &c, 1) == 1); /* restarted, then the data came */
	CHECK(c == 'x' && waits == 2 && leaves == 1);
	CHECK(notifies >= 1); /* the write woke io_wait sleepers */
	SYS(close, fds[0]);
	SYS(close, fds[1]);
}

static void test_pipe_write(void)
{
	static char big[1 << 20];
	int fds[2];
	long n;

	reset(false);
	CHECK(SYS(pipe2, fds, 0) == 0);
	stub_wait_hook = NULL;
	n = SYS(write, fds[1], big, sizeof(big)); /* fills what fits: a partial count */
	CHECK(n > 0 && n < (long)sizeof(big));
	stub_wait_hook = wait_interrupted;
	CHECK(SYS(write, fds[1], big, 1) == -EINTR);
	SYS(close, fds[0]);
	SYS(close, fds[1]);
}

static void test_poll_select_epoll(void)
{
	int fds[2], ep;
	struct pollfd pfd;
	struct timespec ts = {1, 0};
	struct timeval tv = {1, 0};
	struct epoll_event ev = {.events = EPOLLIN}, out;
	fd_set rd;

	CHECK(SYS(pipe2, fds, 0) == 0);
	pfd = (struct pollfd){.fd = fds[0], .events = POLLIN};
	reset(true); /* never restarted, whatever SA_RESTART says */
	CHECK(SYS(poll, &pfd, 1, 1000) == -EINTR);
	reset(true);
	CHECK(SYS(ppoll, &pfd, 1, &ts, NULL, 8) == -EINTR);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec == (long)(800 * MS)); /* time left written back */
	reset(true);
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	CHECK(SYS(select, fds[0] + 1, &rd, NULL, NULL, &tv) == -EINTR);
	CHECK(FD_ISSET(fds[0], &rd)); /* the sets are left as they were */
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 800000);
	reset(true);
	ts = (struct timespec){1, 0};
	CHECK(SYS(pselect6, fds[0] + 1, &rd, NULL, NULL, &ts, NULL) == -EINTR);
	ep = (int)SYS(epoll_create1, 0);
	CHECK(ep >= 0);
	CHECK(SYS(epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev) == 0);
	reset(true);
	CHECK(SYS(epoll_wait, ep, &out, 1, 1000) == -EINTR);
	SYS(close, ep);
	SYS(close, fds[0]);
	SYS(close, fds[1]);
}

static void test_sleep(void)
{
	struct timespec req = {1, 0}, rem = {0};

	reset(true); /* never restarted */
	CHECK(SYS(nanosleep, &req, &rem) == -EINTR);
	CHECK(rem.tv_sec == 0 && rem.tv_nsec == (long)(800 * MS));
	reset(false);
	rem = (struct timespec){0};
	CHECK(SYS(clock_nanosleep, CLOCK_MONOTONIC, 0, &req, &rem) == -EINTR);
	CHECK(rem.tv_sec == 0 && rem.tv_nsec == (long)(800 * MS));
	reset(false);
	rem = (struct timespec){7, 7};
	req = (struct timespec){(time_t)(stub_now_ns / 1000000000 + 5), 0};
	CHECK(SYS(clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &req, &rem) == -EINTR);
	CHECK(rem.tv_sec == 7 && rem.tv_nsec == 7); /* absolute: rem untouched */
	reset(false);
	CHECK(SYS(nanosleep, &req, NULL) == -EINTR);
}

int main(void)
{
	test_pipe_read();
	test_pipe_write();
	test_poll_select_epoll();
	test_sleep();
	pith_sched_ops = NULL;
	return test__done();
}
