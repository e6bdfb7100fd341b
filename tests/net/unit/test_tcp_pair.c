/* Two instances of Pith's TCP connected by an in-memory link: handshakes, transfers under loss
   and reordering, closing, resets, windows, timers and floods. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "counters.h"
#include "net_host.h"
#include "tcp_link.h"
#include "test.h"

/* Pattern byte at stream offset i (distinct per direction). */
static uint8_t pat(uint64_t i, uint8_t salt)
{
	return (uint8_t)((i * 2654435761u >> 13) ^ salt);
}

struct xfer {
	struct link_side *ss, *rs;
	struct pith_file *s, *r;
	uint64_t total, sent, rcvd;
	uint8_t salt;
	bool bad, eof;
};

/* Moves what it can: the sender writes the pattern, the receiver reads and checks it. */
static bool xfer_step(void *arg)
{
	struct xfer *x = arg;
	uint8_t buf[65536];
	long n;

	while (x->sent < x->total) {
		size_t len = x->total - x->sent < sizeof(buf) ? x->total - x->sent : sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = pat(x->sent + i, x->salt);
		n = sk_send(x->ss, x->s, buf, len);
		if (n <= 0)
			break;
		x->sent += (uint64_t)n;
	}
	while ((n = sk_recv(x->rs, x->r, buf, sizeof(buf), 0)) > 0) {
		for (long i = 0; i < n; i++)
			if (buf[i] != pat(x->rcvd + (uint64_t)i, x->salt))
				x->bad = true;
		x->rcvd += (uint64_t)n;
	}
	if (n == 0)
		x->eof = true;
	return x->rcvd >= x->total || x->bad;
}

static void test_handshake_echo(void)
{
	struct pair p;
	char buf[64];
	struct sockaddr_in a;

	link_reset();
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_poll(&link_a, p.a) & (EPOLLOUT | EPOLLIN | EPOLLHUP), EPOLLOUT);
	CHECK_U64(sk_send(&link_a, p.a, "hello", 5), 5);
	link_run(100 * NS_MS);
	CHECK(sk_poll(&link_b, p.b) & EPOLLIN);
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), MSG_PEEK), 5);
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), 0), (uint64_t)-EAGAIN);
	CHECK_U64(sk_send(&link_b, p.b, "world!", 6), 6);
	link_run(100 * NS_MS);
	CHECK_U64(sk_recv(&link_a, p.a, buf, sizeof(buf), 0), 6);
	link_use(&link_b);
	CHECK(p.b->ops->sock->getname(p.b, &a, true) == 0 && a.sin_addr.s_addr == LINK_IP_A);
	link_use(&link_a);
	CHECK(p.a->ops->sock->getname(p.a, &a, false) == 0 && a.sin_addr.s_addr == LINK_IP_A &&
	      pith_ntohs(a.sin_port) >= 49152);
	CHECK(((struct tcp_conn *)p.a->priv)->ws_ok && ((struct tcp_conn *)p.a->priv)->ts_ok);
	CHECK_U64(((struct tcp_conn *)p.a->priv)->mss, 1460);
	sk_close(&link_a, p.a);
	sk_close(&link_b, p.b);
	sk_close(&link_b, p.lsn);
	link_run(60 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* count bytes each way at once under the link's current impairments. */
static void bulk_both(struct pair *p, uint64_t count, uint64_t max_ns)
{
	struct xfer ab = {&link_a, &link_b, p->a, p->b, count, 0, 0, 0x5a, false, false};
	struct xfer ba = {&link_b, &link_a, p->b, p->a, count, 0, 0, 0xa5, false, false};
	uint64_t t;

	for (t = 0; t < max_ns && !(xfer_step(&ab) && xfer_step(&ba)); t += NS_MS)
		link_run(NS_MS);
	CHECKF(ab.rcvd == count && !ab.bad, "A->B %llu of %llu bytes, bad %d",
	       (unsigned long long)ab.rcvd, (unsigned long long)count, ab.bad);
	CHECKF(ba.rcvd == count && !ba.bad, "B->A %llu of %llu bytes, bad %d",
	       (unsigned long long)ba.rcvd, (unsigned long long)count, ba.bad);
	printf("  %llu bytes each way in %.1f s of virtual time\n", (unsigned long long)count,
	       (double)t / NS_S);
}

static void test_bulk_clean(void)
{
	struct pair p;

	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	bulk_both(&p, 4 << 20, 120 * NS_S);
	sk_close(&link_a, p.a);
	sk_close(&link_b, p.b);
	sk_close(&link_b, p.lsn);
	link_run(60 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

static void test_bulk_lossy(void)
{
	struct pair p;
	uint64_t fr = counter("tcp_fast_retransmits");

	link_reset();
	link_conf.delay_ns = 20 * NS_MS; /* as the network suite's impairment */
	CHECK(pair_open(&p, 80));
	link_conf.loss_pct = 2;
	link_conf.reorder_pct = 5;
	link_conf.reorder_ns = 20 * NS_MS;
	link_conf.dup_pct = 1;
	bulk_both(&p, 10 << 20, 600 * NS_S);
	CHECK(counter("tcp_fast_retransmits") > fr);
	CHECK(counter("tcp_sack_retransmits") > 0); /* RFC 6675 recovery was used */
	CHECK(counter("tcp_lost_retransmits") > 0); /* and lost retransmissions were resent */
	printf("  fast retransmits %llu, timeouts %llu, lost retransmissions %llu, ooo segments "
	       "%llu\n",
	       (unsigned long long)(counter("tcp_fast_retransmits") - fr),
	       (unsigned long long)counter("tcp_timeouts"),
	       (unsigned long long)counter("tcp_lost_retransmits"),
	       (unsigned long long)counter("tcp_ooo_segs"));
	link_conf = (struct link_conf){0};
	sk_close(&link_a, p.a);
	sk_close(&link_b, p.b);
	sk_close(&link_b, p.lsn);
	link_run(60 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

static struct tcp_conn *conn_of(struct pith_file *f)
{
	return f->priv;
}

/* RFC 9293 section 3.5 figure 7: both sides send SYNs that cross. */
static void test_simultaneous_open(void)
{
	struct pith_file *a, *b;

	link_reset();
	link_conf.delay_ns = 10 * NS_MS;
	a = sk_socket(&link_a);
	b = sk_socket(&link_b);
	CHECK_U64(sk_bind(&link_a, a, 0, 1111), 0);
	CHECK_U64(sk_bind(&link_b, b, 0, 2222), 0);
	CHECK_U64(sk_connect(&link_a, a, LINK_IP_B, 2222), (uint64_t)-EINPROGRESS);
	CHECK_U64(sk_connect(&link_b, b, LINK_IP_A, 1111), (uint64_t)-EINPROGRESS);
	CHECK_U64(sk_connect(&link_b, b, LINK_IP_A, 1111), (uint64_t)-EALREADY);
	link_run(200 * NS_MS);
	CHECK_U64(conn_of(a)->state, TCPS_ESTABLISHED);
	CHECK_U64(conn_of(b)->state, TCPS_ESTABLISHED);
	CHECK_U64(sk_error(&link_a, a), 0);
	CHECK(sk_poll(&link_a, a) & EPOLLOUT);
	CHECK_U64(sk_send(&link_a, a, "x", 1), 1);
	link_run(200 * NS_MS);
	char c = 0;
	CHECK_U64(sk_recv(&link_b, b, &c, 1, 0), 1);
	CHECK(c == 'x');
	/* Simultaneous close (figure 13): both FINs cross, both go CLOSING then TIME-WAIT. */
	CHECK_U64(sk_shutdown(&link_a, a, SHUT_WR), 0);
	CHECK_U64(sk_shutdown(&link_b, b, SHUT_WR), 0);
	link_run(15 * NS_MS);
	CHECK_U64(conn_of(a)->state, TCPS_CLOSING);
	CHECK_U64(conn_of(b)->state, TCPS_CLOSING);
	link_run(100 * NS_MS);
	CHECK_U64(conn_of(a)->state, TCPS_TIME_WAIT);
	CHECK_U64(conn_of(b)->state, TCPS_TIME_WAIT);
	CHECK_U64(sk_recv(&link_a, a, &c, 1, 0), 0);
	CHECK((sk_poll(&link_a, a) & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) ==
	      (EPOLLIN | EPOLLRDHUP | EPOLLHUP));
	sk_close(&link_a, a);
	sk_close(&link_b, b);
	link_run(2 * TCP_MSL_NS - NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 2); /* still in TIME-WAIT */
	link_run(2 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* Half-close: A stops sending, B sees the end of stream and can still send. */
static void test_half_close(void)
{
	struct pair p;
	char buf[32];

	link_reset();
	link_conf.delay_ns = 2 * NS_MS;
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_send(&link_a, p.a, "request", 7), 7);
	CHECK_U64(sk_shutdown(&link_a, p.a, SHUT_WR), 0);
	CHECK_U64(sk_send(&link_a, p.a, "x", 1), (uint64_t)-EPIPE);
	link_run(50 * NS_MS);
	CHECK_U64(conn_of(p.a)->state, TCPS_FIN_WAIT_2);
	CHECK_U64(conn_of(p.b)->state, TCPS_CLOSE_WAIT);
	CHECK((sk_poll(&link_b, p.b) & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLOUT)) ==
	      (EPOLLIN | EPOLLRDHUP | EPOLLOUT));
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), 0), 7);
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), 0), 0);
	CHECK_U64(sk_send(&link_b, p.b, "response", 8), 8);
	link_run(50 * NS_MS);
	CHECK_U64(sk_recv(&link_a, p.a, buf, sizeof(buf), 0), 8);
	CHECK(memcmp(buf, "response", 8) == 0);
	sk_close(&link_b, p.b); /* B closes: LAST-ACK, A goes TIME-WAIT */
	p.b = NULL;
	link_run(50 * NS_MS);
	CHECK_U64(conn_of(p.a)->state, TCPS_TIME_WAIT);
	CHECK_U64(link_b.stack.nconns, 1); /* only the listener */
	pair_close(&p);
	link_run(2 * TCP_MSL_NS + NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* Close with unread data and SO_LINGER 0 reset the connection (as Linux). */
static void test_abort_close(void)
{
	struct pair p;
	struct linger lg = {1, 0};
	char buf[8];

	link_reset();
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_send(&link_a, p.a, "unread", 6), 6);
	link_run(50 * NS_MS);
	sk_close(&link_b, p.b); /* unread data: RST */
	p.b = NULL;
	link_run(50 * NS_MS);
	CHECK_U64(conn_of(p.a)->state, TCPS_CLOSED);
	CHECK_U64(sk_recv(&link_a, p.a, buf, sizeof(buf), 0), (uint64_t)-ECONNRESET);
	CHECK_U64(sk_recv(&link_a, p.a, buf, sizeof(buf), 0), 0);
	CHECK_U64(sk_send(&link_a, p.a, "x", 1), (uint64_t)-EPIPE);
	sk_close(&link_a, p.a);
	CHECK_U64(sk_connect(&link_a, p.a = sk_socket(&link_a), LINK_IP_B, 80),
		  (uint64_t)-EINPROGRESS);
	link_run(50 * NS_MS);
	CHECK(pair_accepted(&p));
	link_use(&link_a);
	CHECK_U64(p.a->ops->sock->setsockopt(p.a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	sk_close(&link_a, p.a);
	p.a = NULL;
	link_run(50 * NS_MS);
	CHECK_U64(sk_error(&link_b, p.b), ECONNRESET);
	CHECK(sk_poll(&link_b, p.b) & EPOLLHUP);
	pair_close(&p);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

static void test_refused_and_timeout(void)
{
	struct pith_file *a;
	uint64_t t0;

	link_reset();
	a = sk_socket(&link_a);
	CHECK_U64(sk_connect(&link_a, a, LINK_IP_B, 9), (uint64_t)-EINPROGRESS);
	link_run(10 * NS_MS);
	CHECK(sk_poll(&link_a, a) & EPOLLERR);
	CHECK_U64(sk_error(&link_a, a), ECONNREFUSED);
	sk_close(&link_a, a);
	/* A black hole: SYNs at 0, 1, 3, 7, 15, 31 s (RFC 6298 5.5 backoff), ETIMEDOUT at 63 s. */
	link_conf.down = true;
	link_a.tx_syns = 0;
	a = sk_socket(&link_a);
	t0 = net_host_now;
	CHECK_U64(sk_connect(&link_a, a, LINK_IP_B, 80), (uint64_t)-EINPROGRESS);
	link_run(62 * NS_S);
	CHECK_U64(sk_error(&link_a, a), 0);
	link_run(2 * NS_S);
	CHECK_U64(sk_error(&link_a, a), ETIMEDOUT);
	CHECK_U64(link_a.tx_syns, 1 + TCP_SYN_RETRIES);
	for (unsigned i = 1; i < link_a.tx_syns; i++)
		CHECKF(link_a.syn_times[i] - link_a.syn_times[i - 1] == (NS_S << (i - 1)),
		       "SYN %u after %llu ms", i,
		       (unsigned long long)(link_a.syn_times[i] - link_a.syn_times[i - 1]) / NS_MS);
	CHECK(link_a.syn_times[0] == t0);
	sk_close(&link_a, a);
	CHECK_U64(link_a.stack.nconns, 0);
}

/* The receiver stops reading: the window closes, the sender probes, the data resumes. */
static void test_zero_window(void)
{
	struct pair p;
	static uint8_t buf[1 << 20];
	uint64_t probes = counter("tcp_persist_probes"), sent = 0, got = 0;
	long n;

	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	memset(buf, 7, sizeof(buf));
	while ((n = sk_send(&link_a, p.a, buf, sizeof(buf))) > 0)
		sent += (uint64_t)n;
	link_run(2 * NS_S);
	while ((n = sk_send(&link_a, p.a, buf, sizeof(buf))) > 0)
		sent += (uint64_t)n;
	CHECK_U64(conn_of(p.a)->snd_wnd, 0);
	CHECK(!(sk_poll(&link_a, p.a) & EPOLLOUT));
	link_run(20 * NS_S);
	CHECK(counter("tcp_persist_probes") >= probes + 3);
	printf("  %llu bytes queued, %llu persist probes\n", (unsigned long long)sent,
	       (unsigned long long)(counter("tcp_persist_probes") - probes));
	for (int i = 0; i < 20000 && got < sent; i++) {
		while ((n = sk_recv(&link_b, p.b, buf, sizeof(buf), 0)) > 0)
			got += (uint64_t)n;
		link_run(NS_MS);
	}
	CHECK_U64(got, sent);
	pair_close(&p);
	link_run(60 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

static void test_keepalive(void)
{
	struct pair p;
	uint64_t probes = counter("tcp_keepalive_probes");

	link_reset();
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_KEEPIDLE, 10), 0);
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_KEEPINTVL, 2), 0);
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_KEEPCNT, 3), 0);
	CHECK_U64(sk_setint(&link_a, p.a, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	link_run(35 * NS_S); /* the peer answers: the connection stays */
	CHECK(counter("tcp_keepalive_probes") >= probes + 3);
	CHECK_U64(conn_of(p.a)->state, TCPS_ESTABLISHED);
	link_conf.down = true;
	link_run(10 * NS_S + 3 * 2 * NS_S + NS_S);
	CHECK_U64(sk_error(&link_a, p.a), ETIMEDOUT);
	link_conf.down = false;
	sk_close(&link_b, p.b);
	p.b = NULL;
	pair_close(&p);
	link_run(60 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* Nagle (RFC 9293 section 3.7.4) holds a small segment while data is unacknowledged, TCP_NODELAY
   sends it at once; the receiver delays a lone ACK (RFC 5681 section 4.2) but not past 40 ms. */
static void test_nagle_delack(void)
{
	struct pair p;
	uint64_t segs, segs_b;

	link_reset();
	link_conf.delay_ns = 10 * NS_MS;
	CHECK(pair_open(&p, 80));
	link_run(100 * NS_MS);
	segs = link_a.tx_segs;
	segs_b = link_b.tx_segs;
	CHECK_U64(sk_send(&link_a, p.a, "a", 1), 1);
	CHECK_U64(sk_send(&link_a, p.a, "b", 1), 1);
	CHECK_U64(link_a.tx_segs, segs + 1); /* "b" waits for the ACK of "a" */
	link_run(15 * NS_MS);
	CHECK_U64(link_b.tx_segs, segs_b); /* "a" arrived at 10 ms: B's ACK is delayed */
	link_run(60 * NS_MS);
	CHECK_U64(link_b.tx_segs, segs_b + 1); /* the delayed ACK, 40 ms later */
	CHECK_U64(link_a.tx_segs, segs + 2);   /* then "b" left */
	CHECK(link_last[1].flags == TCP_F_ACK && link_last[1].len == 0);
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	segs = link_a.tx_segs;
	CHECK_U64(sk_send(&link_a, p.a, "c", 1), 1);
	CHECK_U64(sk_send(&link_a, p.a, "d", 1), 1);
	CHECK_U64(link_a.tx_segs, segs + 2);
	link_run(100 * NS_MS);
	char buf[8];
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), 0), 4);
	CHECK(memcmp(buf, "abcd", 4) == 0);
	CHECK_U64(conn_of(p.a)->snd_wscale, TCP_RCV_WSCALE); /* RFC 7323 window scaling on */
	CHECK(conn_of(p.a)->sack_ok && conn_of(p.b)->sack_ok);
	pair_close(&p);
	link_run(60 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* ---- No unbounded life after close (RFC 1122 sections 4.2.2.17 and 4.2.3.5) ---------------- */

/* A sends until B's window is shut (B never reads). */
static void fill_until_zero_window(struct pair *p)
{
	static uint8_t buf[1 << 20];

	memset(buf, 7, sizeof(buf));
	while (sk_send(&link_a, p->a, buf, sizeof(buf)) > 0)
		;
	link_run(2 * NS_S);
	while (sk_send(&link_a, p->a, buf, sizeof(buf)) > 0)
		;
	CHECK_U64(conn_of(p->a)->snd_wnd, 0);
}

/* Ends the pair's test: everything closed, both stacks empty a minute later. */
static void pair_finish(struct pair *p)
{
	link_conf = (struct link_conf){0};
	pair_close(p);
	link_run(TCP_FIN_WAIT2_NS + 2 * TCP_MSL_NS);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* The fuzzer's leak: an orphan probing a zero window whose peer went silent gives up after
   TCP_ORPHAN_RETRIES probes with a reset, and is freed. */
static void test_orphan_zero_window_silent(void)
{
	struct pair p;
	uint64_t probes = counter("tcp_persist_probes");

	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	fill_until_zero_window(&p);
	link_conf.down = true;
	sk_close(&link_a, p.a);
	p.a = NULL;
	CHECK_U64(conn_of(p.b)->state, TCPS_ESTABLISHED);
	link_run(10 * 60 * NS_S);
	CHECK_U64(link_a.stack.nconns, 0);
	CHECK(link_last[0].flags & TCP_F_RST);
	CHECKF(counter("tcp_persist_probes") - probes <= TCP_ORPHAN_RETRIES, "%llu probes",
	       (unsigned long long)(counter("tcp_persist_probes") - probes));
	pair_finish(&p);
}

/* An orphan whose peer answers every probe but keeps its window shut cannot pin its memory:
   it gives up too, and the peer hears a reset. */
static void test_orphan_zero_window_answered(void)
{
	struct pair p;

	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	fill_until_zero_window(&p);
	sk_close(&link_a, p.a);
	p.a = NULL;
	link_run(10 * 60 * NS_S);
	CHECK_U64(link_a.stack.nconns, 0);
	CHECK_U64(sk_error(&link_b, p.b), ECONNRESET);
	pair_finish(&p);
}

/* A socket still open: answered probes keep it (RFC 1122 4.2.2.17), unanswered ones end it. */
static void test_zero_window_open_socket(void)
{
	struct pair p;

	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	fill_until_zero_window(&p);
	link_run(10 * 60 * NS_S);
	CHECK_U64(conn_of(p.a)->state, TCPS_ESTABLISHED);
	CHECK_U64(sk_error(&link_a, p.a), 0);
	link_conf.down = true;
	link_run(5 * 60 * NS_S);
	CHECK_U64(sk_error(&link_a, p.a), ETIMEDOUT);
	CHECK_U64(conn_of(p.a)->state, TCPS_CLOSED);
	pair_finish(&p);
}

/* TCP_USER_TIMEOUT (RFC 5482) and keepalive end a silent zero-window peer sooner. */
static void test_zero_window_user_timeout(void)
{
	struct pair p;

	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_USER_TIMEOUT, 3000), 0);
	fill_until_zero_window(&p);
	link_conf.down = true;
	link_run(2 * NS_S);
	CHECK_U64(sk_error(&link_a, p.a), 0);
	link_run(18 * NS_S);
	CHECK_U64(sk_error(&link_a, p.a), ETIMEDOUT);
	pair_finish(&p);
	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_KEEPIDLE, 5), 0);
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_KEEPINTVL, 1), 0);
	CHECK_U64(sk_setint(&link_a, p.a, IPPROTO_TCP, TCP_KEEPCNT, 2), 0);
	CHECK_U64(sk_setint(&link_a, p.a, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	fill_until_zero_window(&p);
	link_conf.down = true;
	link_run(10 * NS_S);
	CHECK_U64(sk_error(&link_a, p.a), ETIMEDOUT);
	pair_finish(&p);
}

/* Runs until A holds no connection (at most limit_ns); true if it got there. */
static bool a_empty_within(uint64_t limit_ns)
{
	for (uint64_t t = 0; t < limit_ns && link_a.stack.nconns; t += NS_S)
		link_run(NS_S);
	return link_a.stack.nconns == 0;
}

/* FIN-WAIT-1: the peer goes silent before our FIN is acknowledged. */
static void test_fin_wait_1_silent(void)
{
	struct pair p;

	link_reset();
	link_conf.delay_ns = 5 * NS_MS;
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_send(&link_a, p.a, "data", 4), 4);
	link_run(NS_S);
	link_conf.down = true;
	sk_close(&link_a, p.a);
	p.a = NULL;
	link_run(NS_MS);
	CHECK(link_last[0].flags & TCP_F_FIN);
	CHECK(a_empty_within(10 * 60 * NS_S));
	CHECK(link_last[0].flags & TCP_F_RST);
	pair_finish(&p);
}

/* CLOSING (simultaneous close) and LAST-ACK: our FIN is never acknowledged. */
static void test_closing_last_ack_silent(void)
{
	struct pair p;

	link_reset();
	link_conf.delay_ns = 10 * NS_MS;
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_shutdown(&link_a, p.a, SHUT_WR), 0);
	CHECK_U64(sk_shutdown(&link_b, p.b, SHUT_WR), 0);
	link_run(5 * NS_MS);
	link_conf.down = true; /* the FINs cross, their ACKs are lost */
	link_run(7 * NS_MS);
	CHECK_U64(conn_of(p.a)->state, TCPS_CLOSING);
	sk_close(&link_a, p.a);
	p.a = NULL;
	CHECK(a_empty_within(10 * 60 * NS_S));
	pair_finish(&p);
	link_reset();
	link_conf.delay_ns = 10 * NS_MS;
	CHECK(pair_open(&p, 80));
	CHECK_U64(sk_shutdown(&link_b, p.b, SHUT_WR), 0);
	link_run(50 * NS_MS);
	CHECK_U64(conn_of(p.a)->state, TCPS_CLOSE_WAIT);
	link_conf.down = true;
	sk_close(&link_a, p.a);
	p.a = NULL;
	CHECK(a_empty_within(10 * 60 * NS_S));
	pair_finish(&p);
}

/* The fuzzer's second leak: a peer shrinking its window to 1 byte (too small to use, RFC 1122
   4.2.3.4) and then silent; the held data goes after the override timeout, then retries end. */
static void test_tiny_window_silent(void)
{
	struct pith_file *a;
	uint32_t iss;

	link_reset();
	link_conf.down = true;
	a = sk_socket(&link_a);
	CHECK_U64(sk_connect(&link_a, a, LINK_IP_B, 80), (uint64_t)-EINPROGRESS);
	iss = link_last[0].seq;
	link_inject(&link_a, LINK_IP_B, 80, link_last[0].sport, 9000, iss + 1,
		    TCP_F_SYN | TCP_F_ACK, 65535, NULL, 0);
	CHECK_U64(conn_of(a)->state, TCPS_ESTABLISHED);
	link_inject(&link_a, LINK_IP_B, 80, link_last[0].sport, 9001, iss + 1, TCP_F_ACK, 1, NULL,
		    0);
	CHECK_U64(conn_of(a)->snd_wnd, 1);
	CHECK_U64(sk_send(&link_a, a, "0123456789abcdef", 16), 16);
	sk_close(&link_a, a);
	CHECK(a_empty_within(10 * 60 * NS_S));
}

/* 1000 sequential request/response connections on lsn, the server closing first. */
static void sequential_connections(struct pith_file *lsn)
{
	struct pair p = {.lsn = lsn};
	char buf[16];
	unsigned ok = 0;

	for (int i = 0; i < 1000; i++) {
		p.a = sk_socket(&link_a);
		sk_connect(&link_a, p.a, LINK_IP_B, 80);
		if (!link_until(pair_accepted, &p, NS_S))
			continue;
		sk_send(&link_a, p.a, "GET", 3);
		link_run(3 * NS_MS);
		ok += sk_recv(&link_b, p.b, buf, sizeof(buf), 0) == 3;
		sk_send(&link_b, p.b, "200", 3);
		sk_close(&link_b, p.b); /* the server closes first: it holds TIME-WAIT */
		link_run(3 * NS_MS);
		ok += sk_recv(&link_a, p.a, buf, sizeof(buf), 0) == 3;
		sk_close(&link_a, p.a);
	}
	CHECK_U64(ok, 2000);
	CHECK_U64(link_b.stack.tw_count, TCP_TW_MAX); /* the rest were recycled early */
	CHECK(link_b.stack.nconns <= TCP_TW_MAX + 2);
}

/* 200 connections open at once on lsn, then all closed. */
static void concurrent_connections(struct pith_file *lsn)
{
	static struct pair ps[200];
	char buf[16];
	unsigned ok = 0;

	for (int i = 0; i < 200; i++) {
		ps[i].lsn = lsn;
		ps[i].a = sk_socket(&link_a);
		CHECK_U64(sk_connect(&link_a, ps[i].a, LINK_IP_B, 80), (uint64_t)-EINPROGRESS);
	}
	link_run(50 * NS_MS);
	for (int i = 0; i < 200; i++)
		ok += pair_accepted(&ps[i]) && sk_send(&link_a, ps[i].a, "x", 1) == 1;
	CHECK_U64(ok, 200);
	CHECK_U64(link_a.stack.nconns, 200);
	for (int i = 0; i < 200; i++) {
		sk_close(&link_a, ps[i].a);
		if (ps[i].b) {
			link_run(2 * NS_MS);
			sk_recv(&link_b, ps[i].b, buf, sizeof(buf), 0);
			sk_close(&link_b, ps[i].b);
		}
	}
}

/* 1000 sequential connections then 200 at once: memory returns to the baseline. */
static void test_many_connections(void)
{
	size_t kmem0 = net_host_kmem;
	struct pith_file *lsn;

	link_reset();
	link_conf.delay_ns = NS_MS;
	lsn = sk_socket(&link_b);
	CHECK_U64(sk_listen(&link_b, lsn, 80, 256), 0);
	sequential_connections(lsn);
	concurrent_connections(lsn);
	sk_close(&link_b, lsn);
	link_run(2 * TCP_MSL_NS + 40 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
	CHECK_U64(net_host_kmem, kmem0);
}

int main(void)
{
	size_t kmem0 = net_host_kmem;

	printf("handshake and echo\n");
	test_handshake_echo();
	printf("bulk, clean link\n");
	test_bulk_clean();
	printf("bulk, 2%% loss, reordering, duplicates\n");
	test_bulk_lossy();
	printf("simultaneous open and close\n");
	test_simultaneous_open();
	printf("half-close\n");
	test_half_close();
	printf("abortive close\n");
	test_abort_close();
	printf("refused, timed out\n");
	test_refused_and_timeout();
	printf("zero window\n");
	test_zero_window();
	printf("keepalive\n");
	test_keepalive();
	printf("Nagle, delayed ACKs\n");
	test_nagle_delack();
	printf("orphans and silent peers: zero window, FIN-WAIT-1, CLOSING, LAST-ACK\n");
	test_orphan_zero_window_silent();
	test_orphan_zero_window_answered();
	test_zero_window_open_socket();
	test_zero_window_user_timeout();
	test_fin_wait_1_silent();
	test_closing_last_ack_silent();
	test_tiny_window_silent();
	printf("1000 sequential, 200 concurrent connections\n");
	test_many_connections();
	CHECK_U64(net_host_kmem, kmem0);
	return test__done();
}
