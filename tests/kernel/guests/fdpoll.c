/* Pith guest test: pipes, eventfd, poll/ppoll/select/pselect6/epoll, the fd table, open. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static int failed_with(long ret, int e)
{
	return ret == -1 && errno == e;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Elapsed ms within 10% (and 3 ms) of want. */
static bool near(uint64_t got, uint64_t want)
{
	uint64_t slack = want / 10 > 3 ? want / 10 : 3;

	return got + slack >= want && got <= want + slack;
}

static void test_pipes(void)
{
	int *volatile bad_fds = (int *)8;
	int p[2], q[2];
	char buf[8];
	struct stat st;

	CHECK(pipe(p) == 0 && write(p[1], "abc", 3) == 3 && read(p[0], buf, 8) == 3);
	CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK(failed_with(lseek(p[0], 0, SEEK_SET), ESPIPE) &&
	      failed_with(write(p[0], "x", 1), EBADF));
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && failed_with(read(p[0], buf, 8), EAGAIN));
	CHECK(close(p[1]) == 0 && read(p[0], buf, 8) == 0 && close(p[0]) == 0);
	CHECK(pipe2(q, O_NONBLOCK | O_CLOEXEC) == 0 && fcntl(q[1], F_GETFD) == FD_CLOEXEC);
	CHECK(close(q[0]) == 0 && failed_with(write(q[1], "x", 1), EPIPE) && close(q[1]) == 0);
	CHECK(failed_with(pipe2(q, 0x4000000), EINVAL) && failed_with(pipe(bad_fds), EFAULT));
	CHECK(failed_with(read(99, buf, 1), EBADF) && failed_with(close(-1), EBADF));
}

static void test_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t v = 7;

	CHECK(fd >= 0 && failed_with(read(fd, &v, 8), EAGAIN));
	CHECK(write(fd, &v, 8) == 8 && read(fd, &v, 8) == 8 && v == 7);
	CHECK(failed_with(read(fd, &v, 4), EINVAL) && close(fd) == 0);
	fd = eventfd(2, EFD_SEMAPHORE | EFD_CLOEXEC);
	CHECK(read(fd, &v, 8) == 8 && v == 1 && fcntl(fd, F_GETFD) == FD_CLOEXEC && close(fd) == 0);
}

static void test_dup(void)
{
	int p[2];
	char c;

	CHECK(pipe(p) == 0);
	int d = dup(p[1]);
	CHECK(d > p[1] && dup2(p[0], 50) == 50 && dup3(p[1], 51, O_CLOEXEC) == 51);
	CHECK(fcntl(51, F_GETFD) == FD_CLOEXEC && fcntl(50, F_GETFD) == 0);
	CHECK(failed_with(dup3(50, 50, 0), EINVAL) && failed_with(dup2(p[0], -1), EBADF));
	CHECK(fcntl(p[0], F_DUPFD, 60) == 60 && fcntl(p[0], F_DUPFD_CLOEXEC, 60) == 61);
	CHECK(close(p[1]) == 0 && write(d, "z", 1) == 1 && read(50, &c, 1) == 1 && c == 'z');
	int nb = 1;
	CHECK(ioctl(60, FIONBIO, &nb) == 0 && failed_with(read(p[0], &c, 1), EAGAIN));
	CHECK(failed_with(ioctl(60, FIONBIO, (void *)8), EFAULT));
	int fds[] = {p[0], d, 50, 51, 60, 61};
	for (int i = 0; i < 6; i++)
		CHECK(close(fds[i]) == 0);
}

static void test_poll_timeouts(void)
{
	int p[2];
	struct pollfd pf;
	fd_set r;
	struct timeval tv = {0, 100000};
	struct timespec ts = {0, 100000000};
	uint64_t t;

	CHECK(pipe(p) == 0);
	pf = (struct pollfd){p[0], POLLIN, 0};
	t = now_ms();
	CHECK(poll(&pf, 1, 0) == 0 && now_ms() - t < 5);
	t = now_ms();
	CHECK(poll(&pf, 1, 100) == 0);
	CHECKF(near(now_ms() - t, 100), "poll slept %llu ms", (unsigned long long)(now_ms() - t));
	t = now_ms();
	CHECK(ppoll(&pf, 1, &ts, NULL) == 0 && near(now_ms() - t, 100));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	t = now_ms();
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0 && near(now_ms() - t, 100));
	FD_SET(p[0], &r);
	ts = (struct timespec){0, 50000000};
	t = now_ms();
	CHECK(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL) == 0 && near(now_ms() - t, 50));
	CHECK(write(p[1], "x", 1) == 1 && poll(&pf, 1, -1) == 1 && pf.revents == POLLIN);
	FD_SET(p[0], &r);
	CHECK(select(p[0] + 1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &r));
	CHECK(failed_with(poll((struct pollfd *)8, 1, 0), EFAULT));
	FD_SET(90, &r);
	CHECK(failed_with(select(91, &r, NULL, NULL, &tv), EBADF));
	close(p[0]);
	close(p[1]);
}

static void test_epoll(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), p[2], e[2];
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = 1}, out[4];
	uint64_t t;

	CHECK(ep >= 0 && pipe2(p, O_NONBLOCK) == 0 && pipe2(e, O_NONBLOCK) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	ev = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u32 = 2};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e[0], &ev) == 0);
	t = now_ms();
	CHECK(epoll_wait(ep, out, 4, 80) == 0 && near(now_ms() - t, 80));
	CHECK(write(p[1], "a", 1) == 1 && write(e[1], "b", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 2 && epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(p[1], "a", 1) == 1 && epoll_wait(ep, out, 4, -1) == 1 && out[0].data.u32 == 1);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, e[0], &ev) == 0 &&
	      epoll_pwait(ep, out, 4, 0, NULL) == 1);
	CHECK(failed_with(epoll_ctl(ep, EPOLL_CTL_ADD, e[0], &ev), EEXIST));
	CHECK(failed_with(epoll_ctl(ep, EPOLL_CTL_DEL, 1234, &ev), EBADF));
	CHECK(failed_with(epoll_wait(ep, out, 0, 0), EINVAL));
	CHECK(close(e[0]) == 0 && close(e[1]) == 0 && close(p[0]) == 0 && close(p[1]) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0 && close(ep) == 0);
}

/* /etc/resolv.conf exists only when networking is linked: this image has none. */
static void test_open(void)
{
	CHECK(failed_with(open("/etc/resolv.conf", O_RDONLY), ENOENT));
	CHECK(failed_with(open("/nope", O_RDONLY), ENOENT));
	CHECK(failed_with(open((const char *)8, O_RDONLY), EFAULT));
}

/* 1000 pipes open at once, written, closed: the kernel's memory comes back. */
static void test_no_leak(void)
{
	static int p[1000][2];
	struct sysinfo before, after;
	bool ok = true;

	for (int round = 0; round < 2; round++) {
		if (round == 1)
			sysinfo(&before);
		for (int i = 0; i < 1000; i++)
			ok &= pipe(p[i]) == 0 && write(p[i][1], "x", 1) == 1;
		for (int i = 0; i < 1000; i++)
			ok &= close(p[i][0]) == 0 && close(p[i][1]) == 0;
	}
	sysinfo(&after);
	CHECK(ok);
	CHECKF(after.freeram == before.freeram, "freeram %lu -> %lu", before.freeram,
	       after.freeram);
}

int main(void)
{
	test_pipes();
	test_eventfd();
	test_dup();
	test_poll_timeouts();
	test_epoll();
	test_open();
	test_no_leak();
	return test__done();
}
