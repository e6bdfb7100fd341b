/* ICMP (RFC 792, RFC 1122 section 3.2.2): echo replies, errors in for TCP, unreachables out. */
#include <string.h>

#include "net/lower.h"
#include "net/net.h"
#include "time/time.h"

#define ICMP_HLEN	   8
#define ICMP_ECHO_REPLY	   0
#define ICMP_UNREACH	   3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_ECHO	   8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
#define ICMP_QUOTE_MAX	   64  /* bytes of the offending datagram's data quoted (RFC 792: 8+) */
#define ICMP_RATE	   100 /* errors sent per second at most (RFC 1122 section 3.2.2) */

PITH_COUNTER(icmp_drop_short);
PITH_COUNTER(icmp_drop_bad_checksum);
PITH_COUNTER(icmp_drop_broadcast_echo);
PITH_COUNTER(icmp_drop_echo_too_big);
PITH_COUNTER(icmp_drop_bad_error);
PITH_COUNTER(icmp_drop_unhandled_type);
PITH_COUNTER(icmp_drop_rate_limited);
PITH_COUNTER(icmp_echo_replies);
PITH_COUNTER(icmp_errors_in);
PITH_COUNTER(icmp_unreach_sent);

static bool icmp_is_group(uint32_t addr)
{
	return addr == PITH_IP_BROADCAST || (pith_ntohl(addr) >> 28) == 0xe ||
	       (pith_netif.ip && addr == (pith_netif.ip | ~pith_netif.netmask));
}

/* RFC 792 "Echo or Echo Reply Message": the same data back, type 0. */
static void icmp_echo(const struct pith_pkt *in, const struct pith_ip_info *ip)
{
	struct pith_pkt *p;
	uint8_t *m;
	uint16_t c;

	/* RFC 1122 section 3.2.2.6: an echo to a broadcast or multicast address may be ignored. */
	if (icmp_is_group(ip->dst)) {
		PITH_COUNT(icmp_drop_broadcast_echo);
		return;
	}
	if ((size_t)in->len + 20 > pith_netif.mtu) {
		PITH_COUNT(icmp_drop_echo_too_big);
		return;
	}
	p = pith_pkt_alloc();
	if (!p)
		return;
	m = pith_pkt_put(p, in->len);
	memcpy(m, in->data, in->len);
	m[0] = ICMP_ECHO_REPLY;
	m[1] = 0;
	m[2] = m[3] = 0;
	PITH_COUNT(icmp_echo_replies);
	c = pith_csum_fold(pith_csum_add(0, m, in->len));
	memcpy(m + 2, &c, 2);
	pith_ipv4_output(p, ip->dst, ip->src, PITH_IPPROTO_ICMP);
}

/*
 * RFC 1122 section 4.2.3.9: errors quoting a TCP segment we sent go to TCP, with the quoted
 * datagram's addresses (ours as src, the peer's as dst) and the quoted IP header onwards.
 */
static void icmp_error_in(const struct pith_pkt *p, uint8_t type, uint8_t code)
{
	const uint8_t *q = p->data + ICMP_HLEN;
	size_t qlen = p->len - ICMP_HLEN;
	size_t hlen = qlen ? (q[0] & 0xfu) * 4u : 0;
	uint32_t src, dst;

	/* RFC 792: the quote is the datagram's IP header and at least 8 bytes of its data. */
	if (qlen < 20 || q[0] >> 4 != 4 || hlen < 20 || qlen < hlen + 8) {
		PITH_COUNT(icmp_drop_bad_error);
		return;
	}
	memcpy(&src, q + 12, 4);
	memcpy(&dst, q + 16, 4);
	if (src != pith_netif.ip) {
		PITH_COUNT(icmp_drop_bad_error);
		return;
	}
	PITH_COUNT(icmp_errors_in);
	if (q[9] == PITH_IPPROTO_TCP && pith_tcp_icmp_error)
		pith_tcp_icmp_error(src, dst, q, qlen, type, code);
}

void pith_icmp_input(struct pith_pkt *p, const struct pith_ip_info *ip)
{
	uint8_t type;

	if (p->len < ICMP_HLEN) {
		PITH_COUNT(icmp_drop_short);
		return;
	}
	if (!(p->flags & PITH_PKT_CSUM_VALID) &&
	    pith_csum_fold(pith_csum_add(0, p->data, p->len)) != 0) {
		PITH_COUNT(icmp_drop_bad_checksum);
		return;
	}
	type = p->data[0];
	if (type == ICMP_ECHO)
		icmp_echo(p, ip);
	else if (type == ICMP_UNREACH || type == ICMP_TIME_EXCEEDED || type == ICMP_PARAM_PROBLEM ||
		 type == ICMP_SOURCE_QUENCH)
		icmp_error_in(p, type, p->data[1]);
	else
		PITH_COUNT(icmp_drop_unhandled_type);
}

/* A token bucket: ICMP_RATE errors a second, in bursts of as many. */
static bool icmp_rate_ok(void)
{
	static uint64_t last_ns, tokens = ICMP_RATE;
	uint64_t now = pith_time_monotonic_ns();
	uint64_t add = (now - last_ns) / (1000000000u / ICMP_RATE);

	if (add) {
		tokens = tokens + add > ICMP_RATE ? ICMP_RATE : tokens + add;
		last_ns = now;
	}
	if (!tokens)
		return false;
	tokens--;
	return true;
}

/* RFC 1122 section 3.2.2: never about an ICMP error, a group address or a non-host source. */
static bool icmp_may_answer(const struct pith_ip_info *ip, const uint8_t *l4, size_t l4_len)
{
	if (icmp_is_group(ip->dst) || icmp_is_group(ip->src) || ip->src == 0)
		return false;
	if (ip->proto == PITH_IPPROTO_ICMP)
		return l4_len >= 1 && (l4[0] == ICMP_ECHO || l4[0] == ICMP_ECHO_REPLY);
	return true;
}

void pith_icmp_unreach(const struct pith_ip_info *ip, const uint8_t *l4, size_t l4_len,
		       uint8_t code)
{
	size_t quote = l4_len < ICMP_QUOTE_MAX ? l4_len : ICMP_QUOTE_MAX;
	struct pith_pkt *p;
	uint8_t *m;
	uint16_t c;

	if (!icmp_may_answer(ip, l4, l4_len))
		return;
	if (!icmp_rate_ok()) {
		PITH_COUNT(icmp_drop_rate_limited);
		return;
	}
	p = pith_pkt_alloc();
	if (!p)
		return;
	m = pith_pkt_put(p, ICMP_HLEN + ip->hdr_len + quote);
	memset(m, 0, ICMP_HLEN);
	m[0] = ICMP_UNREACH;
	m[1] = code;
	memcpy(m + ICMP_HLEN, ip->hdr, ip->hdr_len);
	memcpy(m + ICMP_HLEN + ip->hdr_len, l4, quote);
	c = pith_csum_fold(pith_csum_add(0, m, p->len));
	memcpy(m + 2, &c, 2);
	PITH_COUNT(icmp_unreach_sent);
	pith_ipv4_output(p, ip->dst, ip->src, PITH_IPPROTO_ICMP);
}
