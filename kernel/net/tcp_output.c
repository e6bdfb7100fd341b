/* TCP output: building segments (options, checksum), the send loop with Nagle and the windows. */
#include <string.h>

#include "net/tcp.h"

PITH_COUNTER(tcp_drop_tx_no_buffer);
PITH_COUNTER(tcp_drop_tx_route);
PITH_COUNTER(tcp_segs_out);
PITH_COUNTER(tcp_retransmits);
PITH_COUNTER(tcp_rsts_out);

#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_WS  3
#define TCP_OPT_TS  8

uint16_t tcp_our_mss(void)
{
	uint16_t mtu = pith_netif.mtu ? pith_netif.mtu : 1500;

	return mtu - 40; /* RFC 9293 section 3.7.1: MTU minus the IP and TCP headers */
}

uint32_t tcp_ts_now(const struct tcp_conn *c)
{
	return (uint32_t)(tcp_now() / 1000000) + c->ts_offset; /* RFC 7323 section 5.4: 1 ms */
}

static uint32_t tcp_eff_mss(const struct tcp_conn *c)
{
	return c->mss - (c->ts_ok ? 12 : 0);
}

/* The window to advertise (RFC 9293 section 3.8.6.2.2: receiver-side SWS avoidance; RFC 7323
   section 2.4: never shrink the right edge already offered). */
uint32_t tcp_rcv_window(struct tcp_conn *c)
{
	uint32_t space = c->rcvbuf > c->rcvq.len ? c->rcvbuf - c->rcvq.len : 0;
	uint32_t max = 65535u << (c->ws_ok ? c->rcv_wscale : 0);
	uint32_t old = tcp_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

	if (c->rd_shut && !c->file)
		space = 0;
	space = tcp_min32(space, max);
	if (space < old + tcp_min32(c->rcvbuf / 2, c->mss))
		space = old; /* too small an increase to announce */
	if (c->ws_ok)
		space &= ~((1u << c->rcv_wscale) - 1);
	return tcp_max32(space, old);
}

/* Writes the options; returns their length (a multiple of 4). len: the payload, which SACK
   blocks must leave room for. */
static unsigned tcp_put_options(struct tcp_conn *c, uint8_t *o, bool syn, uint32_t len)
{
	unsigned n = 0;

	if (syn) { /* RFC 9293 section 3.7.1; RFC 7323 sections 2.2, 3.2 */
		uint16_t mss = tcp_our_mss();

		if (c->user_mss && c->user_mss < mss)
			mss = (uint16_t)c->user_mss;
		o[n++] = TCP_OPT_MSS, o[n++] = 4, o[n++] = mss >> 8, o[n++] = mss & 0xff;
		if (c->ws_ok || c->state != TCPS_SYN_RCVD) {
			o[n++] = TCP_OPT_NOP, o[n++] = TCP_OPT_WS, o[n++] = 3;
			o[n++] = c->rcv_wscale;
		}
		if (c->sack_ok || c->state != TCPS_SYN_RCVD) /* RFC 2018 section 2 */
			o[n++] = TCP_OPT_NOP, o[n++] = TCP_OPT_NOP, o[n++] = 4, o[n++] = 2;
	}
	if (c->ts_ok || (syn && c->state != TCPS_SYN_RCVD)) {
		uint32_t tsv = pith_htonl(tcp_ts_now(c)), tse = pith_htonl(c->ts_recent);

		o[n++] = TCP_OPT_NOP, o[n++] = TCP_OPT_NOP, o[n++] = TCP_OPT_TS, o[n++] = 10;
		memcpy(o + n, &tsv, 4);
		memcpy(o + n + 4, &tse, 4);
		n += 8;
	}
	if (!syn && c->sack_ok && c->nooo && len + n + 12 <= c->mss)
		n += tcp_sack_put_blocks(c, o + n, c->mss - len - n);
	return n;
}

static void tcp_checksum(struct pith_pkt *p, uint32_t src, uint32_t dst)
{
	struct tcp_hdr *th = (struct tcp_hdr *)p->data;
	uint32_t sum = pith_csum_pseudo(src, dst, PITH_IPPROTO_TCP, p->len);

	th->csum = 0;
	th->csum = pith_csum_fold(pith_csum_add(sum, p->data, p->len));
}

/* Sends the built segment at p->data. */
static void tcp_emit(struct pith_pkt *p, uint32_t src, uint32_t dst)
{
	tcp_checksum(p, src, dst);
	PITH_COUNT(tcp_segs_out);
	if (pith_ipv4_output(p, src, dst, PITH_IPPROTO_TCP) < 0)
		PITH_COUNT(tcp_drop_tx_route);
}

/* A segment of c with `len` bytes of payload space after the header; NULL if no buffer. */
static struct pith_pkt *tcp_build(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t len)
{
	struct pith_pkt *p = pith_pkt_alloc();
	struct tcp_hdr *th;
	uint8_t opts[40];
	unsigned olen, win;
	bool syn = flags & TCP_F_SYN;

	if (!p) {
		PITH_COUNT(tcp_drop_tx_no_buffer);
		return NULL;
	}
	olen = tcp_put_options(c, opts, syn, len);
	th = pith_pkt_put(p, TCP_HLEN + olen + len);
	win = tcp_rcv_window(c);
	th->sport = c->lport;
	th->dport = c->rport;
	th->seq = pith_htonl(seq);
	th->ack = pith_htonl((flags & TCP_F_ACK) ? c->rcv_nxt : 0);
	th->off = (uint8_t)(((TCP_HLEN + olen) / 4) << 4);
	th->flags = flags;
	th->win =
	    pith_htons((uint16_t)tcp_min32(syn || !c->ws_ok ? win : win >> c->rcv_wscale, 65535));
	th->urp = 0;
	memcpy(th + 1, opts, olen);
	if (flags & TCP_F_ACK) {
		c->rcv_adv = c->rcv_nxt + win;
		c->last_ack_sent = c->rcv_nxt;
		c->ack_pending = c->ack_now = false;
		c->segs_unacked = 0;
		tcp_timer_stop(c, TCP_T_DELACK);
	}
	return p;
}

static void tcp_send_ctl(struct tcp_conn *c, uint32_t seq, uint8_t flags)
{
	struct pith_pkt *p = tcp_build(c, seq, flags, 0);

	if (!p) {
		tcp_timer_set(c, TCP_T_DELACK, TCP_DELACK_NS); /* try again soon */
		return;
	}
	tcp_emit(p, c->lip, c->rip);
}

int tcp_send_syn(struct tcp_conn *c)
{
	uint8_t flags = TCP_F_SYN | (c->state == TCPS_SYN_RCVD ? TCP_F_ACK : 0);
	struct pith_pkt *p = tcp_build(c, c->iss, flags, 0);

	if (!p)
		return -1;
	tcp_emit(p, c->lip, c->rip);
	return 0;
}

void tcp_send_ack(struct tcp_conn *c)
{
	tcp_send_ctl(c, c->snd_nxt, TCP_F_ACK);
}

/* A keepalive or zero-window probe: SEG.SEQ = SND.UNA - 1 elicits an ACK (RFC 9293 3.8.4). */
void tcp_send_probe(struct tcp_conn *c)
{
	tcp_send_ctl(c, c->snd_una - 1, TCP_F_ACK);
}

void tcp_send_rst_conn(struct tcp_conn *c)
{
	PITH_COUNT(tcp_rsts_out);
	tcp_send_ctl(c, c->snd_nxt, TCP_F_RST | TCP_F_ACK);
}

/* RFC 9293 section 3.10.7.1: the reset answering a segment that has no connection. */
void tcp_send_rst_reply(const struct tcp_seg *s)
{
	struct pith_pkt *p;
	struct tcp_hdr *th;

	if (s->flags & TCP_F_RST)
		return;
	p = pith_pkt_alloc();
	if (!p) {
		PITH_COUNT(tcp_drop_tx_no_buffer);
		return;
	}
	th = pith_pkt_put(p, TCP_HLEN);
	memset(th, 0, TCP_HLEN);
	th->sport = s->th->dport;
	th->dport = s->th->sport;
	th->off = (TCP_HLEN / 4) << 4;
	if (s->flags & TCP_F_ACK) {
		th->seq = pith_htonl(s->ack);
		th->flags = TCP_F_RST;
	} else {
		uint32_t len = s->len + !!(s->flags & TCP_F_SYN) + !!(s->flags & TCP_F_FIN);

		th->ack = pith_htonl(s->seq + len);
		th->flags = TCP_F_RST | TCP_F_ACK;
	}
	PITH_COUNT(tcp_rsts_out);
	tcp_emit(p, s->dst, s->src);
}

/* Sends up to max bytes of queued data from seq (and our FIN if it comes next). Returns the
   sequence space sent, 0 if nothing could be. */
uint32_t tcp_xmit_data(struct tcp_conn *c, uint32_t seq, uint32_t max, bool rtx)
{
	uint32_t off = seq - c->snd_una, avail = c->sndq.len > off ? c->sndq.len - off : 0;
	uint32_t len = tcp_min32(tcp_min32(max, avail), tcp_eff_mss(c));
	uint8_t flags = TCP_F_ACK;
	struct pith_pkt *p;

	if (c->fin_queued && seq + len == c->fin_seq && tcp_seq_geq(c->fin_seq, c->snd_una))
		flags |= TCP_F_FIN;
	if (!len && !(flags & TCP_F_FIN))
		return 0;
	if (len && len == avail)
		flags |= TCP_F_PSH;
	p = tcp_build(c, seq, flags, len);
	if (!p) {
		tcp_timer_set(c, TCP_T_DELACK, TCP_DELACK_NS); /* no buffer: try again soon */
		return 0;
	}
	tcp_ring_read_at(&c->sndq, off, p->data + p->len - len, len);
	if (rtx)
		PITH_COUNT(tcp_retransmits);
	tcp_emit(p, c->lip, c->rip);
	return len + !!(flags & TCP_F_FIN);
}

/* How much of the usable window may go now, or 0 to wait: RFC 9293 section 3.7.4 (Nagle,
   off with TCP_NODELAY) and section 3.8.6.2.1 (sender-side SWS avoidance). */
static uint32_t tcp_send_len(struct tcp_conn *c, uint32_t unsent, uint32_t usable)
{
	uint32_t mss = tcp_eff_mss(c), len = tcp_min32(tcp_min32(unsent, usable), mss);
	bool idle = c->snd_nxt == c->snd_una;

	if (!len || len == mss)
		return len;
	if (len == unsent && (c->nodelay || idle || c->fin_queued))
		return len;
	if (len >= c->max_snd_wnd / 2 && len == usable)
		return len;
	return 0;
}

static void tcp_output_timers(struct tcp_conn *c, uint32_t unsent)
{
	if (c->snd_nxt != c->snd_una) {
		if (!c->timer[TCP_T_RTX])
			tcp_timer_set(c, TCP_T_RTX, c->rto);
		tcp_timer_stop(c, TCP_T_PERSIST);
	} else if (unsent && !c->timer[TCP_T_PERSIST]) {
		/* Data held with nothing in flight: a zero window (RFC 9293 section 3.8.6.1) or one
		   too small to use (the override timeout of RFC 1122 section 4.2.3.4). */
		tcp_timer_set(c, TCP_T_PERSIST, c->rto);
	}
}

static void tcp_sent(struct tcp_conn *c, uint32_t n)
{
	bool fresh = c->snd_nxt == c->snd_max;

	if (fresh && !c->ts_ok && !c->rtt_timing) { /* RFC 6298 section 3: Karn */
		c->rtt_timing = true;
		c->rtt_seq = c->snd_nxt;
		c->rtt_start = tcp_now();
	}
	c->snd_nxt += n;
	if (tcp_seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
}

/* Sends what the windows allow, then an ACK if one is owed now. */
void tcp_output(struct tcp_conn *c)
{
	uint32_t off, unsent = 0, wnd, flight, n, max;

	if (c->state < TCPS_ESTABLISHED || c->state == TCPS_TIME_WAIT) {
		if (c->ack_now && tcp_conn_synchronized(c))
			tcp_send_ack(c);
		return;
	}
	for (;;) {
		max = UINT32_MAX;
		if (c->nsacked && tcp_seq_lt(c->snd_nxt, c->snd_max)) /* RFC 6675 section 5 */
			c->snd_nxt = tcp_sack_skip(c, c->snd_nxt, &max);
		off = c->snd_nxt - c->snd_una;
		unsent = c->sndq.len > off ? c->sndq.len - off : 0;
		flight = c->in_recovery && c->sack_ok ? tcp_sack_pipe(c) : off;
		wnd = c->cwnd > flight ? c->cwnd - flight : 0;
		wnd = tcp_min32(wnd, c->snd_wnd > off ? c->snd_wnd - off : 0);
		n = tcp_send_len(c, tcp_min32(unsent, max), wnd);
		if (!n && !(c->fin_queued && c->snd_nxt == c->fin_seq && !unsent))
			break;
		n = tcp_xmit_data(c, c->snd_nxt, n, tcp_seq_lt(c->snd_nxt, c->snd_max));
		if (!n)
			break;
		tcp_sent(c, n);
	}
	if (c->ack_now)
		tcp_send_ack(c);
	tcp_output_timers(c, unsent);
}

/* RFC 1122 section 4.2.3.4: the sender-side SWS avoidance override timeout expired with data
   held and nothing in flight: send what the (small) window allows. */
void tcp_output_override(struct tcp_conn *c)
{
	uint32_t off = c->snd_nxt - c->snd_una, unsent = c->sndq.len > off ? c->sndq.len - off : 0;
	uint32_t n = tcp_min32(tcp_min32(unsent, c->cwnd), c->snd_wnd > off ? c->snd_wnd - off : 0);

	if (n && (n = tcp_xmit_data(c, c->snd_nxt, n, false)))
		tcp_sent(c, n);
	tcp_output_timers(c, unsent);
}

/* RFC 5681 section 4.2 / RFC 9293 section 3.8.6.3: ACK at least every second full-sized
   segment, otherwise within TCP_DELACK_NS; out-of-order data is ACKed at once. */
void tcp_schedule_ack(struct tcp_conn *c, bool full_segment)
{
	c->ack_pending = true;
	if (full_segment && ++c->segs_unacked >= 2)
		c->ack_now = true;
	if (!c->ack_now && !c->timer[TCP_T_DELACK])
		tcp_timer_set(c, TCP_T_DELACK, TCP_DELACK_NS);
}
