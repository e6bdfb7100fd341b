/* UDP sockets: the struct pith_sock_ops for SOCK_DGRAM and the file behind each UDP fd. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/core.h"
#include "mem/mem.h"
#include "net/socket.h"
#include "net/udp.h"

PITH_COUNTER(udp_loopback_datagrams);

static struct pith_udp_sock *udp_of(struct pith_file *f)
{
	return f->priv;
}

/* Gives s a local port: the asked one (network order) or an ephemeral one if 0. */
static int udp_take_port(struct pith_udp_sock *s, uint32_t laddr, uint16_t port)
{
	if (!port)
		port = pith_net_ephemeral_port();
	if (!port || pith_udp_conflict(s, laddr, port))
		return -EADDRINUSE;
	s->laddr = laddr;
	s->lport = port;
	return 0;
}

static int udp_bind(struct pith_file *f, const struct sockaddr_in *a)
{
	struct pith_udp_sock *s = udp_of(f);
	int err;

	if (s->lport)
		return -EINVAL;
	err = udp_take_port(s, a->sin_addr.s_addr, a->sin_port);
	if (err == 0)
		s->user_bound = true;
	return err;
}

/* The source address a datagram to dst leaves from when the socket has none. */
static uint32_t udp_source_for(uint32_t dst)
{
	if ((pith_ntohl(dst) >> 24) == 127)
		return pith_htonl(0x7f000001);
	return pith_netif.ip;
}

/* connect(AF_UNSPEC): forget the peer, and the address and port connect chose (Linux's
   __udp_disconnect). */
static int udp_disconnect(struct pith_udp_sock *s)
{
	s->connected = false;
	s->raddr = 0;
	s->rport = 0;
	if (!s->user_bound) {
		s->laddr = 0;
		s->lport = 0;
	}
	return 0;
}

/* ip4_datagram_connect: the route must exist, broadcasts need SO_BROADCAST. */
static int udp_connect(struct pith_file *f, const struct sockaddr_in *a)
{
	struct pith_udp_sock *s = udp_of(f);
	uint32_t dst = a->sin_addr.s_addr;
	int err;

	if (a->sin_family == AF_UNSPEC)
		return udp_disconnect(s);
	if (pith_udp_is_broadcast(dst) && !s->opt[UDP_OPT_BROADCAST])
		return -EACCES;
	if (!pith_udp_is_loopback(dst) && !pith_netif.configured && dst != 0xffffffffu)
		return -ENETUNREACH;
	if (!s->lport && (err = udp_take_port(s, 0, 0)) < 0)
		return err;
	if (!s->laddr)
		s->laddr = udp_source_for(dst);
	s->raddr = dst;
	s->rport = a->sin_port;
	s->connected = true;
	return 0;
}

/* Sends to another UDP socket of this guest without any NIC. */
static long udp_loop_send(struct pith_udp_sock *s, uint32_t dst, uint16_t dport,
			  const struct iovec *iov, int iovcnt, size_t total)
{
	uint32_t src = s->laddr ? s->laddr : udp_source_for(dst);

	PITH_COUNT(udp_loopback_datagrams);
	if (!pith_udp_deliver(src, s->lport, dst, dport, iov, iovcnt, total) && s->connected) {
		s->err = ECONNREFUSED; /* what the looped-back port unreachable would report */
		pith_file_notify(s->file);
	}
	return total;
}

static long udp_sendmsg(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			const struct sockaddr_in *to, int flags)
{
	struct pith_udp_sock *s = udp_of(f);
	uint32_t dst = to ? to->sin_addr.s_addr : s->raddr;
	uint16_t dport = to ? to->sin_port : s->rport;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (s->shut_wr)
		return -EPIPE;
	if (total > PITH_UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (!to && !s->connected)
		return -EDESTADDRREQ;
	if (to && !dport)
		return -EINVAL;
	if (pith_udp_is_broadcast(dst) && !s->opt[UDP_OPT_BROADCAST])
		return -EACCES;
	if (!s->lport && (err = udp_take_port(s, 0, 0)) < 0)
		return err;
	if (pith_udp_is_loopback(dst))
		return udp_loop_send(s, dst, dport, iov, iovcnt, total);
	err = pith_udp_output(s->laddr, s->lport, dst, dport, iov, iovcnt, total);
	return err < 0 ? err : (long)total;
}

static long udp_recvmsg(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			struct sockaddr_in *from, int flags, int *msg_flags)
{
	struct pith_udp_sock *s = udp_of(f);
	struct pith_udp_dgram *d = s->head;
	size_t n;

	if (s->err) { /* sock_error comes before the queue (__skb_recv_udp) */
		int err = s->err;

		s->err = 0;
		return -err;
	}
	if (!d)
		return s->shut_rd ? 0 : -EAGAIN;
	n = d->len < total ? d->len : total;
	pith_iov_to(iov, iovcnt, 0, d->data, n);
	if (from)
		*from = (struct sockaddr_in){
		    .sin_family = AF_INET, .sin_port = d->sport, .sin_addr.s_addr = d->src};
	if (d->len > total)
		*msg_flags |= MSG_TRUNC;
	n = (flags & MSG_TRUNC) ? d->len : n;
	if (!(flags & MSG_PEEK)) {
		s->head = d->next;
		if (!s->head)
			s->tail = NULL;
		s->queued -= d->len + PITH_UDP_DGRAM_COST;
		pith_kfree(d, sizeof(*d) + d->len);
	}
	return n;
}

/* inet_shutdown: recorded even when not connected, which still answers ENOTCONN. */
static int udp_shutdown(struct pith_file *f, int how)
{
	struct pith_udp_sock *s = udp_of(f);

	if (how != SHUT_WR)
		s->shut_rd = true;
	if (how != SHUT_RD)
		s->shut_wr = true;
	pith_file_notify(f);
	return s->connected ? 0 : -ENOTCONN;
}

static int udp_getname(struct pith_file *f, struct sockaddr_in *a, bool peer)
{
	struct pith_udp_sock *s = udp_of(f);

	if (peer && !s->connected)
		return -ENOTCONN;
	*a = (struct sockaddr_in){.sin_family = AF_INET,
				  .sin_port = peer ? s->rport : s->lport,
				  .sin_addr.s_addr = peer ? s->raddr : s->laddr};
	return 0;
}

/* The stored integer option for (level, name), or -1. */
static int udp_opt_index(int level, int name)
{
	static const struct {
		int level, name;
	} map[UDP_OPT_COUNT] = {
	    [UDP_OPT_REUSEADDR] = {SOL_SOCKET, SO_REUSEADDR},
	    [UDP_OPT_REUSEPORT] = {SOL_SOCKET, SO_REUSEPORT},
	    [UDP_OPT_BROADCAST] = {SOL_SOCKET, SO_BROADCAST},
	    [UDP_OPT_KEEPALIVE] = {SOL_SOCKET, SO_KEEPALIVE},
	    [UDP_OPT_DONTROUTE] = {SOL_SOCKET, SO_DONTROUTE},
	    [UDP_OPT_PRIORITY] = {SOL_SOCKET, SO_PRIORITY},
	    [UDP_OPT_OOBINLINE] = {SOL_SOCKET, SO_OOBINLINE},
	    [UDP_OPT_TTL] = {IPPROTO_IP, IP_TTL},
	    [UDP_OPT_TOS] = {IPPROTO_IP, IP_TOS},
	};

	for (int i = 0; i < UDP_OPT_COUNT; i++)
		if (map[i].level == level && map[i].name == name)
			return i;
	return -1;
}

/* SO_RCVBUF / SO_SNDBUF as sock_setsockopt: doubled, clamped to [min, 2 * rmem_max]. */
static int udp_buf_size(int val, int min)
{
	if (val < 0)
		val = 0;
	if (val > PITH_UDP_RCVBUF_DEF)
		val = PITH_UDP_RCVBUF_DEF;
	return val * 2 < min ? min : val * 2;
}

static int udp_setsockopt(struct pith_file *f, int level, int name, const void *val, unsigned len)
{
	struct pith_udp_sock *s = udp_of(f);
	int v, i = udp_opt_index(level, name);

	if (len < sizeof(int))
		return (level == SOL_SOCKET || level == IPPROTO_IP) ? -EINVAL : -ENOPROTOOPT;
	memcpy(&v, val, sizeof(v));
	if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_RCVBUFFORCE)) {
		s->rcvbuf = udp_buf_size(v, 2304); /* SOCK_MIN_RCVBUF */
		return 0;
	}
	if (level == SOL_SOCKET && (name == SO_SNDBUF || name == SO_SNDBUFFORCE)) {
		s->sndbuf = udp_buf_size(v, 4608); /* SOCK_MIN_SNDBUF */
		return 0;
	}
	if (i < 0)
		return -ENOPROTOOPT;
	if (i == UDP_OPT_TTL && (v < -1 || v == 0 || v > 255))
		return -EINVAL;
	if (i == UDP_OPT_TTL)
		v = v == -1 ? 64 : v;
	else if (i == UDP_OPT_TOS)
		v &= 0xff;
	else if (i != UDP_OPT_PRIORITY)
		v = !!v;
	s->opt[i] = v;
	return 0;
}

static int udp_getsockopt(struct pith_file *f, int level, int name, void *val, unsigned *len)
{
	struct pith_udp_sock *s = udp_of(f);
	int v, i = udp_opt_index(level, name);

	if (level == SOL_SOCKET && name == SO_ERROR)
		v = s->err, s->err = 0;
	else if (level == SOL_SOCKET && name == SO_RCVBUF)
		v = s->rcvbuf;
	else if (level == SOL_SOCKET && name == SO_SNDBUF)
		v = s->sndbuf;
	else if (i >= 0)
		v = s->opt[i];
	else
		return -ENOPROTOOPT;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static const struct pith_sock_ops udp_sock_ops = {
    .type = SOCK_DGRAM,
    .bind = udp_bind,
    .connect = udp_connect,
    .sendmsg = udp_sendmsg,
    .recvmsg = udp_recvmsg,
    .shutdown = udp_shutdown,
    .getname = udp_getname,
    .setsockopt = udp_setsockopt,
    .getsockopt = udp_getsockopt,
};

/* read() and write() are recv and send without an address. */
static long udp_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	int msg_flags = 0;

	return udp_recvmsg(f, iov, iovcnt, total, NULL, 0, &msg_flags);
}

static long udp_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	return udp_sendmsg(f, iov, iovcnt, total, NULL, 0);
}

/* datagram_poll: readable with data, an error or after SHUT_RD; always writable. */
static pith_events_t udp_poll(struct pith_file *f)
{
	struct pith_udp_sock *s = udp_of(f);
	pith_events_t ev = EPOLLOUT | EPOLLWRNORM;

	if (s->head)
		ev |= EPOLLIN | EPOLLRDNORM;
	if (s->err)
		ev |= EPOLLERR;
	if (s->shut_rd)
		ev |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (s->shut_rd && s->shut_wr)
		ev |= EPOLLHUP;
	return ev;
}

/* FIONREAD (SIOCINQ): the next datagram's length; TIOCOUTQ (SIOCOUTQ): nothing waits. */
static long udp_ioctl(struct pith_file *f, unsigned long req, unsigned long arg)
{
	struct pith_udp_sock *s = udp_of(f);
	int v;

	if (req != FIONREAD && req != TIOCOUTQ)
		return -ENOTTY;
	v = req == FIONREAD && s->head ? s->head->len : 0;
	if (!pith_user_access_ok((void *)arg, sizeof(v)) ||
	    !pith_user_writable((void *)arg, sizeof(v)))
		return -EFAULT;
	memcpy((void *)arg, &v, sizeof(v));
	return 0;
}

static void udp_release(struct pith_file *f)
{
	struct pith_udp_sock *s = udp_of(f);

	for (struct pith_udp_sock **pp = &pith_udp_socks; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	pith_udp_purge(s);
	pith_kfree(s, sizeof(*s));
}

static const struct pith_file_ops udp_file_ops = {
    .name = "udp",
    .readv = udp_readv,
    .writev = udp_writev,
    .ioctl = udp_ioctl,
    .poll = udp_poll,
    .release = udp_release,
    .mode = S_IFSOCK,
    .sock = &udp_sock_ops,
};

int pith_udp_socket(struct pith_file **f)
{
	struct pith_udp_sock *s = pith_kmalloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->file = pith_file_new(&udp_file_ops, s, O_RDWR);
	if (!s->file) {
		pith_kfree(s, sizeof(*s));
		return -ENOMEM;
	}
	s->rcvbuf = PITH_UDP_RCVBUF_DEF;
	s->sndbuf = PITH_UDP_SNDBUF_DEF;
	s->opt[UDP_OPT_TTL] = 64;
	s->next = pith_udp_socks;
	pith_udp_socks = s;
	*f = s->file;
	return 0;
}
