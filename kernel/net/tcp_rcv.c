/* TCP input in the synchronized states: RFC 9293 section 3.10.7.4's checks in order, with
   RFC 5961's defences and RFC 7323's PAWS. */
#include <errno.h>
#include <string.h>

#include "net/tcp.h"

PITH_COUNTER(tcp_drop_paws);
PITH_COUNTER(tcp_drop_out_of_window);
PITH_COUNTER(tcp_drop_rst_not_exact);
PITH_COUNTER(tcp_drop_syn_in_window);
PITH_COUNTER(tcp_drop_no_ack);
PITH_COUNTER(tcp_drop_synrcvd_bad_ack);
PITH_COUNTER(tcp_drop_accept_queue_full);
PITH_COUNTER(tcp_challenge_acks);
PITH_COUNTER(tcp_challenge_acks_limited);
PITH_COUNTER(tcp_conns_reset);

#define TCP_CHALLENGE_PER_S 1000
#define TCP_PAWS_IDLE_NS    (24ull * 24 * 3600 * 1000000000ull) /* RFC 7323 section 5.5 */

/* RFC 5961 section 7: challenge ACKs, at most TCP_CHALLENGE_PER_S a second. */
void tcp_challenge_ack(struct tcp_conn *c)
{
	struct tcp_stack *st = pith_tcp;
	uint64_t now = tcp_now();

	if (now - st->challenge_start >= 1000000000ull) {
		st->challenge_start = now;
		st->challenges = 0;
	}
	if (++st->challenges > TCP_CHALLENGE_PER_S)
		return (void)PITH_COUNT(tcp_challenge_acks_limited);
	PITH_COUNT(tcp_challenge_acks);
	tcp_send_ack(c);
}

/* RFC 7323 section 5.3 R1: true if the segment is an old duplicate (then ACK it). */
static bool tcp_paws_reject(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (!c->ts_ok || !s->has_ts || (s->flags & TCP_F_RST))
		return false;
	if (!tcp_seq_lt(s->tsval, c->ts_recent))
		return false;
	if (tcp_now() - c->ts_recent_ns > TCP_PAWS_IDLE_NS) {
		c->ts_recent = s->tsval; /* section 5.5: ts_recent is too old to trust */
		return false;
	}
	return true;
}

/* RFC 9293 section 3.10.7.4, first check: the four cases of acceptability. */
static bool tcp_seq_acceptable(const struct tcp_conn *c, const struct tcp_seg *s, uint32_t wnd)
{
	uint32_t seglen = s->len + !!(s->flags & (TCP_F_SYN));
	uint32_t end = c->rcv_nxt + wnd;

	seglen += !!(s->flags & TCP_F_FIN);
	if (!seglen)
		return wnd ? tcp_seq_in(s->seq, c->rcv_nxt, end) : s->seq == c->rcv_nxt;
	if (!wnd)
		return false;
	return tcp_seq_in(s->seq, c->rcv_nxt, end) ||
	       tcp_seq_in(s->seq + seglen - 1, c->rcv_nxt, end);
}

/* Trims the segment to the window wnd: old bytes at the front, bytes past the window's end. */
static void tcp_seg_trim(const struct tcp_conn *c, struct tcp_seg *s, uint32_t wnd)
{
	uint32_t end = c->rcv_nxt + wnd, d;

	if (s->flags & TCP_F_SYN && tcp_seq_lt(s->seq, c->rcv_nxt)) {
		s->flags &= ~TCP_F_SYN;
		s->seq++;
	}
	if (tcp_seq_lt(s->seq, c->rcv_nxt)) {
		d = tcp_min32(c->rcv_nxt - s->seq, s->len);
		s->data += d, s->len -= d, s->seq += d;
	}
	if (tcp_seq_gt(s->seq + s->len, end)) {
		s->len = tcp_seq_gt(end, s->seq) ? end - s->seq : 0;
		s->flags &= ~TCP_F_FIN;
	}
}

/* RFC 5961 section 3.2: a reset is obeyed only at exactly RCV.NXT. True if c is gone/closed. */
static bool tcp_rcv_rst(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (s->seq != c->rcv_nxt) {
		PITH_COUNT(tcp_drop_rst_not_exact);
		tcp_challenge_ack(c);
		return true;
	}
	PITH_COUNT(tcp_conns_reset);
	if (c->state == TCPS_SYN_RCVD)
		tcp_conn_done(c, c->parent ? 0 : ECONNREFUSED);
	else if (c->state >= TCPS_CLOSING)
		tcp_conn_done(c, 0);
	else
		tcp_conn_done(c, ECONNRESET);
	return true;
}

/* The early checks (PAWS, sequence, RST, SYN); true if the segment is finished with. */
static bool tcp_rcv_checks(struct tcp_conn *c, struct tcp_seg *s)
{
	uint32_t wnd;

	if (tcp_paws_reject(c, s)) {
		PITH_COUNT(tcp_drop_paws);
		tcp_send_ack(c);
		return true;
	}
	wnd = tcp_rcv_window(c); /* once: the checks below do not change it */
	if (!tcp_seq_acceptable(c, s, wnd)) {
		PITH_COUNT(tcp_drop_out_of_window);
		if (!(s->flags & TCP_F_RST))
			tcp_send_ack(c);
		return true;
	}
	if (s->flags & TCP_F_RST)
		return tcp_rcv_rst(c, s);
	tcp_seg_trim(c, s, wnd);
	if (s->flags & TCP_F_SYN) { /* RFC 5961 section 4.2 */
		PITH_COUNT(tcp_drop_syn_in_window);
		tcp_challenge_ack(c);
		return true;
	}
	if (!(s->flags & TCP_F_ACK))
		return PITH_COUNT(tcp_drop_no_ack), true;
	return false;
}

/* RFC 7323 section 4.3: remember the timestamp to echo. */
static void tcp_update_ts_recent(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (c->ts_ok && s->has_ts && tcp_seq_geq(s->tsval, c->ts_recent) &&
	    tcp_seq_leq(s->seq, c->last_ack_sent)) {
		c->ts_recent = s->tsval;
		c->ts_recent_ns = tcp_now();
	}
}

/* SYN-RECEIVED and an acceptable ACK: open; an embryo moves to its listener's accept queue.
   True if the segment is finished with. */
static bool tcp_rcv_synrcvd_ack(struct tcp_conn *c, struct tcp_seg *s)
{
	if (!tcp_seq_gt(s->ack, c->snd_una) || tcp_seq_gt(s->ack, c->snd_max)) {
		PITH_COUNT(tcp_drop_synrcvd_bad_ack);
		tcp_send_rst_reply(s);
		return true;
	}
	if (c->parent && c->parent->acceptq_len >= c->parent->backlog) {
		PITH_COUNT(tcp_drop_accept_queue_full); /* stay embryonic: the peer retransmits */
		return true;
	}
	c->snd_una = c->iss + 1;
	tcp_established(c, s);
	if (c->parent)
		tcp_sock_accept_ready(c->parent, c);
	return false;
}

/* The peer's segment s in a synchronized state (SYN-RECEIVED and later). */
void tcp_rcv_synchronized(struct tcp_conn *c, struct tcp_seg *s)
{
	if (c->state == TCPS_SYN_RCVD && (s->flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_SYN &&
	    s->seq == c->irs) {
		tcp_send_syn(c); /* the peer lost our SYN-ACK */
		return;
	}
	if (tcp_rcv_checks(c, s))
		return;
	tcp_update_ts_recent(c, s);
	tcp_keepalive_reset(c);
	if (c->state == TCPS_SYN_RCVD && tcp_rcv_synrcvd_ack(c, s))
		return;
	if (tcp_rcv_ack(c, s))
		return;
	if (s->len && tcp_rcv_data(c, s))
		return;
	if ((s->flags & TCP_F_FIN || c->rcv_fin_pending) && tcp_rcv_fin(c, s))
		return;
	tcp_output(c);
	tcp_conn_wake(c);
}
