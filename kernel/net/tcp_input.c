/* TCP input: header checks, demultiplexing, and segments for LISTEN and SYN-SENT (RFC 9293
   section 3.10.7, "SEGMENT ARRIVES"). The synchronized states are in tcp_rcv.c. */
#include <errno.h>
#include <string.h>

#include "net/tcp.h"
#include "time/time.h"

PITH_COUNTER(tcp_segs_in);
PITH_COUNTER(tcp_drop_short);
PITH_COUNTER(tcp_drop_bad_offset);
PITH_COUNTER(tcp_drop_bad_checksum);
PITH_COUNTER(tcp_drop_bad_options);
PITH_COUNTER(tcp_drop_bad_address);
PITH_COUNTER(tcp_drop_no_socket);
PITH_COUNTER(tcp_drop_listen_rst);
PITH_COUNTER(tcp_drop_listen_ack);
PITH_COUNTER(tcp_drop_listen_not_syn);
PITH_COUNTER(tcp_drop_listen_overflow);
PITH_COUNTER(tcp_drop_no_memory);
PITH_COUNTER(tcp_drop_syn_sent_bad_ack);
PITH_COUNTER(tcp_drop_syn_sent_rst);
PITH_COUNTER(tcp_drop_syn_sent_not_syn);
PITH_COUNTER(tcp_synq_evictions);
PITH_COUNTER(tcp_conns_refused);

/* RFC 2018 section 3: up to four SACK blocks. */
static void tcp_parse_sack(struct tcp_seg *s, const uint8_t *b, unsigned n)
{
	uint32_t v[2];

	for (unsigned i = 0; i < n && s->nsack < 4; i++) {
		memcpy(v, b + 8 * i, 8);
		s->sack[s->nsack++] = (struct tcp_range){pith_ntohl(v[0]), pith_ntohl(v[1])};
	}
}

/* RFC 9293 section 3.1 (options), RFC 7323 sections 2.2 and 3.2, RFC 2018. -1 if malformed. */
int tcp_parse_options(struct tcp_seg *s, const uint8_t *o, unsigned len)
{
	unsigned i = 0, l;

	while (i < len) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || (l = o[i + 1]) < 2 || i + l > len)
			return -1;
		if (o[i] == 2 && l == 4)
			s->mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
		else if (o[i] == 3 && l == 3)
			s->wscale = (int8_t)(o[i + 2] > 14 ? 14 : o[i + 2]); /* RFC 7323 2.3 */
		else if (o[i] == 4 && l == 2)
			s->sack_perm = true;
		else if (o[i] == 5 && l >= 10 && (l - 2) % 8 == 0)
			tcp_parse_sack(s, o + i + 2, (l - 2) / 8);
		else if (o[i] == 8 && l == 10) {
			s->has_ts = true;
			memcpy(&s->tsval, o + i + 2, 4);
			memcpy(&s->tsecr, o + i + 6, 4);
			s->tsval = pith_ntohl(s->tsval);
			s->tsecr = pith_ntohl(s->tsecr);
		}
		i += l;
	}
	return 0;
}

static bool tcp_checksum_ok(const struct pith_pkt *p, const struct pith_ip_info *ip)
{
	uint32_t sum;

	if (p->flags & PITH_PKT_CSUM_VALID)
		return true;
	sum = pith_csum_pseudo(ip->src, ip->dst, PITH_IPPROTO_TCP, (uint16_t)p->len);
	return pith_csum_fold(pith_csum_add(sum, p->data, p->len)) == 0;
}

static bool tcp_addr_unicast(uint32_t a)
{
	uint32_t h = pith_ntohl(a);

	return h && h != 0xffffffffu && (h >> 28) != 0xe; /* RFC 1122 section 4.2.3.10 */
}

/* Fills s from the packet; false (counted) if it must be dropped. */
static bool tcp_seg_parse(struct tcp_seg *s, const struct pith_pkt *p,
			  const struct pith_ip_info *ip)
{
	const struct tcp_hdr *th = (const void *)p->data;
	unsigned off;

	if (p->len < TCP_HLEN)
		return PITH_COUNT(tcp_drop_short), false;
	off = (th->off >> 4) * 4u;
	if (off < TCP_HLEN || off > p->len)
		return PITH_COUNT(tcp_drop_bad_offset), false;
	if (!tcp_checksum_ok(p, ip))
		return PITH_COUNT(tcp_drop_bad_checksum), false;
	if (!tcp_addr_unicast(ip->src) || !tcp_addr_unicast(ip->dst) || !th->sport || !th->dport)
		return PITH_COUNT(tcp_drop_bad_address), false;
	memset(s, 0, sizeof(*s));
	s->wscale = -1;
	if (tcp_parse_options(s, p->data + TCP_HLEN, off - TCP_HLEN) < 0)
		return PITH_COUNT(tcp_drop_bad_options), false;
	s->th = th;
	s->data = p->data + off;
	s->len = p->len - off;
	s->seq = pith_ntohl(th->seq);
	s->ack = pith_ntohl(th->ack);
	s->wnd = pith_ntohs(th->win);
	s->flags = th->flags & 0x3f;
	s->src = ip->src;
	s->dst = ip->dst;
	return true;
}

/* RFC 9293 section 3.6.1 / RFC 6191: a new SYN may reopen a connection in TIME-WAIT. */
static bool tcp_time_wait_reopen(struct tcp_conn *c, struct tcp_seg *s)
{
	struct tcp_conn *l;

	if (c->state != TCPS_TIME_WAIT ||
	    (s->flags & (TCP_F_SYN | TCP_F_ACK | TCP_F_RST)) != TCP_F_SYN)
		return false;
	if (c->ts_ok && s->has_ts ? !tcp_seq_gt(s->tsval, c->ts_recent)
				  : !tcp_seq_gt(s->seq, c->rcv_nxt))
		return false;
	l = tcp_listener_lookup(s->dst, s->th->dport);
	if (!l)
		return false;
	tcp_conn_done(c, 0);
	tcp_rcv_listen(l, s);
	return true;
}

/* Hands the parsed segment to its connection, listener, or the reset reply. */
static void tcp_demux(struct tcp_seg *s)
{
	struct tcp_conn *c = tcp_conn_lookup(s->dst, s->th->dport, s->src, s->th->sport);

	if (c) {
		if (c->state == TCPS_SYN_SENT)
			tcp_rcv_syn_sent(c, s);
		else if (!tcp_time_wait_reopen(c, s))
			tcp_rcv_synchronized(c, s);
		return;
	}
	c = tcp_listener_lookup(s->dst, s->th->dport);
	if (c) {
		tcp_rcv_listen(c, s);
		return;
	}
	PITH_COUNT(tcp_drop_no_socket); /* RFC 9293 section 3.10.7.1: CLOSED */
	tcp_send_rst_reply(s);
}

void pith_tcp_input(struct pith_pkt *p, const struct pith_ip_info *ip)
{
	struct tcp_seg s;
	uint64_t held;

	PITH_COUNT(tcp_segs_in);
	if (!tcp_seg_parse(&s, p, ip))
		return;
	held = tcp_clock_hold(pith_time_monotonic_ns());
	tcp_demux(&s);
	tcp_clock_hold(held);
}

/* RFC 9293 section 3.7.1 (MSS), RFC 7323 sections 2.2 and 3.2 (both sides must offer). */
void tcp_apply_syn_options(struct tcp_conn *c, const struct tcp_seg *s)
{
	uint16_t ours = tcp_our_mss();

	if (c->user_mss && c->user_mss < ours)
		ours = (uint16_t)c->user_mss;
	c->mss = s->mss ? (s->mss < ours ? s->mss : ours) : TCP_DEFAULT_MSS;
	if (c->mss < 88)
		c->mss = 88; /* a floor, as Linux: no 1-byte segments */
	c->ws_ok = s->wscale >= 0;
	c->snd_wscale = c->ws_ok ? (uint8_t)s->wscale : 0;
	c->rcv_wscale = c->ws_ok ? TCP_RCV_WSCALE : 0;
	c->sack_ok = s->sack_perm;
	c->ts_ok = s->has_ts;
	if (c->ts_ok) {
		c->ts_recent = s->tsval;
		c->ts_recent_ns = tcp_now();
	}
}

/* Makes room in a full SYN queue by dropping its oldest embryo (the list's tail). */
static void tcp_synq_evict(struct tcp_conn *l)
{
	struct tcp_conn *c = l->synq;

	while (c && c->qnext)
		c = c->qnext;
	if (!c)
		return;
	PITH_COUNT(tcp_synq_evictions);
	tcp_conn_done(c, 0);
}

static unsigned tcp_synq_limit(const struct tcp_conn *l)
{
	return l->backlog > TCP_SYNQ_MAX ? l->backlog : TCP_SYNQ_MAX;
}

/* An embryo in SYN-RECEIVED for the SYN s, inheriting the listener's options. */
static struct tcp_conn *tcp_embryo_new(struct tcp_conn *l, const struct tcp_seg *s)
{
	struct tcp_conn *c = tcp_conn_new();

	if (!c)
		return NULL;
	c->lip = s->dst, c->lport = s->th->dport, c->rip = s->src, c->rport = s->th->sport;
	c->nodelay = l->nodelay, c->keepalive = l->keepalive, c->user_mss = l->user_mss;
	c->keepidle_s = l->keepidle_s, c->keepintvl_s = l->keepintvl_s, c->keepcnt = l->keepcnt;
	c->sndbuf = l->sndbuf, c->rcvbuf = l->rcvbuf;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_apply_syn_options(c, s);
	c->iss = tcp_isn(c->lip, c->lport, c->rip, c->rport);
	c->ts_offset = c->iss * 2654435761u;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wnd = s->wnd; /* RFC 7323 section 2.2: never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->max_snd_wnd = c->snd_wnd;
	c->state = TCPS_SYN_RCVD;
	c->bound = true;
	return c;
}

/* RFC 9293 section 3.10.7.2: a segment for a listener. */
void tcp_rcv_listen(struct tcp_conn *l, struct tcp_seg *s)
{
	struct tcp_conn *c;

	if (s->flags & TCP_F_RST)
		return (void)PITH_COUNT(tcp_drop_listen_rst);
	if (s->flags & TCP_F_ACK) {
		PITH_COUNT(tcp_drop_listen_ack);
		return tcp_send_rst_reply(s);
	}
	if (!(s->flags & TCP_F_SYN))
		return (void)PITH_COUNT(tcp_drop_listen_not_syn);
	if (l->acceptq_len >= l->backlog)
		return (void)PITH_COUNT(tcp_drop_listen_overflow); /* the client retries */
	if (l->synq_len >= tcp_synq_limit(l))
		tcp_synq_evict(l);
	c = tcp_embryo_new(l, s);
	if (!c)
		return (void)PITH_COUNT(tcp_drop_no_memory);
	c->parent = l;
	c->in_synq = true;
	c->qnext = l->synq;
	if (l->synq)
		l->synq->qprev = c;
	l->synq = c;
	l->synq_len++;
	tcp_conn_hash(c);
	tcp_send_syn(c);
	tcp_timer_set(c, TCP_T_RTX, c->rto);
}

/* Our SYN is acknowledged and the peer's SYN received: the connection is open. */
void tcp_established(struct tcp_conn *c, const struct tcp_seg *s)
{
	c->snd_una = s->ack;
	if (tcp_seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	c->snd_wnd = s->flags & TCP_F_SYN ? s->wnd : s->wnd << c->snd_wscale;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->max_snd_wnd = tcp_max32(c->max_snd_wnd, c->snd_wnd);
	c->retries = 0;
	if (c->rtt_timing) { /* the handshake's RTT (RFC 6298 section 2.2); not after a retry */
		tcp_rtt_sample(c, tcp_now() - c->rtt_start);
		c->rtt_timing = false;
	}
	tcp_timer_stop(c, TCP_T_RTX);
	tcp_cc_init(c);
	tcp_keepalive_reset(c);
	if (c->keepalive)
		tcp_timer_set(c, TCP_T_KEEP, c->keepidle_s * 1000000000ull);
	c->state = TCPS_ESTABLISHED;
}

static bool tcp_syn_sent_ack_ok(const struct tcp_conn *c, const struct tcp_seg *s)
{
	return tcp_seq_gt(s->ack, c->iss) && tcp_seq_leq(s->ack, c->snd_max);
}

/* RFC 9293 section 3.10.7.3: a segment in SYN-SENT. */
void tcp_rcv_syn_sent(struct tcp_conn *c, struct tcp_seg *s)
{
	bool ack = s->flags & TCP_F_ACK;

	if (ack && !tcp_syn_sent_ack_ok(c, s)) {
		PITH_COUNT(tcp_drop_syn_sent_bad_ack);
		return tcp_send_rst_reply(s);
	}
	if (s->flags & TCP_F_RST) {
		if (!ack)
			return (void)PITH_COUNT(tcp_drop_syn_sent_rst); /* RFC 5961 section 3.2 */
		PITH_COUNT(tcp_conns_refused);
		tcp_conn_done(c, ECONNREFUSED);
		return;
	}
	if (!(s->flags & TCP_F_SYN))
		return (void)PITH_COUNT(tcp_drop_syn_sent_not_syn);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	tcp_apply_syn_options(c, s);
	if (ack) {
		tcp_established(c, s);
		c->ack_now = true;
		tcp_output(c);
	} else { /* simultaneous open (RFC 9293 section 3.5, figure 7) */
		c->state = TCPS_SYN_RCVD;
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		tcp_send_syn(c);
	}
	tcp_conn_wake(c);
}

PITH_COUNTER(tcp_icmp_errors);
PITH_COUNTER(tcp_drop_icmp_no_conn);
PITH_COUNTER(tcp_drop_icmp_bad_seq);

/* RFC 1122 section 4.2.3.9 and RFC 5927 section 4.1: an ICMP error quoting our segment. Port or
   protocol unreachable (hard errors) abort a connection still in SYN-SENT; the rest are
   counted only (path MTU discovery is not done). */
void pith_tcp_icmp_error(uint32_t src, uint32_t dst, const uint8_t *q, size_t len, uint8_t type,
			 uint8_t code)
{
	unsigned ihl = len ? (q[0] & 15) * 4u : 0;
	const struct tcp_hdr *th = (const void *)(q + ihl);
	struct tcp_conn *c;
	uint32_t seq;

	PITH_COUNT(tcp_icmp_errors);
	if (ihl < 20 || len < ihl + 8)
		return (void)PITH_COUNT(tcp_drop_icmp_no_conn);
	c = tcp_conn_lookup(src, th->sport, dst, th->dport);
	if (!c)
		return (void)PITH_COUNT(tcp_drop_icmp_no_conn);
	memcpy(&seq, q + ihl + 4, 4);
	seq = pith_ntohl(seq);
	if (!tcp_seq_in(seq, c->snd_una, c->snd_max + 1))
		return (void)PITH_COUNT(tcp_drop_icmp_bad_seq);
	if (type == 3 && (code == 2 || code == 3) && c->state == TCPS_SYN_SENT)
		tcp_conn_done(c, ECONNREFUSED);
}
