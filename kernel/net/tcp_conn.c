/* TCP connections: allocation, the 4-tuple hash table, listeners, ISNs and state changes. */
#include <errno.h>
#include <string.h>

#include "mem/mem.h"
#include "net/tcp.h"
#include "random/random.h"

PITH_COUNTER(tcp_conns_opened);
PITH_COUNTER(tcp_conns_closed);
PITH_COUNTER(tcp_time_wait_recycled);

static struct tcp_stack tcp_default_stack = {.next_timer = UINT64_MAX};
struct tcp_stack *pith_tcp = &tcp_default_stack;

/* A fresh connection in CLOSED with the default options, or NULL (memory, or the bound). */
struct tcp_conn *tcp_conn_new(void)
{
	struct tcp_stack *st = pith_tcp;
	struct tcp_conn *c;

	if (st->nconns >= TCP_MAX_CONNS)
		return NULL;
	c = pith_kmalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->state = TCPS_CLOSED;
	c->sndbuf = TCP_BUF_DEFAULT;
	c->rcvbuf = TCP_BUF_DEFAULT;
	c->mss = TCP_DEFAULT_MSS;
	c->rto = TCP_RTO_INIT_NS;
	c->keepidle_s = TCP_KEEPIDLE_S;
	c->keepintvl_s = TCP_KEEPINTVL_S;
	c->keepcnt = TCP_KEEPCNT_DEF;
	c->next = st->all;
	if (st->all)
		st->all->prev = c;
	st->all = c;
	st->nconns++;
	PITH_COUNT(tcp_conns_opened);
	return c;
}

static void tcp_tw_remove(struct tcp_conn *c)
{
	struct tcp_stack *st = pith_tcp;

	if (!c->in_tw)
		return;
	if (c->tw_prev)
		c->tw_prev->tw_next = c->tw_next;
	else
		st->tw_head = c->tw_next;
	if (c->tw_next)
		c->tw_next->tw_prev = c->tw_prev;
	else
		st->tw_tail = c->tw_prev;
	st->tw_count--;
	c->in_tw = false;
}

/* Linux's tcp_max_tw_buckets in spirit: TIME-WAIT state is bounded, so a server closing
   thousands of connections keeps constant memory (RFC 6191's timestamps guard the reuse). */
void tcp_tw_add(struct tcp_conn *c)
{
	struct tcp_stack *st = pith_tcp;

	if (c->in_tw)
		return;
	c->tw_prev = st->tw_tail;
	c->tw_next = NULL;
	if (st->tw_tail)
		st->tw_tail->tw_next = c;
	else
		st->tw_head = c;
	st->tw_tail = c;
	st->tw_count++;
	c->in_tw = true;
	if (st->tw_count > TCP_TW_MAX) {
		PITH_COUNT(tcp_time_wait_recycled);
		tcp_conn_done(st->tw_head, 0);
	}
}

void tcp_conn_free(struct tcp_conn *c)
{
	struct tcp_stack *st = pith_tcp;

	tcp_tw_remove(c);
	tcp_conn_unhash(c);
	if (c->state == TCPS_LISTEN)
		tcp_listener_remove(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		st->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tcp_ring_free(&c->sndq);
	tcp_ring_free(&c->rcvq);
	st->nconns--;
	PITH_COUNT(tcp_conns_closed);
	pith_kfree(c, sizeof(*c));
}

static unsigned tcp_hashfn(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	uint32_t h = rip ^ (lip * 0x9e3779b1u) ^ ((uint32_t)lport << 16 | rport);

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h & (TCP_HASH_SIZE - 1);
}

void tcp_conn_hash(struct tcp_conn *c)
{
	struct tcp_conn **b = &pith_tcp->hash[tcp_hashfn(c->lip, c->lport, c->rip, c->rport)];

	if (c->hashed)
		return;
	c->hnext = *b;
	*b = c;
	c->hashed = true;
}

void tcp_conn_unhash(struct tcp_conn *c)
{
	struct tcp_conn **p = &pith_tcp->hash[tcp_hashfn(c->lip, c->lport, c->rip, c->rport)];

	if (!c->hashed)
		return;
	while (*p && *p != c)
		p = &(*p)->hnext;
	if (*p)
		*p = c->hnext;
	c->hashed = false;
}

struct tcp_conn *tcp_conn_lookup(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	struct tcp_conn *c = pith_tcp->hash[tcp_hashfn(lip, lport, rip, rport)];

	for (; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport && c->rip == rip && c->lip == lip)
			return c;
	return NULL;
}

/* A listener on lport for lip: one bound to lip exactly wins over one bound to any. */
struct tcp_conn *tcp_listener_lookup(uint32_t lip, uint16_t lport)
{
	struct tcp_conn *c, *any = NULL;

	for (c = pith_tcp->listeners; c; c = c->lnext) {
		if (c->lport != lport)
			continue;
		if (c->lip == lip)
			return c;
		if (!c->lip && !any)
			any = c;
	}
	return any;
}

void tcp_listener_add(struct tcp_conn *c)
{
	c->lnext = pith_tcp->listeners;
	pith_tcp->listeners = c;
}

void tcp_listener_remove(struct tcp_conn *c)
{
	struct tcp_conn **p = &pith_tcp->listeners;

	while (*p && *p != c)
		p = &(*p)->lnext;
	if (*p)
		*p = c->lnext;
}

static uint64_t isn_mix(uint64_t x, uint64_t k)
{
	x ^= k;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* RFC 6528 section 3: ISN = M + F(4-tuple, secret), M a 4-microsecond clock. F is a keyed
   mixing function here (not a cryptographic PRF). */
uint32_t tcp_isn(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	struct tcp_stack *st = pith_tcp;
	uint64_t f;

	if (!st->keyed) {
		pith_random_bytes(st->isn_key, sizeof(st->isn_key));
		st->keyed = true;
	}
	f = isn_mix(((uint64_t)lip << 32 | rip), st->isn_key[0]);
	f = isn_mix(f ^ ((uint64_t)lport << 16 | rport), st->isn_key[1]);
	return (uint32_t)f + (uint32_t)(tcp_now() / 4000);
}

void tcp_conn_wake(struct tcp_conn *c)
{
	if (c->file)
		pith_file_notify(c->file);
}

bool tcp_conn_synchronized(const struct tcp_conn *c)
{
	return c->state >= TCPS_SYN_RCVD;
}

void tcp_conn_set_state(struct tcp_conn *c, enum tcp_state s)
{
	c->state = s;
}

/* Unlinks c from its listener's queues. */
static void tcp_conn_unqueue(struct tcp_conn *c)
{
	struct tcp_conn *l = c->parent;

	if (!l)
		return;
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else if (c->in_synq)
		l->synq = c->qnext;
	else
		l->acceptq = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	else if (c->in_acceptq)
		l->acceptq_tail = c->qprev;
	if (c->in_synq)
		l->synq_len--;
	if (c->in_acceptq)
		l->acceptq_len--;
	c->in_synq = c->in_acceptq = false;
	c->parent = NULL;
	c->qnext = c->qprev = NULL;
}

bool tcp_conn_done(struct tcp_conn *c, int err)
{
	for (int t = 0; t < TCP_T_COUNT; t++)
		c->timer[t] = 0;
	if (err)
		c->so_error = err;
	tcp_conn_unqueue(c);
	tcp_conn_unhash(c);
	tcp_tw_remove(c);
	c->state = TCPS_CLOSED;
	c->rd_shut = true;
	c->fin_queued = true; /* nothing more can be sent */
	if (!c->file) {
		tcp_conn_free(c);
		return true;
	}
	tcp_conn_wake(c);
	return false;
}
