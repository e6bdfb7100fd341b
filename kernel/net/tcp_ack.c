/* TCP input, the ACK field (RFC 9293 section 3.10.7.4, fifth check; RFC 5961 section 5). */
#include <errno.h>

#include "net/tcp.h"

PITH_COUNTER(tcp_drop_ack_beyond);
PITH_COUNTER(tcp_drop_ack_old);
PITH_COUNTER(tcp_dupacks_in);

/* RFC 6298 section 3 / RFC 7323 section 4: a round-trip sample from this ACK, if any. */
static void tcp_ack_rtt(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (c->ts_ok && s->has_ts && s->tsecr) {
		uint32_t ms = tcp_ts_now(c) - s->tsecr;

		if (ms < 60000)
			tcp_rtt_sample(c, (uint64_t)ms * 1000000 + 500000);
	} else if (c->rtt_timing && tcp_seq_gt(s->ack, c->rtt_seq)) {
		tcp_rtt_sample(c, tcp_now() - c->rtt_start);
		c->rtt_timing = false;
	}
}

/* SND.UNA advances to s->ack: free the acknowledged bytes. */
static void tcp_ack_new(struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t acked = s->ack - c->snd_una;

	tcp_ring_consume(&c->sndq, tcp_min32(acked, c->sndq.len));
	c->snd_una = s->ack;
	tcp_sack_trim(c);
	if (tcp_seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	tcp_ack_rtt(c, s);
	c->retries = 0;
	tcp_cc_check_spurious(c, s);
	tcp_cc_ack(c, acked);
	tcp_rearm_rtx(c);
}

/* RFC 5681 section 2: the definition of a duplicate ACK. */
static bool tcp_is_dupack(const struct tcp_conn *c, const struct tcp_seg *s, uint32_t wnd)
{
	return s->ack == c->snd_una && !s->len && !(s->flags & (TCP_F_SYN | TCP_F_FIN)) &&
	       wnd == c->snd_wnd && c->snd_max != c->snd_una;
}

/* RFC 9293 section 3.10.7.4: SND.WND from the segment if it is not an older one. */
static void tcp_ack_window(struct tcp_conn *c, const struct tcp_seg *s, uint32_t wnd)
{
	if (!(tcp_seq_lt(c->snd_wl1, s->seq) ||
	      (c->snd_wl1 == s->seq && tcp_seq_leq(c->snd_wl2, s->ack))))
		return;
	if (!c->snd_wnd && wnd) {
		tcp_timer_stop(c, TCP_T_PERSIST);
		c->retries = 0;
	}
	c->snd_wnd = wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->max_snd_wnd = tcp_max32(c->max_snd_wnd, wnd);
}

static bool tcp_our_fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && c->snd_una == c->fin_seq + 1;
}

void tcp_enter_time_wait(struct tcp_conn *c)
{
	for (int t = 0; t < TCP_T_COUNT; t++)
		c->timer[t] = 0;
	c->state = TCPS_TIME_WAIT;
	tcp_ring_free(&c->sndq);
	if (!c->file)
		tcp_ring_free(&c->rcvq);
	tcp_timer_set(c, TCP_T_2MSL, 2 * TCP_MSL_NS); /* RFC 9293 section 3.10.7.4 */
	if (!c->file)
		tcp_tw_add(c);
}

/* The closing states' reactions to our FIN being acknowledged; true if c is gone. */
static bool tcp_ack_fin_states(struct tcp_conn *c)
{
	if (!tcp_our_fin_acked(c))
		return false;
	switch (c->state) {
	case TCPS_FIN_WAIT_1:
		c->state = TCPS_FIN_WAIT_2;
		if (!c->file) /* an orphan may not wait forever for the peer's FIN */
			tcp_timer_set(c, TCP_T_2MSL, TCP_FIN_WAIT2_NS);
		return false;
	case TCPS_CLOSING:
		tcp_enter_time_wait(c);
		return false;
	case TCPS_LAST_ACK:
		tcp_conn_done(c, 0);
		return true;
	default:
		return false;
	}
}

/* The ACK field; true if the segment is finished with (or c is gone). */
bool tcp_rcv_ack(struct tcp_conn *c, struct tcp_seg *s)
{
	uint32_t wnd = s->wnd << c->snd_wscale;
	bool sacked;

	if (tcp_seq_gt(s->ack, c->snd_max)) { /* RFC 5961 section 5.2: ACK of unsent data */
		PITH_COUNT(tcp_drop_ack_beyond);
		tcp_send_ack(c);
		return true;
	}
	if (tcp_seq_lt(s->ack, c->snd_una - c->max_snd_wnd)) { /* RFC 5961 section 5.2 */
		PITH_COUNT(tcp_drop_ack_old);
		tcp_challenge_ack(c);
		return true;
	}
	c->probes = 0; /* the peer answers (RFC 1122 section 4.2.2.17) */
	sacked = tcp_sack_update(c, s);
	if (tcp_seq_gt(s->ack, c->snd_una)) {
		tcp_ack_new(c, s);
	} else if (tcp_is_dupack(c, s, wnd) || (sacked && s->ack == c->snd_una)) {
		PITH_COUNT(tcp_dupacks_in);
		if (tcp_cc_dupack(c))
			tcp_output(c);
	}
	tcp_ack_window(c, s, wnd);
	if (c->state == TCPS_TIME_WAIT)
		return false;
	return tcp_ack_fin_states(c);
}
