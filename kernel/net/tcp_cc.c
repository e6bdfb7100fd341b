/* TCP congestion control: slow start and congestion avoidance (RFC 5681), NewReno (RFC 6582). */
#include "net/tcp.h"

PITH_COUNTER(tcp_fast_retransmits);
PITH_COUNTER(tcp_spurious_recoveries);

#define TCP_DUPTHRESH_MAX 16

uint32_t tcp_flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static uint32_t tcp_smss(const struct tcp_conn *c)
{
	return c->mss - (c->ts_ok ? 12 : 0);
}

/* RFC 5681 section 3.1: IW = 2..4 segments by SMSS; ssthresh arbitrarily high. */
void tcp_cc_init(struct tcp_conn *c)
{
	uint32_t smss = tcp_smss(c);

	c->cwnd = smss > 2190 ? 2 * smss : smss > 1095 ? 3 * smss : 4 * smss;
	c->ssthresh = UINT32_MAX / 2;
	c->dupacks = 0;
	c->dupthresh = 3; /* RFC 5681 section 3.2 */
	c->in_recovery = false;
	c->recover = c->iss;
}

/* Recovery starts: remember what to restore if it proves spurious (RFC 3522 section 3.2). */
static void tcp_cc_save(struct tcp_conn *c)
{
	c->prior_cwnd = c->cwnd;
	c->prior_ssthresh = c->ssthresh;
	c->rtx_ts = tcp_ts_now(c);
	c->undo_armed = c->ts_ok;
}

/* RFC 3522 (Eifel detection): the first ACK for the retransmitted data echoes a timestamp older
   than the retransmission: the original arrived, the segment was only reordered. Undo the
   reduction (RFC 4015's spirit) and wait for more duplicates next time. */
void tcp_cc_check_spurious(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (!c->in_recovery || !c->undo_armed)
		return;
	c->undo_armed = false;
	if (!s->has_ts || !s->tsecr || !tcp_seq_lt(s->tsecr, c->rtx_ts))
		return;
	PITH_COUNT(tcp_spurious_recoveries);
	c->cwnd = tcp_max32(c->cwnd, c->prior_cwnd); /* other holes are still repaired */
	c->ssthresh = tcp_max32(c->ssthresh, c->prior_ssthresh);
	if (c->dupthresh < TCP_DUPTHRESH_MAX)
		c->dupthresh++;
}

/* RFC 5681 equation (4): ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t tcp_half_flight(const struct tcp_conn *c)
{
	return tcp_max32(tcp_flight(c) / 2, 2 * tcp_smss(c));
}

/* An ACK advanced SND.UNA by `acked` bytes (RFC 5681 sections 3.1 and 3.2, RFC 6582 3.2). */
void tcp_cc_ack(struct tcp_conn *c, uint32_t acked)
{
	uint32_t smss = tcp_smss(c);

	c->dupacks = 0;
	if (c->in_recovery && c->sack_ok) { /* RFC 6675 section 5: until SND.UNA passes recover */
		if (tcp_seq_geq(c->snd_una, c->recover)) {
			c->in_recovery = false;
		} else {
			tcp_sack_head_moved(c);
			tcp_sack_recover(c);
		}
		return;
	}
	if (c->in_recovery) {
		if (tcp_seq_geq(c->snd_una, c->recover)) { /* full ACK: step 3, option 1 */
			c->cwnd = tcp_min32(c->ssthresh, tcp_flight(c) + smss);
			c->in_recovery = false;
			return;
		}
		/* Partial ACK (step 4): retransmit the next hole, deflate by what was acked. */
		tcp_xmit_data(c, c->snd_una, smss, true);
		c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
		if (acked >= smss)
			c->cwnd += smss;
		c->cwnd = tcp_max32(c->cwnd, smss);
		return;
	}
	if (c->cwnd < c->ssthresh) {
		c->cwnd += tcp_min32(acked, smss); /* slow start, equation (2) */
		return;
	}
	c->bytes_acked += acked; /* congestion avoidance: about one SMSS per RTT (section 3.1) */
	if (c->bytes_acked >= c->cwnd) {
		c->bytes_acked -= c->cwnd;
		c->cwnd += smss;
	}
}

/* RFC 6675 section 5 steps (4.1)-(4.3): enter SACK-based loss recovery. */
static bool tcp_sack_enter(struct tcp_conn *c)
{
	PITH_COUNT(tcp_fast_retransmits);
	tcp_cc_save(c);
	c->ssthresh = tcp_half_flight(c);
	c->cwnd = c->ssthresh;
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->high_rxt = c->snd_una;
	c->rtt_timing = false;
	tcp_sack_recover(c);
	return true;
}

/* The duplicate threshold in use: the learnt one, but low enough that the segments in flight
   can still produce it (in the spirit of RFC 5827's early retransmit). */
uint32_t tcp_dupthresh(const struct tcp_conn *c)
{
	uint32_t segs = tcp_flight(c) / tcp_smss(c);

	return tcp_max32(3, tcp_min32(c->dupthresh, segs / 2));
}

/* A duplicate ACK (RFC 5681 section 2's definition, checked by the caller). Returns true if the
   caller should try to send (recovery inflated the window). */
bool tcp_cc_dupack(struct tcp_conn *c)
{
	uint32_t smss = tcp_smss(c);

	if (c->in_recovery && c->sack_ok) {
		tcp_sack_recover(c);
		return true;
	}
	if (c->in_recovery) {
		c->cwnd += smss; /* RFC 6582 section 3.2 step 3 / RFC 5681 3.2 step 4 */
		return true;
	}
	/* Three duplicates, or (RFC 6675 section 5, IsLost) three segments' worth SACKed above. */
	if (++c->dupacks < tcp_dupthresh(c) &&
	    !(c->sack_ok && tcp_sacked_bytes(c) >= tcp_dupthresh(c) * smss))
		return false; /* RFC 3042 limited transmit is not done */
	/* RFC 6582 section 3.2 step 2 (RFC 6675 section 5 likewise): enter recovery only past
	   the previous one's point. */
	if (!tcp_seq_gt(c->snd_una, c->recover))
		return false;
	if (c->sack_ok)
		return tcp_sack_enter(c);
	if (c->dupacks != tcp_dupthresh(c))
		return false;
	PITH_COUNT(tcp_fast_retransmits);
	tcp_cc_save(c);
	c->ssthresh = tcp_half_flight(c);
	c->recover = c->snd_max;
	c->in_recovery = true;
	tcp_xmit_data(c, c->snd_una, smss, true); /* RFC 5681 section 3.2 step 2 */
	c->rtt_timing = false;
	c->cwnd = c->ssthresh + c->dupacks * smss;
	return true;
}

/* RFC 5681 section 3.1 equation (4) and the loss window; RFC 6582 section 4 after a timeout.
   A segment timing out again leaves ssthresh alone (RFC 5681 section 3.1: it is reduced once
   per loss, not again for each retransmission of the same segment). */
void tcp_cc_timeout(struct tcp_conn *c)
{
	if (c->retries <= 1)
		c->ssthresh = tcp_half_flight(c);
	c->cwnd = tcp_smss(c);
	c->bytes_acked = 0;
	c->dupacks = 0;
	c->in_recovery = false;
	c->recover = c->snd_max;
	c->nsacked = 0;	  /* RFC 2018 section 8: the receiver may have reneged */
	c->dupthresh = 3; /* waiting for more duplicates did not pay */
	c->fack = c->high_rxt = c->snd_una;
}
