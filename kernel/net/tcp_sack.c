/* Selective acknowledgments: SACK blocks we send (RFC 2018), the scoreboard of what the peer
   SACKed, and SACK-based loss recovery (RFC 6675, simplified: holes below the highest SACKed
   byte count as lost). */
#include <string.h>

#include "net/tcp.h"

PITH_COUNTER(tcp_sack_blocks_in);
PITH_COUNTER(tcp_sack_blocks_bad);
PITH_COUNTER(tcp_sack_retransmits);
PITH_COUNTER(tcp_lost_retransmits);

static void put_block(uint8_t *o, const struct tcp_range *r)
{
	uint32_t v[2] = {pith_htonl(r->start), pith_htonl(r->end)};

	memcpy(o, v, 8);
}

/* RFC 2018 section 4: the block holding the latest segment first, then the others. Returns the
   option's length (with two NOPs), 0 if none fit in room. */
unsigned tcp_sack_put_blocks(const struct tcp_conn *c, uint8_t *o, unsigned room)
{
	unsigned n = 0, max = room >= 4 ? (room - 4) / 8 : 0, first = 0;

	if (max > 3)
		max = 3; /* with timestamps, 3 blocks fill the 40 option bytes */
	if (!max || !c->nooo)
		return 0;
	for (unsigned i = 0; i < c->nooo; i++)
		if (tcp_seq_in(c->ooo_last, c->ooo[i].start, c->ooo[i].end))
			first = i;
	put_block(o + 4, &c->ooo[first]);
	n = 1;
	for (unsigned i = 0; i < c->nooo && n < max; i++)
		if (i != first)
			put_block(o + 4 + 8 * n++, &c->ooo[i]);
	o[0] = 1, o[1] = 1, o[2] = 5, o[3] = (uint8_t)(2 + 8 * n);
	return 4 + 8 * n;
}

/* Adds [s, e) to the sorted scoreboard, merging neighbours. */
static void sack_add(struct tcp_conn *c, uint32_t s, uint32_t e)
{
	unsigned i = 0, j;

	while (i < c->nsacked && tcp_seq_lt(c->sacked[i].end, s))
		i++;
	j = i;
	while (j < c->nsacked && tcp_seq_leq(c->sacked[j].start, e)) {
		if (tcp_seq_lt(c->sacked[j].start, s))
			s = c->sacked[j].start;
		if (tcp_seq_gt(c->sacked[j].end, e))
			e = c->sacked[j].end;
		j++;
	}
	if (j == i && c->nsacked == TCP_SACK_MAX)
		return; /* full: forget this one (only costs a retransmission) */
	memmove(&c->sacked[i + 1], &c->sacked[j], (c->nsacked - j) * sizeof(c->sacked[0]));
	c->sacked[i] = (struct tcp_range){s, e};
	c->nsacked = (uint8_t)(c->nsacked - (j - i) + 1);
	if (tcp_seq_gt(e, c->fack))
		c->fack = e;
}

/* Takes the segment's SACK blocks (RFC 2018 section 3; blocks outside (SND.UNA, SND.MAX] are
   ignored, RFC 6675 section 5). True if any told something new. */
bool tcp_sack_update(struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t before;

	if (!c->sack_ok || !s->nsack)
		return false;
	before = tcp_sacked_bytes(c);
	for (unsigned i = 0; i < s->nsack; i++) {
		const struct tcp_range *r = &s->sack[i];

		PITH_COUNT(tcp_sack_blocks_in);
		if (!tcp_seq_lt(r->start, r->end) || !tcp_seq_gt(r->start, s->ack) ||
		    tcp_seq_gt(r->end, c->snd_max)) {
			PITH_COUNT(tcp_sack_blocks_bad);
			continue;
		}
		sack_add(c, r->start, r->end);
	}
	return tcp_sacked_bytes(c) != before;
}

/* Drops what SND.UNA has passed. */
void tcp_sack_trim(struct tcp_conn *c)
{
	unsigned i = 0;

	if (!c->nsacked) { /* the common case */
		c->fack = c->snd_una;
		return;
	}
	while (i < c->nsacked && tcp_seq_leq(c->sacked[i].end, c->snd_una))
		i++;
	memmove(&c->sacked[0], &c->sacked[i], (c->nsacked - i) * sizeof(c->sacked[0]));
	c->nsacked = (uint8_t)(c->nsacked - i);
	if (c->nsacked && tcp_seq_lt(c->sacked[0].start, c->snd_una))
		c->sacked[0].start = c->snd_una;
	if (!c->nsacked || tcp_seq_lt(c->fack, c->snd_una))
		c->fack = c->snd_una;
}

uint32_t tcp_sacked_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nsacked; i++)
		n += c->sacked[i].end - c->sacked[i].start;
	return n;
}

/* SACKed bytes in [lo, hi). */
static uint32_t sacked_in(const struct tcp_conn *c, uint32_t lo, uint32_t hi)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nsacked; i++) {
		uint32_t s = c->sacked[i].start, e = c->sacked[i].end;

		if (tcp_seq_lt(s, lo))
			s = lo;
		if (tcp_seq_gt(e, hi))
			e = hi;
		if (tcp_seq_lt(s, e))
			n += e - s;
	}
	return n;
}

/* RFC 6675 section 4 (SetPipe): bytes believed in the network. Unsacked bytes below FACK not yet
   retransmitted are lost; retransmitted ones and those above FACK are in flight. */
uint32_t tcp_sack_pipe(const struct tcp_conn *c)
{
	uint32_t out = c->snd_nxt - c->snd_una, lo = c->high_rxt, lost = 0;

	out -= sacked_in(c, c->snd_una, c->snd_nxt);
	if (tcp_seq_lt(lo, c->snd_una))
		lo = c->snd_una;
	if (tcp_seq_lt(lo, c->fack))
		lost = (c->fack - lo) - sacked_in(c, lo, c->fack);
	return out > lost ? out - lost : 0;
}

/* The first byte at or after seq that is not SACKed; *max is cut at the next SACKed range. */
uint32_t tcp_sack_skip(const struct tcp_conn *c, uint32_t seq, uint32_t *max)
{
	for (unsigned i = 0; i < c->nsacked; i++) {
		const struct tcp_range *r = &c->sacked[i];

		if (tcp_seq_in(seq, r->start, r->end))
			seq = r->end;
		else if (tcp_seq_gt(r->start, seq)) {
			if (*max > r->start - seq)
				*max = r->start - seq;
			break;
		}
	}
	return seq;
}

/* The first hole's retransmission was lost too (in the spirit of RFC 8985's RACK: data sent
   after it is SACKed well beyond it, by the same margin as RFC 6675's IsLost). RFC 6675 alone
   would wait for the retransmission timer, and its collapse of the window; send it again. */
static void tcp_sack_head_lost(struct tcp_conn *c, uint32_t smss)
{
	uint32_t n;

	if (!tcp_seq_lt(c->snd_una, c->high_rxt) ||
	    tcp_seq_lt(c->fack, c->head_rtx_mark + tcp_dupthresh(c) * smss))
		return;
	n = tcp_xmit_data(c, c->snd_una, tcp_min32(smss, c->fack - c->snd_una), true);
	if (!n)
		return;
	PITH_COUNT(tcp_lost_retransmits);
	c->head_rtx_mark = c->snd_max;
}

/* The first hole moved (SND.UNA advanced) during recovery: data sent from now on tells whether
   its retransmission, if any, got through. */
void tcp_sack_head_moved(struct tcp_conn *c)
{
	c->head_rtx_mark = c->snd_max;
}

/* RFC 6675 section 5 (NextSeg rules 1 and 2): retransmit lost holes while the pipe has room,
   then tcp_output sends new data under the same limit. */
void tcp_sack_recover(struct tcp_conn *c)
{
	uint32_t smss = c->mss - (c->ts_ok ? 12 : 0);

	if (tcp_seq_lt(c->high_rxt, c->snd_una))
		c->high_rxt = c->snd_una;
	else
		tcp_sack_head_lost(c, smss);
	while (tcp_sack_pipe(c) < c->cwnd) {
		uint32_t max = smss, seq = tcp_sack_skip(c, c->high_rxt, &max), n;

		if (!tcp_seq_lt(seq, c->fack) || !tcp_seq_lt(seq, c->snd_nxt))
			break;
		if (sacked_in(c, seq, c->fack) < tcp_dupthresh(c) * smss)
			break; /* RFC 6675 section 4, IsLost: not enough SACKed above it yet */
		if (max > c->fack - seq)
			max = c->fack - seq;
		n = tcp_xmit_data(c, seq, max, true);
		if (!n)
			break;
		PITH_COUNT(tcp_sack_retransmits);
		if (seq == c->snd_una)
			c->head_rtx_mark = c->snd_max;
		c->high_rxt = seq + n;
	}
	tcp_output(c);
}
