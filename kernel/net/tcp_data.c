/* TCP input, the segment text and FIN (RFC 9293 section 3.10.7.4, seventh and eighth checks):
   in-order and out-of-order data in the receive ring, and the closing transitions. */
#include <errno.h>

#include "net/tcp.h"

PITH_COUNTER(tcp_drop_data_after_close);
PITH_COUNTER(tcp_drop_data_not_expected);
PITH_COUNTER(tcp_drop_ooo_full);
PITH_COUNTER(tcp_drop_rcvbuf_full);
PITH_COUNTER(tcp_ooo_segs);

/* Adds [start, end) to the out-of-order ranges, merging with overlapping ones. */
static bool tcp_ooo_add(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	for (unsigned i = 0; i < c->nooo; i++) {
		struct tcp_range *r = &c->ooo[i];

		if (tcp_seq_gt(start, r->end) || tcp_seq_lt(end, r->start))
			continue;
		if (tcp_seq_lt(start, r->start))
			r->start = start;
		if (tcp_seq_gt(end, r->end))
			r->end = end;
		return true; /* a later merge of ranges among themselves happens on delivery */
	}
	if (c->nooo == TCP_OOO_MAX)
		return false;
	c->ooo[c->nooo++] = (struct tcp_range){start, end};
	return true;
}

/* Moves RCV.NXT over out-of-order ranges it now reaches; true if any was. */
static bool tcp_ooo_deliver(struct tcp_conn *c)
{
	bool moved = false, again = true;

	while (again) {
		again = false;
		for (unsigned i = 0; i < c->nooo; i++) {
			struct tcp_range *r = &c->ooo[i];

			if (tcp_seq_gt(r->start, c->rcv_nxt))
				continue;
			if (tcp_seq_gt(r->end, c->rcv_nxt)) {
				c->rcvq.len += r->end - c->rcv_nxt;
				c->rcv_nxt = r->end;
				moved = again = true;
			}
			c->ooo[i--] = c->ooo[--c->nooo];
		}
	}
	return moved;
}

/* Stores s's bytes (already trimmed to the window) at their place in the receive ring. */
static bool tcp_store(struct tcp_conn *c, const struct tcp_seg *s, uint32_t gap)
{
	uint32_t keep = c->rcvq.len, off = keep + gap, n = s->len;

	if (off >= c->rcvbuf)
		return false;
	n = tcp_min32(n, c->rcvbuf - off);
	if (tcp_ring_write_at(&c->rcvq, off, s->data, n, c->rcvbuf) < 0)
		return false;
	if (gap) {
		c->rcvq.len = keep;
		c->ooo_last = s->seq;
		return tcp_ooo_add(c, s->seq, s->seq + n) || (PITH_COUNT(tcp_drop_ooo_full), false);
	}
	c->rcv_nxt += n;
	return true;
}

/* The peer's FIN is next in sequence: consume it and change state; true if c is gone. */
static bool tcp_fin_now(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->rcv_fin = true;
	c->rcv_fin_pending = false;
	c->ack_now = true;
	switch (c->state) {
	case TCPS_SYN_RCVD:
	case TCPS_ESTABLISHED:
		c->state = TCPS_CLOSE_WAIT;
		break;
	case TCPS_FIN_WAIT_1: /* our FIN is not acknowledged yet: simultaneous close */
		c->state = TCPS_CLOSING;
		break;
	case TCPS_FIN_WAIT_2:
		tcp_enter_time_wait(c);
		break;
	case TCPS_TIME_WAIT:
		tcp_timer_set(c, TCP_T_2MSL, 2 * TCP_MSL_NS); /* a retransmitted FIN */
		break;
	default:
		break;
	}
	return false;
}

/* The segment's text; true if c is gone. */
bool tcp_rcv_data(struct tcp_conn *c, struct tcp_seg *s)
{
	uint32_t gap = s->seq - c->rcv_nxt;
	bool full;

	if (c->state != TCPS_ESTABLISHED && c->state != TCPS_FIN_WAIT_1 &&
	    c->state != TCPS_FIN_WAIT_2) {
		PITH_COUNT(tcp_drop_data_not_expected); /* after the peer's FIN */
		return false;
	}
	if (!c->file && c->parent == NULL && c->rd_shut) {
		PITH_COUNT(tcp_drop_data_after_close); /* as Linux: data for a closed socket */
		tcp_send_rst_conn(c);
		return tcp_conn_done(c, 0);
	}
	full = s->len >= c->mss - (c->ts_ok ? 12u : 0u);
	if (!tcp_store(c, s, gap)) {
		PITH_COUNT(tcp_drop_rcvbuf_full);
		c->ack_now = true;
		return false;
	}
	if (gap) {
		PITH_COUNT(tcp_ooo_segs);
		c->ack_now = true; /* RFC 5681 section 4.2: a duplicate ACK at once */
		return false;
	}
	if (tcp_ooo_deliver(c) || c->nooo)
		c->ack_now = true; /* filled (part of) a hole */
	tcp_schedule_ack(c, full);
	return false;
}

/* The FIN bit, or a FIN seen earlier out of order; true if c is gone. */
bool tcp_rcv_fin(struct tcp_conn *c, struct tcp_seg *s)
{
	uint32_t fin = s->flags & TCP_F_FIN ? s->seq + s->len : c->rcv_fin_seq;

	if (c->rcv_fin) { /* a retransmitted FIN (RFC 9293 section 3.10.7.4, TIME-WAIT) */
		c->ack_now = true;
		if (c->state == TCPS_TIME_WAIT)
			tcp_timer_set(c, TCP_T_2MSL, 2 * TCP_MSL_NS);
		return false;
	}
	if (c->state == TCPS_SYN_RCVD)
		return false;
	if (fin == c->rcv_nxt)
		return tcp_fin_now(c);
	if (tcp_seq_gt(fin, c->rcv_nxt)) {
		c->rcv_fin_pending = true;
		c->rcv_fin_seq = fin;
	}
	return false;
}
