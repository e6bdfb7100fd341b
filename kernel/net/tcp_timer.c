/* TCP timers: retransmission (RFC 6298), persist, delayed ACK, keepalive, TIME-WAIT; the poller. */
#include <errno.h>

#include "net/tcp.h"
#include "time/time.h"
#include "time/wait.h"

PITH_COUNTER(tcp_timeouts);
PITH_COUNTER(tcp_keepalive_probes);
PITH_COUNTER(tcp_persist_probes);
PITH_COUNTER(tcp_conns_timed_out);

/* The monotonic clock; while a segment or the timers are processed, the time read once at the
   start (tcp_clock_hold), so that the hot path reads the TSC once, not a dozen times. */
uint64_t tcp_now(void)
{
	return pith_tcp->now ? pith_tcp->now : pith_time_monotonic_ns();
}

uint64_t tcp_clock_hold(uint64_t now)
{
	uint64_t was = pith_tcp->now;

	pith_tcp->now = now;
	return was;
}

void tcp_timer_set(struct tcp_conn *c, enum tcp_timer t, uint64_t after_ns)
{
	uint64_t at = tcp_now() + after_ns;

	c->timer[t] = at;
	if (at < pith_tcp->next_timer)
		pith_tcp->next_timer = at;
}

void tcp_timer_stop(struct tcp_conn *c, enum tcp_timer t)
{
	c->timer[t] = 0; /* next_timer may now be early: the poller recomputes it */
}

/* RFC 6298 section 2.2 (first sample) and 2.3 (later ones); clock granularity 1 ms. */
void tcp_rtt_sample(struct tcp_conn *c, uint64_t r)
{
	uint64_t var;

	if (!c->srtt) {
		c->srtt = r ? r : 1;
		c->rttvar = r / 2;
	} else {
		uint64_t d = c->srtt > r ? c->srtt - r : r - c->srtt;

		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	var = 4 * c->rttvar > 1000000 ? 4 * c->rttvar : 1000000;
	c->rto = c->srtt + var;
	if (c->rto < TCP_RTO_MIN_NS)
		c->rto = TCP_RTO_MIN_NS;
	if (c->rto > TCP_RTO_MAX_NS)
		c->rto = TCP_RTO_MAX_NS;
}

/* RFC 6298 section 5.2/5.3: stop when all is acknowledged, else restart. */
void tcp_rearm_rtx(struct tcp_conn *c)
{
	if (c->snd_una == c->snd_max)
		tcp_timer_stop(c, TCP_T_RTX);
	else
		tcp_timer_set(c, TCP_T_RTX, c->rto);
}

void tcp_keepalive_reset(struct tcp_conn *c)
{
	c->last_rcv_ns = tcp_now();
	c->keep_probes = 0;
}

static void tcp_backoff(struct tcp_conn *c)
{
	c->rto = c->rto * 2 > TCP_RTO_MAX_NS ? TCP_RTO_MAX_NS : c->rto * 2; /* RFC 6298 5.5 */
}

/* Handshake retransmission; true if c was freed. */
static bool tcp_rtx_syn(struct tcp_conn *c)
{
	unsigned limit = c->state == TCPS_SYN_SENT ? TCP_SYN_RETRIES : TCP_SYNACK_RETRIES;

	if (++c->retries > limit) {
		PITH_COUNT(tcp_conns_timed_out);
		return tcp_conn_done(c, ETIMEDOUT);
	}
	tcp_backoff(c);
	c->rtt_timing = false; /* RFC 6298 section 3: Karn */
	tcp_send_syn(c);
	tcp_timer_set(c, TCP_T_RTX, c->rto);
	return false;
}

/* RFC 9293 section 3.8.3 (USER TIMEOUT, RFC 5482): the peer has said nothing for longer than
   the user allows while our data waits. */
static bool tcp_user_timed_out(const struct tcp_conn *c)
{
	return c->user_timeout_ms &&
	       tcp_now() - c->last_rcv_ns >= (uint64_t)c->user_timeout_ms * 1000000ull;
}

/* Gives up on a silent peer: a reset, then ETIMEDOUT to the socket; true if c was freed. */
static bool tcp_give_up(struct tcp_conn *c)
{
	PITH_COUNT(tcp_conns_timed_out);
	tcp_send_rst_conn(c);
	return tcp_conn_done(c, ETIMEDOUT);
}

/* RFC 1122 section 4.2.3.5 (R2): how many retransmissions before giving up. A closed socket's
   connection (an orphan) gives up sooner, as Linux's tcp_orphan_retries. */
static unsigned tcp_retry_limit(const struct tcp_conn *c)
{
	return c->file ? TCP_DATA_RETRIES : TCP_ORPHAN_RETRIES;
}

/* RFC 6298 section 5.4-5.7 with RFC 5681 section 3.1's loss window; true if c was freed. */
static bool tcp_rtx_timeout(struct tcp_conn *c)
{
	PITH_COUNT(tcp_timeouts);
	if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RCVD)
		return tcp_rtx_syn(c);
	if (c->snd_una == c->snd_max)
		return false;
	if (++c->retries > tcp_retry_limit(c) || tcp_user_timed_out(c))
		return tcp_give_up(c);
	tcp_cc_timeout(c);
	tcp_backoff(c);
	c->rtt_timing = false;
	c->snd_nxt = c->snd_una;
	tcp_output(c);
	if (!c->timer[TCP_T_RTX])
		tcp_timer_set(c, TCP_T_RTX, c->rto);
	return false;
}

/* RFC 9293 section 3.8.6.1 / RFC 1122 section 4.2.2.17: probe a zero window, backing off like
   the RTO. The connection stays open while the peer answers the probes, but not forever: it
   gives up after tcp_retry_limit() unanswered ones (c->probes, reset by every ACK), or when the
   user timeout says so. An orphan counts every probe, answered or not (as Linux, whose orphans
   give up once the backoff reaches its maximum): a peer holding its window shut cannot pin a
   closed socket's memory. True if c was freed. */
static bool tcp_persist_timeout(struct tcp_conn *c)
{
	unsigned sent = c->file ? c->probes : c->retries;
	uint64_t next;

	if (c->snd_nxt != c->snd_una || c->sndq.len <= c->snd_nxt - c->snd_una)
		return false;
	if (c->snd_wnd) { /* a window too small to use: RTX bounds what follows */
		tcp_output_override(c);
		return false;
	}
	if (sent >= tcp_retry_limit(c) || tcp_user_timed_out(c))
		return tcp_give_up(c);
	PITH_COUNT(tcp_persist_probes);
	tcp_send_probe(c);
	if (c->probes < UINT8_MAX)
		c->probes++;
	next = c->rto << (c->retries < 6 ? c->retries : 6);
	if (c->retries < UINT8_MAX)
		c->retries++;
	tcp_timer_set(c, TCP_T_PERSIST, next > TCP_RTO_MAX_NS ? TCP_RTO_MAX_NS : next);
	return false;
}

/* RFC 1122 section 4.2.3.6 / RFC 9293 section 3.8.4; true if c was freed. */
static bool tcp_keep_timeout(struct tcp_conn *c)
{
	uint64_t idle = tcp_now() - c->last_rcv_ns, idle_max = c->keepidle_s * 1000000000ull;

	if (!c->keepalive || c->state < TCPS_ESTABLISHED || c->state == TCPS_TIME_WAIT)
		return false;
	if (!c->keep_probes && idle < idle_max) {
		tcp_timer_set(c, TCP_T_KEEP, idle_max - idle);
		return false;
	}
	if (c->keep_probes >= c->keepcnt)
		return tcp_give_up(c);
	PITH_COUNT(tcp_keepalive_probes);
	c->keep_probes++;
	tcp_send_probe(c);
	tcp_timer_set(c, TCP_T_KEEP, c->keepintvl_s * 1000000000ull);
	return false;
}

/* Runs timer t of c; true if c was freed. */
static bool tcp_timer_fire(struct tcp_conn *c, enum tcp_timer t)
{
	switch (t) {
	case TCP_T_RTX:
		return tcp_rtx_timeout(c);
	case TCP_T_PERSIST:
		return tcp_persist_timeout(c);
	case TCP_T_DELACK:
		if (c->ack_pending)
			c->ack_now = true;
		tcp_output(c);
		return false;
	case TCP_T_KEEP:
		return tcp_keep_timeout(c);
	default: /* TCP_T_2MSL: TIME-WAIT over (RFC 9293 3.10.8), or an orphan's FIN-WAIT-2 */
		return tcp_conn_done(c, 0);
	}
}

/* Runs c's expired timers; the earliest remaining one (UINT64_MAX: none), 0 if c was freed. */
static uint64_t tcp_conn_timers(struct tcp_conn *c, uint64_t now, bool *ran)
{
	uint64_t next = UINT64_MAX;

	for (int t = 0; t < TCP_T_COUNT; t++) {
		if (!c->timer[t])
			continue;
		if (c->timer[t] <= now) {
			c->timer[t] = 0;
			*ran = true;
			if (tcp_timer_fire(c, t))
				return 0;
			tcp_conn_wake(c);
		}
		if (c->timer[t] && c->timer[t] < next)
			next = c->timer[t];
	}
	return next;
}

bool pith_tcp_timers(uint64_t now)
{
	struct tcp_stack *st = pith_tcp;
	struct tcp_conn *c, *n;
	uint64_t next = UINT64_MAX, t;
	bool ran = false;

	uint64_t held;

	if (now < st->next_timer)
		return false;
	held = tcp_clock_hold(now);
	st->next_timer = UINT64_MAX; /* timers set while running lower it again */
	for (c = st->all; c; c = n) {
		n = c->next;
		t = tcp_conn_timers(c, now, &ran);
		if (t && t < next)
			next = t;
	}
	if (next < st->next_timer)
		st->next_timer = next;
	tcp_clock_hold(held);
	return ran;
}

uint64_t pith_tcp_deadline(void)
{
	return pith_tcp->next_timer;
}

PITH_POLLER(tcp, .poll = pith_tcp_timers, .deadline = pith_tcp_deadline);

/* A closed socket's connection that still has data or its FIN to deliver. */
static bool tcp_orphan_sending(const struct tcp_conn *c)
{
	switch (c->state) {
	case TCPS_ESTABLISHED: /* FIN queued behind data the window has not let out yet */
	case TCPS_CLOSE_WAIT:
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		return c->file == NULL;
	default:
		return false;
	}
}

static bool tcp_any_orphan_sending(void)
{
	for (const struct tcp_conn *c = pith_tcp->all; c; c = c->next)
		if (tcp_orphan_sending(c))
			return true;
	return false;
}

void pith_tcp_exit_drain(uint64_t deadline)
{
	while (tcp_any_orphan_sending() && pith_time_monotonic_ns() < deadline)
		pith_io_wait_uninterruptible(deadline);
}
