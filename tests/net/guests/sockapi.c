/* The socket API from inside a guest without a NIC: argument checks, options, UDP over loopback. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

/* The call fails with errno e. */
#define CHECK_ERR(expr, e)                                                                         \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(expr);                                                            \
		int e_ = errno;                                                                    \
		CHECKF(r_ == -1 && e_ == (e), "%s: got %ld errno %d (%s), want " #e, #expr, r_,    \
		       e_, strerror(e_));                                                          \
	} while (0)

#define CHECK_OK(expr)                                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(expr);                                                            \
		int e_ = errno;                                                                    \
		CHECKF(r_ >= 0, "%s: got %ld errno %d (%s)", #expr, r_, e_, strerror(e_));         \
	} while (0)

#define BAD_PTR ((void *)16) /* page 0 is never mapped */
#define SA(p)	((struct sockaddr *)(p))

static struct sockaddr_in loop_addr(uint16_t port)
{
	return (struct sockaddr_in){.sin_family = AF_INET,
				    .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
}

/* A UDP socket bound to 127.0.0.1 on an ephemeral port; its address in *a. */
static int udp_bound(struct sockaddr_in *a, int flags)
{
	int fd = socket(AF_INET, SOCK_DGRAM | flags, 0);
	socklen_t len = sizeof(*a);

	*a = loop_addr(0);
	CHECK_OK(bind(fd, SA(a), sizeof(*a)));
	CHECK_OK(getsockname(fd, SA(a), &len));
	return fd;
}

static void test_socket_create(void)
{
	int fd;

	CHECK_ERR(socket(AF_INET6, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_STREAM | 0x100, 0), EINVAL);
	CHECK_ERR(socket(AF_INET, 11, 0), EINVAL);
	CHECK_ERR(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	CHECK_ERR(socket(AF_INET, SOCK_DGRAM, -1), EINVAL);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	CHECK(fd >= 3);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_OK(close(fd));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 3);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK_OK(close(fd));
}

static void test_bad_fds(void)
{
	struct sockaddr_in a = loop_addr(0);
	socklen_t len = sizeof(a);
	int p[2], v = 1;
	char c;

	CHECK_OK(pipe(p));
	CHECK_ERR(bind(p[0], SA(&a), sizeof(a)), ENOTSOCK);
	CHECK_ERR(connect(p[0], SA(&a), sizeof(a)), ENOTSOCK);
	CHECK_ERR(listen(p[0], 1), ENOTSOCK);
	CHECK_ERR(accept(p[0], NULL, NULL), ENOTSOCK);
	CHECK_ERR(getsockname(p[1], SA(&a), &len), ENOTSOCK);
	CHECK_ERR(getpeername(p[1], SA(&a), &len), ENOTSOCK);
	CHECK_ERR(setsockopt(p[1], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), ENOTSOCK);
	CHECK_ERR(sendto(p[1], "x", 1, 0, NULL, 0), ENOTSOCK);
	CHECK_ERR(recvfrom(p[0], &c, 1, 0, NULL, NULL), ENOTSOCK);
	CHECK_ERR(shutdown(p[0], SHUT_RD), ENOTSOCK);
	CHECK_ERR(send(1, "x", 1, 0), ENOTSOCK);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(bind(999, SA(&a), sizeof(a)), EBADF);
	CHECK_ERR(listen(-1, 1), EBADF);
	CHECK_ERR(accept4(999, NULL, NULL, 0), EBADF);
	/* flags are checked first (musl's accept4 retries a plain accept on EINVAL) */
	CHECK_ERR(syscall(SYS_accept4, 999, NULL, NULL, 0x1), EINVAL);
	CHECK_ERR(getsockopt(999, SOL_SOCKET, SO_TYPE, &v, &len), EBADF);
	CHECK_ERR(recv(999, &c, 1, 0), EBADF);
}

static void test_bind(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = loop_addr(0), b;
	socklen_t len = sizeof(b);

	CHECK_ERR(bind(fd, SA(&a), 8), EINVAL);
	CHECK_ERR(bind(fd, SA(&a), 200), EINVAL);
	CHECK_ERR(bind(fd, SA(&a), -1), EINVAL);
	CHECK_ERR(bind(fd, BAD_PTR, sizeof(a)), EFAULT);
	a.sin_family = AF_INET6;
	CHECK_ERR(bind(fd, SA(&a), sizeof(a)), EAFNOSUPPORT);
	a = loop_addr(0);
	a.sin_addr.s_addr = htonl(0x0a090909); /* 10.9.9.9: not ours */
	CHECK_ERR(bind(fd, SA(&a), sizeof(a)), EADDRNOTAVAIL);
	a = loop_addr(0);
	CHECK_OK(bind(fd, SA(&a), sizeof(a)));
	CHECK_ERR(bind(fd, SA(&a), sizeof(a)), EINVAL);
	CHECK_OK(getsockname(fd, SA(&b), &len));
	CHECK(len == sizeof(b) && b.sin_family == AF_INET);
	CHECK(b.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(b.sin_port) >= 1024);
	CHECK_ERR(getpeername(fd, SA(&b), &len), ENOTCONN);
	CHECK_ERR(shutdown(fd, 3), EINVAL);
	CHECK_ERR(shutdown(fd, SHUT_RDWR), ENOTCONN);
	close(fd);
}

static void test_bind_conflict(void)
{
	struct sockaddr_in a;
	int one = 1, fd1 = udp_bound(&a, 0), fd2 = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK_ERR(bind(fd2, SA(&a), sizeof(a)), EADDRINUSE);
	CHECK_OK(setsockopt(fd1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK_OK(setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK_OK(bind(fd2, SA(&a), sizeof(a)));
	close(fd1);
	close(fd2);
}

static void test_names(void)
{
	struct sockaddr_in a;
	unsigned char buf[32];
	int fd = udp_bound(&a, 0);
	socklen_t len = 4;

	memset(buf, 0xaa, sizeof(buf));
	CHECK_OK(getsockname(fd, SA(buf), &len)); /* truncated: 4 bytes, the full length back */
	CHECK(len == sizeof(struct sockaddr_in));
	CHECK(memcmp(buf, &a, 4) == 0 && buf[4] == 0xaa);
	len = (socklen_t)-1;
	CHECK_ERR(getsockname(fd, SA(buf), &len), EINVAL);
	CHECK_ERR(getsockname(fd, SA(buf), BAD_PTR), EFAULT);
	len = sizeof(a);
	CHECK_ERR(getsockname(fd, BAD_PTR, &len), EFAULT);
	close(fd);
}

static void test_getsockopt(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), v = 0;
	socklen_t len = sizeof(v);
	unsigned char b[8];

	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_DGRAM);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == AF_INET);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0 && v == IPPROTO_UDP);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 0);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0 && len == 4);
	memset(b, 0xaa, sizeof(b));
	len = 2;
	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, b, &len) == 0 && len == 2);
	CHECK(b[0] == SOCK_DGRAM && b[1] == 0 && b[2] == 0xaa);
	len = (socklen_t)-1;
	CHECK_ERR(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len), EINVAL);
	CHECK_ERR(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, NULL), EFAULT);
	len = sizeof(v);
	CHECK_ERR(getsockopt(fd, SOL_SOCKET, SO_TYPE, BAD_PTR, &len), EFAULT);
	CHECK_ERR(getsockopt(fd, SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	len = sizeof(v);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0 && v == IPPROTO_TCP);
	close(fd);
}

static void test_setsockopt(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), v = 1;
	struct timeval tv = {1, 500000}, got;
	socklen_t len = sizeof(v);

	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	v = 0;
	CHECK(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len) == 0 && v == 1);
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, -1), EINVAL);
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof(v)), EFAULT);
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_TYPE, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERR(setsockopt(fd, 9999, 1, &v, sizeof(v)), ENOPROTOOPT);
	v = 10000;
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 && v == 20000);
	CHECK_OK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	len = sizeof(got);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 && len == sizeof(got));
	CHECK(got.tv_sec == 1 && got.tv_usec == 500000);
	tv.tv_usec = 1000000;
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), EDOM);
	CHECK_ERR(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, 8), EINVAL);
	close(fd);
}

static void test_tcp_listen(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), v = 0, u;
	struct sockaddr_in a = {.sin_family = AF_INET}, peer; /* INADDR_ANY: TCP has no loopback */
	socklen_t len = sizeof(peer);

	CHECK_OK(bind(fd, SA(&a), sizeof(a)));
	CHECK_OK(listen(fd, 8));
	CHECK_ERR(accept(fd, SA(&peer), &len), EAGAIN);
	CHECK_ERR(accept4(fd, NULL, NULL, SOCK_NONBLOCK), EAGAIN);
	CHECK_ERR(accept(fd, SA(&peer), BAD_PTR), EAGAIN); /* the address is copied last */
	len = sizeof(v);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1);
	close(fd);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_ERR(listen(u, 1), EOPNOTSUPP);
	CHECK_ERR(accept(u, NULL, NULL), EOPNOTSUPP);
	close(u);
}

static void test_udp_no_route(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = loop_addr(9);

	a.sin_addr.s_addr = htonl(0x0a000001); /* 10.0.0.1: no NIC, no route */
	CHECK_ERR(sendto(fd, "x", 1, 0, SA(&a), sizeof(a)), ENETUNREACH);
	a.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	CHECK_ERR(sendto(fd, "x", 1, 0, SA(&a), sizeof(a)), EACCES); /* no SO_BROADCAST */
	CHECK_ERR(sendto(fd, "x", 1, 0, SA(&a), 8), EINVAL);
	a.sin_family = AF_INET6;
	CHECK_ERR(sendto(fd, "x", 1, 0, SA(&a), sizeof(a)), EAFNOSUPPORT);
	CHECK_ERR(send(fd, "x", 1, 0), EDESTADDRREQ);
	a = loop_addr(0);
	CHECK_ERR(sendto(fd, "x", 1, 0, SA(&a), sizeof(a)), EINVAL); /* port 0 */
	a = loop_addr(9);
	CHECK_ERR(sendto(fd, NULL, 10, 0, SA(&a), sizeof(a)), EFAULT);
	close(fd);
}

static void test_udp_loopback(void)
{
	struct sockaddr_in a, b, from;
	int ra = udp_bound(&a, SOCK_NONBLOCK), sb = udp_bound(&b, 0), n = 0;
	socklen_t flen = sizeof(from);
	char buf[64];

	CHECK_ERR(recv(ra, buf, sizeof(buf), 0), EAGAIN);
	CHECK_ERR(recv(sb, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK(sendto(sb, "hello", 5, 0, SA(&a), sizeof(a)) == 5);
	CHECK(ioctl(ra, FIONREAD, &n) == 0 && n == 5);
	CHECK(recv(ra, buf, sizeof(buf), MSG_PEEK) == 5);
	CHECK(recvfrom(ra, buf, sizeof(buf), 0, SA(&from), &flen) == 5 && !memcmp(buf, "hello", 5));
	CHECK(flen == sizeof(from) && from.sin_port == b.sin_port);
	CHECK(from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	CHECK(sendto(sb, "", 0, 0, SA(&a), sizeof(a)) == 0); /* an empty datagram is one too */
	CHECK(recv(ra, buf, sizeof(buf), 0) == 0);
	CHECK(sendto(sb, "lost", 4, 0, SA(&a), sizeof(a)) == 4);
	CHECK_ERR(recvfrom(ra, buf, sizeof(buf), 0, SA(&from), BAD_PTR), EFAULT);
	CHECK_ERR(recv(ra, buf, sizeof(buf), 0), EAGAIN); /* as Linux: that datagram is gone */
	close(ra);
	close(sb);
}

static void test_udp_msg(void)
{
	struct sockaddr_in a, b, from;
	int ra = udp_bound(&a, SOCK_NONBLOCK), sb = udp_bound(&b, 0);
	char x[4], y[4];
	struct iovec out[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}}, in[2] = {{x, 4}, {y, 4}};
	struct msghdr m = {
	    .msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = out, .msg_iovlen = 3};

	CHECK(sendmsg(sb, &m, 0) == 8);
	m = (struct msghdr){
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = in, .msg_iovlen = 2};
	CHECK(recvmsg(ra, &m, 0) == 8);
	CHECK(!memcmp(x, "abcd", 4) && !memcmp(y, "efgh", 4) && m.msg_flags == 0);
	CHECK(m.msg_namelen == sizeof(from) && from.sin_port == b.sin_port);
	CHECK(sendto(sb, "0123456789", 10, 0, SA(&a), sizeof(a)) == 10);
	m = (struct msghdr){.msg_iov = in, .msg_iovlen = 1};
	CHECK(recvmsg(ra, &m, MSG_TRUNC) == 10); /* the real length, 4 bytes copied */
	CHECK((m.msg_flags & MSG_TRUNC) && !memcmp(x, "0123", 4));
	m.msg_iovlen = 2000;
	CHECK_ERR(recvmsg(ra, &m, 0), EMSGSIZE);
	close(ra);
	close(sb);
}

static void test_udp_connected(void)
{
	struct sockaddr_in a, b, p;
	int ra = udp_bound(&a, 0), sb = udp_bound(&b, 0), c;
	socklen_t len = sizeof(p);
	char buf[8];

	CHECK_OK(connect(sb, SA(&a), sizeof(a)));
	CHECK(getpeername(sb, SA(&p), &len) == 0 && p.sin_port == a.sin_port);
	CHECK(write(sb, "w", 1) == 1);
	CHECK(read(ra, buf, sizeof(buf)) == 1 && buf[0] == 'w');
	CHECK_OK(shutdown(sb, SHUT_WR));
	CHECK_ERR(write(sb, "w", 1), EPIPE);
	close(ra); /* nobody on a's port now: the next send is refused */
	c = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_OK(connect(c, SA(&a), sizeof(a)));
	CHECK(send(c, "x", 1, 0) == 1);
	CHECK_ERR(recv(c, buf, sizeof(buf), MSG_DONTWAIT), ECONNREFUSED);
	a.sin_family = AF_UNSPEC;
	CHECK_OK(connect(c, SA(&a), sizeof(a)));
	CHECK_ERR(getpeername(c, SA(&p), &len), ENOTCONN);
	close(c);
	close(sb);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_udp_timeout_and_rcvbuf(void)
{
	struct sockaddr_in a, b;
	int ra = udp_bound(&a, 0), sb = udp_bound(&b, 0), v = 1, got = 0;
	struct timeval tv = {0, 100000};
	char big[1000] = {0};
	uint64_t t0;

	CHECK_OK(setsockopt(ra, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = now_ms();
	CHECK_ERR(recv(ra, big, sizeof(big), 0), EAGAIN);
	CHECKF(now_ms() - t0 >= 90, "SO_RCVTIMEO waited %llu ms",
	       (unsigned long long)(now_ms() - t0));
	CHECK_OK(setsockopt(ra, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v))); /* the minimum: 2304 */
	for (int i = 0; i < 10; i++)
		CHECK(sendto(sb, big, sizeof(big), 0, SA(&a), sizeof(a)) == (long)sizeof(big));
	while (recv(ra, big, sizeof(big), MSG_DONTWAIT) == (long)sizeof(big))
		got++;
	CHECKF(got >= 1 && got < 10, "%d of 10 datagrams queued under SO_RCVBUF 2304", got);
	close(ra);
	close(sb);
}

static void test_resolver_files(void)
{
	char buf[256] = {0};
	int fd = open("/etc/hosts", O_RDONLY);

	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strstr(buf, "localhost"));
	close(fd);
	fd = open("/etc/resolv.conf", O_RDONLY);
	CHECK(fd >= 0); /* empty without a NIC: musl then asks 127.0.0.1 */
	close(fd);
}

int main(void)
{
	test_socket_create();
	test_bad_fds();
	test_bind();
	test_bind_conflict();
	test_names();
	test_getsockopt();
	test_setsockopt();
	test_tcp_listen();
	test_udp_no_route();
	test_udp_loopback();
	test_udp_msg();
	test_udp_connected();
	test_udp_timeout_and_rcvbuf();
	test_resolver_files();
	return test__done();
}
