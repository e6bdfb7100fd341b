/* TCP sockets' data transfer and readiness: send, receive, FIONREAD, and poll as Linux. */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/core.h"
#include "net/tcp_sock.h"
#include "time/time.h"

/* The error the socket holds, reported once (SO_ERROR semantics). */
static int tcp_take_error(struct tcp_conn *c)
{
	int err = c->so_error;

	c->so_error = 0;
	return err;
}

long tcp_sendmsg(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		 const struct sockaddr_in *to, int flags)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	uint64_t held;
	uint32_t n;

	(void)to, (void)flags; /* a connected stream ignores the address, as Linux */
	if (c->so_error)
		return -tcp_take_error(c);
	if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RCVD)
		return -EAGAIN;
	if ((c->state != TCPS_ESTABLISHED && c->state != TCPS_CLOSE_WAIT) || c->fin_queued)
		return -EPIPE;
	if (!total)
		return 0;
	n = tcp_ring_from_iov(&c->sndq, iov, iovcnt, total > UINT32_MAX ? UINT32_MAX : total,
			      c->sndbuf);
	if (!n)
		return -EAGAIN;
	held = tcp_clock_hold(pith_time_monotonic_ns());
	tcp_output(c);
	tcp_clock_hold(held);
	return n;
}

/* After the application read: announce a window that opened by enough (RFC 9293 section
   3.8.6.2.2: at least min(RCV.BUFF / 2, MSS) beyond what was offered). */
static void tcp_window_update(struct tcp_conn *c)
{
	uint32_t old = c->rcv_adv - c->rcv_nxt, wnd;

	if (c->state < TCPS_ESTABLISHED || c->state == TCPS_TIME_WAIT || c->rcv_fin)
		return;
	wnd = tcp_rcv_window(c);
	if (wnd >= old + 2u * c->mss || (!old && wnd))
		tcp_send_ack(c);
}

/* Nothing to read: end of stream (0), an error, or -EAGAIN. */
static long tcp_recv_empty(struct tcp_conn *c)
{
	if (c->so_error)
		return -tcp_take_error(c);
	if (c->rcv_fin || c->rd_shut)
		return 0;
	if (c->state == TCPS_CLOSED)
		return c->rip ? 0 : -ENOTCONN;
	return -EAGAIN;
}

long tcp_recvmsg(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		 struct sockaddr_in *from, int flags, int *msg_flags)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	uint32_t n;

	if (msg_flags)
		*msg_flags = 0;
	if (c->state == TCPS_LISTEN)
		return -ENOTCONN;
	if (!c->rcvq.len)
		return tcp_recv_empty(c);
	if (!total)
		return 0;
	/* MSG_WAITALL: whatever is here now; socket.c calls again for the rest. */
	n = tcp_ring_to_iov(&c->rcvq, iov, iovcnt, total > UINT32_MAX ? UINT32_MAX : total);
	if (!(flags & MSG_PEEK)) {
		tcp_ring_consume(&c->rcvq, n);
		tcp_window_update(c);
	}
	if (from) {
		from->sin_family = AF_INET;
		from->sin_port = c->rport;
		from->sin_addr.s_addr = c->rip;
	}
	return n;
}

long tcp_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	return tcp_recvmsg(f, iov, iovcnt, total, NULL, 0, NULL);
}

long tcp_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	return tcp_sendmsg(f, iov, iovcnt, total, NULL, 0);
}

/* FIONREAD (SIOCINQ) and SIOCOUTQ: bytes to read, bytes not yet acknowledged. */
long tcp_ioctl(struct pith_file *f, unsigned long req, unsigned long arg)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	int *out = (int *)arg, v;

	if (req == FIONREAD)
		v = c->state == TCPS_LISTEN ? 0 : (int)c->rcvq.len;
	else if (req == TIOCOUTQ)
		v = (int)c->sndq.len;
	else
		return -ENOTTY;
	if (!pith_user_access_ok(out, sizeof(*out)) || !pith_user_writable(out, sizeof(*out)))
		return -EFAULT;
	*out = v;
	return 0;
}

/* Linux's tcp_poll: HUP when both directions are shut or closed, RDHUP with the peer's FIN,
   OUT when a third of the buffer is free (sk_stream_is_writeable), ERR with a pending error. */
pith_events_t tcp_poll(struct pith_file *f)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	bool rcv_shut = c->rd_shut || c->rcv_fin, snd_shut = c->fin_queued;
	pith_events_t ev = 0;

	if (c->state == TCPS_LISTEN)
		return c->acceptq_len ? EPOLLIN | EPOLLRDNORM : 0;
	if ((rcv_shut && snd_shut) || c->state == TCPS_CLOSED)
		ev |= EPOLLHUP;
	if (rcv_shut)
		ev |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (c->state != TCPS_SYN_SENT && c->state != TCPS_SYN_RCVD) {
		if (c->rcvq.len)
			ev |= EPOLLIN | EPOLLRDNORM;
		if (snd_shut || c->sndbuf - tcp_min32(c->sndq.len, c->sndbuf) >= c->sndq.len / 2)
			ev |= EPOLLOUT | EPOLLWRNORM;
	}
	if (c->so_error)
		ev |= EPOLLERR;
	return ev;
}
