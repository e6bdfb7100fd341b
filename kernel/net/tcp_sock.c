/* TCP sockets: the SOCK_STREAM operations behind an fd (bind, listen, accept, connect, shutdown,
   names, close) and the file operations. Data transfer is in tcp_io.c, options in tcp_opt.c. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "net/socket.h"
#include "net/tcp.h"
#include "net/tcp_sock.h"

/* Whether o's binding keeps c from binding lip:lport (Linux's rules for SO_REUSEADDR and
   SO_REUSEPORT: both set, and for SO_REUSEADDR the other is not listening). */
static bool tcp_bind_conflict(const struct tcp_conn *c, const struct tcp_conn *o, uint32_t lip,
			      uint16_t lport)
{
	if (o == c || !o->bound || o->lport != lport)
		return false;
	if (o->lip && lip && o->lip != lip)
		return false;
	if (c->reuseport && o->reuseport)
		return false;
	if (c->reuseaddr && o->reuseaddr && o->state != TCPS_LISTEN)
		return false;
	return true;
}

/* ipv4.c reaches TCP's input through a weak reference: this strong one links it in whenever
   TCP sockets are linked. */
void (*const pith_tcp_input_ref)(struct pith_pkt *, const struct pith_ip_info *)
    __attribute__((used)) = pith_tcp_input;

bool pith_tcp_port_in_use(uint16_t port)
{
	for (const struct tcp_conn *o = pith_tcp->all; o; o = o->next)
		if (o->bound && o->lport == port)
			return true;
	return false;
}

static bool tcp_port_free(const struct tcp_conn *c, uint32_t lip, uint16_t lport)
{
	for (const struct tcp_conn *o = pith_tcp->all; o; o = o->next)
		if (tcp_bind_conflict(c, o, lip, lport))
			return false;
	return true;
}

/* Binds c to lip and an ephemeral port (RFC 6335 section 6). */
static int tcp_bind_ephemeral(struct tcp_conn *c, uint32_t lip)
{
	for (int tries = 0; tries < 16384; tries++) {
		uint16_t port = pith_net_ephemeral_port();

		if (!port)
			break;
		if (tcp_port_free(c, lip, port)) {
			c->lip = lip, c->lport = port, c->bound = true;
			return 0;
		}
	}
	return -EADDRINUSE;
}

static int tcp_bind(struct pith_file *f, const struct sockaddr_in *a)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	uint32_t lip = a->sin_addr.s_addr;

	if (c->bound || c->state != TCPS_CLOSED)
		return -EINVAL;
	if (lip && !pith_ipv4_is_local(lip))
		return -EADDRNOTAVAIL;
	if (!a->sin_port)
		return tcp_bind_ephemeral(c, lip);
	if (!tcp_port_free(c, lip, a->sin_port))
		return -EADDRINUSE;
	c->lip = lip, c->lport = a->sin_port, c->bound = true;
	return 0;
}

static bool tcp_listen_conflict(const struct tcp_conn *c)
{
	for (const struct tcp_conn *l = pith_tcp->listeners; l; l = l->lnext)
		if (l != c && l->lport == c->lport && (!l->lip || !c->lip || l->lip == c->lip) &&
		    !(l->reuseport && c->reuseport))
			return true;
	return false;
}

static int tcp_listen(struct pith_file *f, int backlog)
{
	struct tcp_conn *c = tcp_sock_conn(f);

	if (backlog < 0)
		backlog = 0;
	if (backlog > TCP_BACKLOG_MAX)
		backlog = TCP_BACKLOG_MAX;
	if (c->state == TCPS_LISTEN) {
		c->backlog = (unsigned)backlog + 1;
		return 0;
	}
	if (c->state != TCPS_CLOSED || c->rip)
		return -EINVAL;
	if (!c->bound && tcp_bind_ephemeral(c, 0) < 0)
		return -EADDRINUSE;
	if (tcp_listen_conflict(c))
		return -EADDRINUSE;
	c->backlog = (unsigned)backlog + 1; /* as Linux: a backlog of n admits n + 1 */
	c->state = TCPS_LISTEN;
	tcp_listener_add(c);
	return 0;
}

/* Drops a listener's embryos and unaccepted connections (these get a reset) and stops it. */
static void tcp_listen_stop(struct tcp_conn *l)
{
	while (l->synq)
		tcp_conn_done(l->synq, 0);
	while (l->acceptq) {
		tcp_send_rst_conn(l->acceptq);
		tcp_conn_done(l->acceptq, 0);
	}
	tcp_listener_remove(l);
	l->state = TCPS_CLOSED;
}

static void tcp_peer_addr(const struct tcp_conn *c, struct sockaddr_in *a)
{
	a->sin_family = AF_INET;
	a->sin_port = c->rport;
	a->sin_addr.s_addr = c->rip;
}

static const struct pith_file_ops tcp_file_ops;

/* A new file for the connection c (one reference), or NULL. */
static struct pith_file *tcp_file_new(struct tcp_conn *c)
{
	struct pith_file *f = pith_file_new(&tcp_file_ops, c, O_RDWR);

	if (f)
		c->file = f;
	return f;
}

static int tcp_accept(struct pith_file *f, struct pith_file **conn, struct sockaddr_in *peer)
{
	struct tcp_conn *l = tcp_sock_conn(f), *c = l->acceptq;

	if (l->state != TCPS_LISTEN)
		return -EINVAL;
	if (!c)
		return -EAGAIN;
	if (!tcp_file_new(c))
		return -ENOMEM;
	if (c->qnext)
		c->qnext->qprev = NULL;
	else
		l->acceptq_tail = NULL;
	l->acceptq = c->qnext;
	l->acceptq_len--;
	c->qnext = NULL, c->parent = NULL, c->in_acceptq = false;
	if (peer)
		tcp_peer_addr(c, peer);
	*conn = c->file;
	return 0;
}

/* Called by input when an embryo of l completes its handshake (RFC 9293 section 3.10.7.4). */
void tcp_sock_accept_ready(struct tcp_conn *l, struct tcp_conn *c)
{
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		l->synq = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	l->synq_len--;
	c->in_synq = false;
	c->qnext = NULL;
	c->qprev = l->acceptq_tail;
	if (l->acceptq_tail)
		l->acceptq_tail->qnext = c;
	else
		l->acceptq = c;
	l->acceptq_tail = c;
	l->acceptq_len++;
	c->in_acceptq = true;
	c->reuseaddr = l->reuseaddr;
	tcp_conn_wake(l);
}

/* RFC 9293 section 3.10.1 (OPEN call, active): sends the SYN. */
static int tcp_connect_start(struct tcp_conn *c, const struct sockaddr_in *a)
{
	uint32_t lip = c->lip ? c->lip : pith_netif.ip;

	if (!lip)
		return -ENETUNREACH;
	if (!c->bound && tcp_bind_ephemeral(c, 0) < 0)
		return -EAGAIN; /* as Linux when the ephemeral ports run out */
	c->lip = lip;
	c->rip = a->sin_addr.s_addr;
	c->rport = a->sin_port;
	if (tcp_conn_lookup(c->lip, c->lport, c->rip, c->rport))
		return -EADDRNOTAVAIL;
	c->rcv_wscale = TCP_RCV_WSCALE;
	c->iss = tcp_isn(c->lip, c->lport, c->rip, c->rport);
	c->ts_offset = c->iss * 2654435761u;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->state = TCPS_SYN_SENT;
	tcp_conn_hash(c);
	c->rtt_timing = true;
	c->rtt_start = tcp_now();
	tcp_send_syn(c);
	tcp_timer_set(c, TCP_T_RTX, c->rto);
	return -EINPROGRESS;
}

static int tcp_connect(struct pith_file *f, const struct sockaddr_in *a)
{
	struct tcp_conn *c = tcp_sock_conn(f);
	int err;

	switch (c->state) {
	case TCPS_SYN_SENT:
		return -EALREADY;
	case TCPS_CLOSED:
		break;
	default:
		return -EISCONN;
	}
	if (c->rip) { /* an earlier attempt ended: its error once, then as Linux */
		err = c->so_error;
		c->so_error = 0;
		return err ? -err : -EISCONN;
	}
	if (!a->sin_addr.s_addr || !a->sin_port)
		return !a->sin_port ? -ECONNREFUSED : -ENETUNREACH;
	return tcp_connect_start(c, a);
}

/* Queues our FIN after the data (RFC 9293 section 3.10.4, CLOSE call). */
static void tcp_queue_fin(struct tcp_conn *c)
{
	if (c->state != TCPS_ESTABLISHED && c->state != TCPS_CLOSE_WAIT)
		return;
	c->fin_queued = true;
	c->fin_seq = c->snd_una + c->sndq.len;
	c->state = c->state == TCPS_ESTABLISHED ? TCPS_FIN_WAIT_1 : TCPS_LAST_ACK;
	tcp_output(c);
}

static int tcp_shutdown(struct pith_file *f, int how)
{
	struct tcp_conn *c = tcp_sock_conn(f);

	if (c->state == TCPS_LISTEN && how != SHUT_WR) {
		tcp_listen_stop(c);
		tcp_conn_wake(c);
		return 0;
	}
	if (c->state == TCPS_CLOSED || c->state == TCPS_LISTEN)
		return -ENOTCONN;
	if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RCVD) {
		tcp_conn_done(c, 0);
		return 0;
	}
	if (how != SHUT_WR)
		c->rd_shut = true;
	if (how != SHUT_RD)
		tcp_queue_fin(c);
	tcp_conn_wake(c);
	return 0;
}

static int tcp_getname(struct pith_file *f, struct sockaddr_in *a, bool peer)
{
	struct tcp_conn *c = tcp_sock_conn(f);

	if (!peer) {
		a->sin_family = AF_INET;
		a->sin_port = c->lport;
		a->sin_addr.s_addr = c->lip;
		return 0;
	}
	if (c->state == TCPS_CLOSED || c->state == TCPS_LISTEN || c->state == TCPS_SYN_SENT)
		return -ENOTCONN;
	tcp_peer_addr(c, a);
	return 0;
}

/* Aborts: a reset to the peer if it knows us, and the connection is gone. */
static void tcp_abort(struct tcp_conn *c)
{
	if (tcp_conn_synchronized(c) && c->state != TCPS_TIME_WAIT)
		tcp_send_rst_conn(c);
	tcp_conn_done(c, 0);
}

/* close(): the file is gone; the connection may linger to deliver its data and FIN
   (RFC 9293 section 3.10.4). Unread data or SO_LINGER 0 resets it instead, as Linux. */
static void tcp_release(struct pith_file *f)
{
	struct tcp_conn *c = tcp_sock_conn(f);

	c->file = NULL;
	if (c->state == TCPS_LISTEN)
		tcp_listen_stop(c);
	if (c->state == TCPS_CLOSED || c->state == TCPS_SYN_SENT) {
		tcp_conn_done(c, 0);
		return;
	}
	if (c->state == TCPS_TIME_WAIT) {
		tcp_ring_free(&c->rcvq);
		tcp_tw_add(c);
		return;
	}
	/* SYN-RECEIVED after a simultaneous open (an embryo has no file): nothing was sent yet,
	   and an orphan that would reach ESTABLISHED without a FIN queued would live forever. */
	if (c->rcvq.len || (c->linger_on && !c->linger_s) || c->state == TCPS_SYN_RCVD) {
		tcp_abort(c);
		return;
	}
	c->rd_shut = true;
	tcp_ring_free(&c->rcvq);
	tcp_queue_fin(c);
	if (c->state == TCPS_FIN_WAIT_2)
		tcp_timer_set(c, TCP_T_2MSL, TCP_FIN_WAIT2_NS);
}

static const struct pith_sock_ops tcp_sock_ops = {
    .type = SOCK_STREAM,
    .bind = tcp_bind,
    .listen = tcp_listen,
    .accept = tcp_accept,
    .connect = tcp_connect,
    .sendmsg = tcp_sendmsg,
    .recvmsg = tcp_recvmsg,
    .shutdown = tcp_shutdown,
    .getname = tcp_getname,
    .setsockopt = tcp_setsockopt,
    .getsockopt = tcp_getsockopt,
};

static const struct pith_file_ops tcp_file_ops = {
    .name = "tcp",
    .readv = tcp_readv,
    .writev = tcp_writev,
    .ioctl = tcp_ioctl,
    .poll = tcp_poll,
    .release = tcp_release,
    .mode = S_IFSOCK,
    .sock = &tcp_sock_ops,
};

int pith_tcp_socket(struct pith_file **f)
{
	struct tcp_conn *c = tcp_conn_new();

	if (!c)
		return -ENOMEM;
	*f = tcp_file_new(c);
	if (!*f) {
		tcp_conn_free(c);
		return -ENOMEM;
	}
	return 0;
}
