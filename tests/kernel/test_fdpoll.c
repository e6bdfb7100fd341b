/* Host test: the fd layer, pipes, eventfd, poll/select and epoll's ready list, with a fake clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>

#include "fd/fd.h"
#include "fd/internal.h"
#include "fd_stubs.h"
#include "test.h"

#define SYSCALLS(X)                                                                                \
	X(read)                                                                                    \
	X(write)                                                                                   \
	X(close)                                                                                   \
	X(dup)                                                                                     \
	X(dup2) X(dup3) X(fcntl) X(ioctl) X(fstat) X(lseek) X(pipe2) X(eventfd2) X(poll) X(select) \
	    X(epoll_create1) X(epoll_ctl) X(epoll_wait) X(pread64)
#define DECLARE(name) long pith_sys_##name(long a, long b, long c, long d, long e, long f);
SYSCALLS(DECLARE)

static void pipe_(int fds[2], int flags)
{
	CHECK(SYS(pipe2, fds, flags) == 0);
}

static void test_pipe_basics(void)
{
	int p[2];
	char buf[16];

	pipe_(p, O_NONBLOCK);
	CHECK(p[0] == 3 && p[1] == 4);
	CHECK(SYS(read, p[0], buf, 4) == -EAGAIN);
	CHECK(SYS(write, p[1], "hello", 5) == 5 && SYS(read, p[0], buf, 16) == 5);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK(SYS(write, p[0], "x", 1) == -EBADF && SYS(read, p[1], buf, 1) == -EBADF);
	CHECK(SYS(lseek, p[0], 0, SEEK_SET) == -ESPIPE && SYS(pread64, p[0], buf, 1, 0) == -ESPIPE);
	CHECK(SYS(write, p[1], "ab", 2) == 2 && SYS(close, p[1]) == 0);
	CHECK(SYS(read, p[0], buf, 16) == 2 && SYS(read, p[0], buf, 16) == 0); /* EOF */
	pipe_(p + 0, 0);
	CHECK(SYS(close, p[0]) == 0 && SYS(write, p[1], "x", 1) == -EPIPE);
	CHECK(SYS(close, p[1]) == 0 && SYS(close, 3) == 0);
	CHECK(SYS(pipe2, p, O_DIRECT) == -EINVAL && SYS(pipe2, 0, 0) == -EFAULT);
}

/* 64 KiB fill exactly; a PIPE_BUF write is all or nothing; wrap-around keeps the order. */
static void test_pipe_capacity(void)
{
	static char big[70000], back[70000];
	int p[2], n = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	pipe_(p, O_NONBLOCK);
	CHECK(SYS(write, p[1], big, sizeof(big)) == 65536);
	CHECK(SYS(write, p[1], big, 1) == -EAGAIN);
	CHECK(SYS(read, p[0], back, 100) == 100);
	CHECK(SYS(write, p[1], big, 200) == -EAGAIN);	   /* 100 free < 200 <= PIPE_BUF */
	CHECK(SYS(write, p[1], big + 65536, 4400) == 100); /* > PIPE_BUF: partial */
	CHECK(SYS(ioctl, p[0], FIONREAD, &n) == 0 && n == 65536);
	CHECK(SYS(read, p[0], back + 100, sizeof(back)) == 65536);
	CHECK(!memcmp(back, big, 65636)); /* in order across the wrap */
	SYS(close, p[0]);
	SYS(close, p[1]);
}

/* The buffer grows as data waits; what was in it keeps its order across each move. */
static void test_pipe_growth(void)
{
	static char src[40000], dst[40000];
	int p[2];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 13 + 1);
	pipe_(p, O_NONBLOCK);
	CHECK(SYS(write, p[1], src, 3000) == 3000 && SYS(read, p[0], dst, 2500) == 2500);
	CHECK(SYS(write, p[1], src + 3000, 3000) == 3000);   /* wraps the 4 KiB buffer */
	CHECK(SYS(write, p[1], src + 6000, 34000) == 34000); /* moves into a 64 KiB one */
	CHECK(SYS(read, p[0], dst + 2500, sizeof(dst)) == 37500 && !memcmp(src, dst, sizeof(src)));
	SYS(close, p[0]);
	SYS(close, p[1]);
}

static void test_eventfd(void)
{
	uint64_t v = 3, r = 0;
	int fd = (int)SYS(eventfd2, 2, EFD_NONBLOCK | EFD_SEMAPHORE);
	struct stat st;

	CHECK(fd >= 0 && SYS(write, fd, &v, 8) == 8);
	CHECK(SYS(read, fd, &r, 8) == 8 && r == 1 && SYS(read, fd, &r, 4) == -EINVAL);
	v = UINT64_MAX;
	CHECK(SYS(write, fd, &v, 8) == -EINVAL);
	v = UINT64_MAX - 1;
	CHECK(SYS(write, fd, &v, 8) == -EAGAIN); /* 4 + that would pass the maximum */
	CHECK(SYS(fstat, fd, &st) == 0 && (st.st_mode & S_IFMT) == 0 &&
	      (st.st_mode & 0777) == 0600);
	SYS(close, fd);
	fd = (int)SYS(eventfd2, 5, EFD_NONBLOCK);
	CHECK(SYS(read, fd, &r, 8) == 8 && r == 5 && SYS(read, fd, &r, 8) == -EAGAIN);
	CHECK(SYS(eventfd2, 0, 0x1234) == -EINVAL);
	SYS(close, fd);
}

static void test_dup_fcntl(void)
{
	int p[2];
	struct stat st;

	pipe_(p, O_CLOEXEC);
	CHECK(SYS(fcntl, p[0], F_GETFD) == FD_CLOEXEC && SYS(fcntl, p[0], F_GETFL) == O_RDONLY);
	CHECK(SYS(fcntl, p[0], F_SETFL, O_NONBLOCK | O_APPEND) == 0);
	CHECK(SYS(fcntl, p[0], F_GETFL) == (O_RDONLY | O_NONBLOCK | O_APPEND));
	CHECK(SYS(dup, p[0]) == 5 && SYS(fcntl, 5, F_GETFD) == 0);
	CHECK(SYS(fcntl, p[0], F_DUPFD_CLOEXEC, 10) == 10 && SYS(fcntl, 10, F_GETFD) == FD_CLOEXEC);
	CHECK(SYS(fcntl, p[0], F_DUPFD, 4096) == -EINVAL && SYS(fcntl, 99, F_GETFD) == -EBADF);
	CHECK(SYS(dup2, 5, 5) == 5 && SYS(dup2, 99, 5) == -EBADF && SYS(dup3, 5, 5, 0) == -EINVAL);
	CHECK(SYS(dup3, p[1], 5, O_CLOEXEC) == 5 && SYS(fcntl, 5, F_GETFD) == FD_CLOEXEC);
	CHECK(SYS(dup3, 3, 6, 1) == -EINVAL && SYS(dup2, 3, 4096) == -EBADF);
	CHECK(SYS(fstat, 5, &st) == 0 && S_ISFIFO(st.st_mode) && SYS(fstat, 5, 0) == -EFAULT);
	CHECK(SYS(ioctl, 5, FIONCLEX) == 0 && SYS(fcntl, 5, F_GETFD) == 0);
	CHECK(SYS(ioctl, 5, TIOCGWINSZ, &st) == -ENOTTY);
	/* The write end lives on at fd 5 after closing 4: still no EOF for the reader. */
	CHECK(SYS(close, p[1]) == 0 && SYS(write, 5, "q", 1) == 1);
	CHECK(SYS(read, 10, &st, 8) == 1 && SYS(read, 10, &st, 8) == -EAGAIN);
	CHECK(SYS(close, 5) == 0 && SYS(read, 10, &st, 8) == 0);
	SYS(close, p[0]);
	SYS(close, 10);
}

/* poll, select and their timeouts, on the fake clock. */
static void test_poll_select(void)
{
	int p[2];
	struct pollfd pf[3];
	fd_set r, w;
	struct timeval tv = {1, 500000};
	uint64_t t0;

	pipe_(p, O_NONBLOCK);
	pf[0] = (struct pollfd){p[0], POLLIN, 0};
	pf[1] = (struct pollfd){p[1], POLLOUT, 0};
	pf[2] = (struct pollfd){77, POLLIN, 0};
	CHECK(SYS(poll, pf, 3, 0) == 2 && pf[0].revents == 0 && pf[1].revents == POLLOUT &&
	      pf[2].revents == POLLNVAL);
	t0 = stub_now_ns;
	CHECK(SYS(poll, pf, 1, 250) == 0 && stub_now_ns - t0 == 250000000);
	SYS(write, p[1], "z", 1);
	CHECK(SYS(poll, pf, 1, -1) == 1 && pf[0].revents == POLLIN);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[1], &r);
	CHECK(SYS(select, p[1] + 1, &r, &w, 0, &tv) == 2);
	CHECK(FD_ISSET(p[0], &r) && !FD_ISSET(p[1], &r) && FD_ISSET(p[1], &w));
	CHECK(tv.tv_sec == 1 && tv.tv_usec == 500000); /* nothing waited */
	FD_ZERO(&r);
	FD_SET(9, &r);
	CHECK(SYS(select, 10, &r, 0, 0, &tv) == -EBADF);
	SYS(close, p[0]);
	SYS(close, p[1]);
}

static long ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};

	return SYS(epoll_ctl, ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Level, edge and one-shot triggering; the registration dies with the file's last close. */
static void test_epoll_modes(void)
{
	int ep = (int)SYS(epoll_create1, 0), lt[2], et[2], os[2];
	struct epoll_event out[8];
	char c;

	pipe_(lt, O_NONBLOCK);
	pipe_(et, O_NONBLOCK);
	pipe_(os, O_NONBLOCK);
	CHECK(ep_add(ep, lt[0], EPOLLIN, 1) == 0 && ep_add(ep, et[0], EPOLLIN | EPOLLET, 2) == 0);
	CHECK(ep_add(ep, os[0], EPOLLIN | EPOLLONESHOT, 3) == 0);
	CHECK(ep_add(ep, lt[0], EPOLLIN, 1) == -EEXIST && ep_add(ep, ep, EPOLLIN, 0) == -EINVAL);
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 0);
	SYS(write, lt[1], "ab", 2);
	SYS(write, et[1], "ab", 2);
	SYS(write, os[1], "ab", 2);
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 3);
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 1 && out[0].data.u64 == 1); /* only LT again */
	SYS(write, et[1], "c", 1);					    /* a new edge */
	SYS(write, os[1], "c", 1);					    /* disabled until MOD */
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 2);
	SYS(read, lt[0], &c, 1);
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 1); /* one byte left: still readable */
	SYS(read, lt[0], &c, 1);
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 0);
	struct epoll_event mod = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 33};
	CHECK(SYS(epoll_ctl, ep, EPOLL_CTL_MOD, os[0], &mod) == 0);
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 1 && out[0].data.u64 == 33);
	/* closing the write end: the reader sees EPOLLHUP */
	SYS(close, lt[1]);
	CHECK(SYS(epoll_wait, ep, out, 8, 0) == 1 && out[0].events == EPOLLHUP);
	/* closing the last fd of a registered file drops the registration */
	long live = stub_kmalloc_live;
	SYS(close, lt[0]);
	CHECK(stub_kmalloc_live < live - 1); /* the item and the file went */
	CHECK(SYS(epoll_ctl, ep, EPOLL_CTL_DEL, lt[0], 0) == -EBADF);
	CHECK(SYS(epoll_ctl, ep, EPOLL_CTL_DEL, et[0], 0) == 0);
	CHECK(SYS(epoll_ctl, ep, EPOLL_CTL_DEL, et[0], 0) == -ENOENT);
	uint64_t t0 = stub_now_ns;
	CHECK(SYS(epoll_wait, ep, out, 8, 40) == 0 && stub_now_ns - t0 == 40000000);
	CHECK(SYS(epoll_wait, ep, out, 0, 0) == -EINVAL &&
	      SYS(epoll_wait, 0, out, 1, 0) == -EINVAL);
	CHECK(SYS(epoll_create1, 5) == -EINVAL);
	int fds[] = {ep, et[0], et[1], os[0], os[1]};
	for (int i = 0; i < 5; i++)
		SYS(close, fds[i]);
}

/* 1000 registrations, one ready: epoll_wait finds it through the ready list. */
static void test_epoll_many(void)
{
	int ep = (int)SYS(epoll_create1, EPOLL_CLOEXEC), p[1000][2];
	struct epoll_event out[4];
	unsigned waits = stub_waits;
	bool ok = true;

	for (int i = 0; i < 1000; i++) {
		pipe_(p[i], O_NONBLOCK);
		ok &= ep_add(ep, p[i][0], EPOLLIN, (uint64_t)i) == 0;
	}
	CHECK(ok);
	SYS(write, p[777][1], "x", 1);
	CHECK(SYS(epoll_wait, ep, out, 4, 100) == 1 && out[0].data.u64 == 777);
	CHECK(stub_waits == waits);
	for (int i = 0; i < 1000; i++) {
		SYS(close, p[i][0]);
		SYS(close, p[i][1]);
	}
	SYS(close, ep);
}

int main(void)
{
	pith_fd_init();
	test_pipe_basics();
	test_pipe_capacity();
	test_pipe_growth();
	test_eventfd();
	test_dup_fcntl();
	test_poll_select();
	test_epoll_modes();
	test_epoll_many();
	CHECKF(stub_kmalloc_live == 0, "%ld kernel blocks leaked", stub_kmalloc_live);
	return test__done();
}
