/* The socket syscalls that create, name and connect sockets; the net component's note. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/core.h"
#include "core/note.h"
#include "net/net.h"
#include "net/socket_int.h"
#include "syscall/syscall.h"
#include "time/time.h"

PITH_COMPONENT_NOTE(net);

#define SOCK_TYPE_MASK 0xf
#define SOCK_MAX       11  /* Linux's SOCK_MAX: types 0..10 exist */
#define IPPROTO_LIMIT  263 /* Linux's IPPROTO_MAX */
#define SOMAXCONN_     4096

/* The resolver files (resolv.c) come with every image that has sockets. */
extern const char pith_resolv_linked;
const char *const pith_net_keep_resolv = &pith_resolv_linked;

int pith_sock_file(int fd, struct pith_file **f)
{
	struct pith_file *file = pith_fd_get(fd);

	if (!file)
		return -EBADF;
	if (!file->ops->sock)
		return -ENOTSOCK;
	*f = file;
	return 0;
}

int pith_sock_addr_in(const void *uaddr, int len, struct sockaddr_storage *ss)
{
	if (len < 0 || (size_t)len > sizeof(*ss))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!pith_user_access_ok(uaddr, len) || !pith_user_readable(uaddr, len))
		return -EFAULT;
	memcpy(ss, uaddr, len);
	return 0;
}

int pith_sock_addr_out(const void *a, unsigned klen, void *uaddr, socklen_t *ulen)
{
	int len;

	if (!pith_user_access_ok(ulen, sizeof(*ulen)) || !pith_user_readable(ulen, sizeof(*ulen)))
		return -EFAULT;
	memcpy(&len, ulen, sizeof(len));
	if (len > (int)klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len) {
		if (!pith_user_access_ok(uaddr, len) || !pith_user_writable(uaddr, len))
			return -EFAULT;
		memcpy(uaddr, a, len);
	}
	if (!pith_user_writable(ulen, sizeof(*ulen)))
		return -EFAULT;
	memcpy(ulen, &klen, sizeof(klen));
	return 0;
}

uint64_t pith_sock_deadline(uint64_t timeout_ns)
{
	return timeout_ns ? pith_time_monotonic_ns() + timeout_ns : 0;
}

long pith_sock_wait(struct pith_file *f, pith_events_t events, uint64_t deadline)
{
	uint64_t now;
	long err;

	if (!deadline) {
		err = pith_file_wait(f, events, 0);
		return err == -EINTR ? -PITH_ERESTARTSYS : err;
	}
	now = pith_time_monotonic_ns();
	if (now >= deadline)
		return -EAGAIN;
	return pith_file_wait(f, events, deadline - now);
}

int pith_sock_error(struct pith_file *f)
{
	int err = 0;
	unsigned len = sizeof(err);

	if (pith_sock_ops(f)->getsockopt(f, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return 0;
	return -err;
}

/* ---- socket -------------------------------------------------------------------------------- */

/* The protocol's constructor for (type, protocol) as Linux's inet_create matches them. */
static int inet_create(int type, int protocol, struct pith_file **f)
{
	if (protocol < 0 || protocol >= IPPROTO_LIMIT)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		return pith_tcp_socket(f);
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		return pith_udp_socket(f);
	default: /* SOCK_RAW, SOCK_SEQPACKET ...: no protocol of that type here */
		return -ESOCKTNOSUPPORT;
	}
}

/* Brings the network up on first use (a no-op without a NIC). */
static void net_start_once(void)
{
	static bool started;

	if (!started) {
		started = true;
		pith_net_start();
	}
}

PITH_SYSCALL3(socket, int, domain, int, type, int, protocol)
{
	int flags = type & ~SOCK_TYPE_MASK, fd, err;
	struct pith_file *f;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	type &= SOCK_TYPE_MASK;
	if (domain < 0 || domain >= AF_MAX)
		return -EAFNOSUPPORT;
	if (type >= SOCK_MAX)
		return -EINVAL;
	if (domain != AF_INET)
		return -EAFNOSUPPORT; /* AF_UNIX, AF_INET6, AF_PACKET ...: not in Pith */
	net_start_once();
	err = inet_create(type, protocol, &f);
	if (err < 0)
		return err;
	if (flags & SOCK_NONBLOCK)
		f->flags |= O_NONBLOCK;
	fd = pith_fd_install(f, 0, flags & SOCK_CLOEXEC);
	pith_file_put(f);
	return fd;
}

/* ---- bind, listen, connect, shutdown, names --------------------------------------------- */

/* An AF_INET address from user memory as inet_bind/inet_dgram_connect check it. */
static int user_sin(const void *uaddr, int len, struct sockaddr_in *sin)
{
	struct sockaddr_storage ss;
	int err = pith_sock_addr_in(uaddr, len, &ss);

	if (err < 0)
		return err;
	if (len < (int)sizeof(*sin))
		return -EINVAL;
	memcpy(sin, &ss, sizeof(*sin));
	return 0;
}

/* Whether a socket may bind to addr (network order): INADDR_ANY, loopback, multicast, or one
   of ours (inet_addr_type_table's LOCAL/BROADCAST/MULTICAST); else EADDRNOTAVAIL. */
static bool bindable(uint32_t addr)
{
	uint32_t h = pith_ntohl(addr);

	return addr == 0 || (h >> 24) == 127 || (h >> 28) == 0xe || h == 0xffffffffu ||
	       pith_ipv4_is_local(addr);
}

PITH_SYSCALL3(bind, int, fd, const struct sockaddr *, addr, int, len)
{
	struct sockaddr_in sin;
	struct pith_file *f;
	int err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	err = user_sin(addr, len, &sin);
	if (err < 0)
		return err;
	if (sin.sin_family != AF_INET) {
		/* Linux tolerates AF_UNSPEC with INADDR_ANY (inet_bind_sk). */
		if (sin.sin_family != AF_UNSPEC || sin.sin_addr.s_addr != 0)
			return -EAFNOSUPPORT;
		sin.sin_family = AF_INET;
	}
	if (!bindable(sin.sin_addr.s_addr))
		return -EADDRNOTAVAIL;
	return pith_sock_ops(f)->bind(f, &sin);
}

PITH_SYSCALL2(listen, int, fd, int, backlog)
{
	struct pith_file *f;
	int err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	if (!pith_sock_ops(f)->listen)
		return -EOPNOTSUPP;
	if ((unsigned)backlog > SOMAXCONN_)
		backlog = SOMAXCONN_;
	return pith_sock_ops(f)->listen(f, backlog);
}

/* Waits for a started connection to finish (__inet_stream_connect's blocking part). */
static int connect_wait(struct pith_file *f)
{
	uint64_t deadline = pith_sock_deadline(f->snd_timeout_ns);
	struct sockaddr_in peer;
	int err;

	for (;;) {
		err = pith_sock_error(f);
		if (err < 0)
			return err;
		if (pith_sock_ops(f)->getname(f, &peer, true) == 0)
			return 0;
		if (pith_file_poll(f) & EPOLLHUP)
			return -ECONNABORTED;
		err = pith_sock_wait(f, EPOLLOUT, deadline);
		if (err == -EAGAIN)
			return -EINPROGRESS; /* SO_SNDTIMEO passed */
		if (err)
			return -EINTR; /* the connection goes on in the background (connect(2)) */
	}
}

PITH_SYSCALL3(connect, int, fd, const struct sockaddr *, addr, int, len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin = {0};
	struct pith_file *f;
	int err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	err = pith_sock_addr_in(addr, len, &ss);
	if (err < 0)
		return err;
	if (len < (int)sizeof(sa_family_t))
		return -EINVAL;
	if (ss.ss_family != AF_UNSPEC) { /* AF_UNSPEC: the protocol disconnects */
		if (len < (int)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, &ss, sizeof(sin));
		if (sin.sin_family != AF_INET)
			return -EAFNOSUPPORT;
	}
	err = pith_sock_ops(f)->connect(f, &sin);
	if (err != -EINPROGRESS || (f->flags & O_NONBLOCK))
		return err;
	return connect_wait(f);
}

PITH_SYSCALL2(shutdown, int, fd, int, how)
{
	struct pith_file *f;
	int err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	return pith_sock_ops(f)->shutdown(f, how);
}

/* getsockname and getpeername. */
static long sock_name(int fd, struct sockaddr *uaddr, socklen_t *ulen, bool peer)
{
	struct sockaddr_in sin = {0};
	struct pith_file *f;
	int err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	err = pith_sock_ops(f)->getname(f, &sin, peer);
	if (err < 0)
		return err;
	sin.sin_family = AF_INET;
	return pith_sock_addr_out(&sin, sizeof(sin), uaddr, ulen);
}

PITH_SYSCALL3(getsockname, int, fd, struct sockaddr *, addr, socklen_t *, len)
{
	return sock_name(fd, addr, len, false);
}

PITH_SYSCALL3(getpeername, int, fd, struct sockaddr *, addr, socklen_t *, len)
{
	return sock_name(fd, addr, len, true);
}

/* ---- accept ------------------------------------------------------------------------------ */

/* The next connection of a listening socket, waiting for one unless non-blocking. */
static int accept_wait(struct pith_file *f, struct pith_file **conn, struct sockaddr_in *peer)
{
	uint64_t deadline = pith_sock_deadline(f->rcv_timeout_ns);
	int err;

	for (;;) {
		err = pith_sock_ops(f)->accept(f, conn, peer);
		if (err != -EAGAIN || (f->flags & O_NONBLOCK))
			return err;
		err = pith_sock_wait(f, EPOLLIN, deadline);
		if (err)
			return err;
	}
}

static long do_accept(int fd, struct sockaddr *uaddr, socklen_t *ulen, int flags)
{
	struct sockaddr_in peer = {0};
	struct pith_file *f, *conn;
	int err, nfd;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	err = pith_sock_file(fd, &f);
	if (err < 0)
		return err;
	if (!pith_sock_ops(f)->accept)
		return -EOPNOTSUPP;
	err = accept_wait(f, &conn, &peer);
	if (err < 0)
		return err;
	peer.sin_family = AF_INET;
	if (uaddr && (err = pith_sock_addr_out(&peer, sizeof(peer), uaddr, ulen)) < 0) {
		pith_file_put(conn); /* as Linux: the connection is dropped */
		return err;
	}
	if (flags & SOCK_NONBLOCK)
		conn->flags |= O_NONBLOCK;
	nfd = pith_fd_install(conn, 0, flags & SOCK_CLOEXEC);
	pith_file_put(conn);
	return nfd;
}

PITH_SYSCALL3(accept, int, fd, struct sockaddr *, addr, socklen_t *, len)
{
	return do_accept(fd, addr, len, 0);
}

PITH_SYSCALL4(accept4, int, fd, struct sockaddr *, addr, socklen_t *, len, int, flags)
{
	return do_accept(fd, addr, len, flags);
}
