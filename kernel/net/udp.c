/* UDP (RFC 768): input checks, demultiplexing to sockets, bounded receive queues, output. */
#include <errno.h>
#include <string.h>

#include "mem/mem.h"
#include "net/net.h"
#include "net/socket.h"
#include "net/udp.h"

PITH_COUNTER(udp_rx_datagrams);
PITH_COUNTER(udp_tx_datagrams);
PITH_COUNTER(udp_drop_short);
PITH_COUNTER(udp_drop_bad_length);
PITH_COUNTER(udp_drop_bad_checksum);
PITH_COUNTER(udp_drop_no_port);
PITH_COUNTER(udp_drop_rcvbuf_full);
PITH_COUNTER(udp_drop_no_memory);
PITH_COUNTER(udp_drop_no_tx_buffer);

struct pith_udp_sock *pith_udp_socks;

bool pith_udp_port_in_use(uint16_t port)
{
	for (struct pith_udp_sock *s = pith_udp_socks; s; s = s->next)
		if (s->lport == port)
			return true;
	return false;
}

bool pith_udp_conflict(const struct pith_udp_sock *self, uint32_t laddr, uint16_t lport)
{
	for (struct pith_udp_sock *s = pith_udp_socks; s; s = s->next) {
		if (s == self || s->lport != lport)
			continue;
		if (s->laddr && laddr && s->laddr != laddr)
			continue;
		/* SO_REUSEADDR on both (udp_lib_lport_inuse), or SO_REUSEPORT on both */
		if (s->opt[UDP_OPT_REUSEADDR] && self->opt[UDP_OPT_REUSEADDR])
			continue;
		if (s->opt[UDP_OPT_REUSEPORT] && self->opt[UDP_OPT_REUSEPORT])
			continue;
		return true;
	}
	return false;
}

bool pith_udp_is_loopback(uint32_t dst)
{
	return (pith_ntohl(dst) >> 24) == 127 || (pith_netif.configured && dst == pith_netif.ip);
}

bool pith_udp_is_broadcast(uint32_t dst)
{
	if (dst == 0xffffffffu)
		return true;
	return pith_netif.configured && pith_netif.netmask != 0xffffffffu &&
	       dst == (pith_netif.ip | ~pith_netif.netmask);
}

uint16_t pith_udp_csum(uint32_t src, uint32_t dst, const void *dgram, size_t len)
{
	uint32_t sum = pith_csum_pseudo(src, dst, PITH_IPPROTO_UDP, (uint16_t)len);
	uint16_t c = pith_csum_fold(pith_csum_add(sum, dgram, len));

	return c ? c : 0xffff; /* RFC 768: a computed 0 is sent as all ones */
}

void pith_udp_purge(struct pith_udp_sock *s)
{
	while (s->head) {
		struct pith_udp_dgram *d = s->head;

		s->head = d->next;
		pith_kfree(d, sizeof(*d) + d->len);
	}
	s->tail = NULL;
	s->queued = 0;
}

/* Queues one datagram on s, bounded by SO_RCVBUF (udp_rmem_schedule): false if dropped. */
static bool udp_enqueue(struct pith_udp_sock *s, uint32_t src, uint16_t sport,
			const struct iovec *iov, int iovcnt, size_t len)
{
	size_t cost = len + PITH_UDP_DGRAM_COST;
	struct pith_udp_dgram *d;

	if (s->queued + cost > (size_t)s->rcvbuf) {
		PITH_COUNT(udp_drop_rcvbuf_full);
		return false;
	}
	d = pith_kmalloc(sizeof(*d) + len);
	if (!d) {
		PITH_COUNT(udp_drop_no_memory);
		return false;
	}
	d->src = src;
	d->sport = sport;
	d->len = (uint16_t)len;
	pith_iov_from(iov, iovcnt, 0, d->data, len);
	if (s->tail)
		s->tail->next = d;
	else
		s->head = d;
	s->tail = d;
	s->queued += cost;
	pith_file_notify(s->file);
	return true;
}

/* How well s matches a datagram (higher is more specific), or -1 if it does not. */
static int udp_match(const struct pith_udp_sock *s, uint32_t src, uint16_t sport, uint32_t dst,
		     uint16_t dport)
{
	int score = 0;

	if (s->lport != dport)
		return -1;
	if (s->laddr) {
		if (s->laddr != dst)
			return -1;
		score += 2;
	}
	if (s->connected) {
		if (s->raddr != src || s->rport != sport)
			return -1;
		score += 4;
	}
	return score;
}

unsigned pith_udp_deliver(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			  const struct iovec *iov, int iovcnt, size_t len)
{
	struct pith_udp_sock *best = NULL;
	bool bcast = pith_udp_is_broadcast(dst);
	unsigned matched = 0;
	int best_score = -1;

	for (struct pith_udp_sock *s = pith_udp_socks; s; s = s->next) {
		int score = udp_match(s, src, sport, dst, dport);

		if (score < 0)
			continue;
		matched++;
		if (bcast) /* every listener gets its copy (RFC 1122 section 4.1.3.5) */
			udp_enqueue(s, src, sport, iov, iovcnt, len);
		else if (score > best_score)
			best = s, best_score = score;
	}
	if (best)
		udp_enqueue(best, src, sport, iov, iovcnt, len);
	if (!matched)
		PITH_COUNT(udp_drop_no_port);
	return matched;
}

/* RFC 768 / RFC 1122 section 4.1.3.4: length and (non-zero) checksum checks; false if bad. */
static bool udp_check(const struct pith_pkt *p, const struct pith_ip_info *ip)
{
	const struct pith_udphdr *h = (const void *)p->data;
	uint32_t sum;
	size_t ulen;

	if (p->len < PITH_UDP_HLEN)
		return PITH_COUNT(udp_drop_short), false;
	ulen = pith_ntohs(h->len);
	if (ulen < PITH_UDP_HLEN || ulen > p->len)
		return PITH_COUNT(udp_drop_bad_length), false;
	if (h->csum == 0 || (p->flags & PITH_PKT_CSUM_VALID))
		return true; /* 0: the sender computed no checksum */
	sum = pith_csum_pseudo(ip->src, ip->dst, PITH_IPPROTO_UDP, (uint16_t)ulen);
	if (pith_csum_fold(pith_csum_add(sum, h, ulen)) != 0)
		return PITH_COUNT(udp_drop_bad_checksum), false;
	return true;
}

void pith_udp_input(struct pith_pkt *p, const struct pith_ip_info *ip)
{
	const struct pith_udphdr *h = (const void *)p->data;
	struct iovec iov;
	size_t ulen;

	if (!udp_check(p, ip))
		return;
	ulen = pith_ntohs(h->len);
	PITH_COUNT(udp_rx_datagrams);
	iov = (struct iovec){p->data + PITH_UDP_HLEN, ulen - PITH_UDP_HLEN};
	if (pith_udp_deliver(ip->src, h->sport, ip->dst, h->dport, &iov, 1, iov.iov_len))
		return;
	/* RFC 1122 section 4.1.3.1: port unreachable, never for broadcasts or multicast. */
	if (!pith_udp_is_broadcast(ip->dst) && (pith_ntohl(ip->dst) >> 28) != 0xe)
		pith_icmp_unreach(ip, p->data, ulen, 3);
}

int pith_udp_output(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		    const struct iovec *iov, int iovcnt, size_t len)
{
	struct pith_pkt *p = pith_pkt_alloc();
	struct pith_udphdr *h;
	int err;

	if (!p) {
		/* udp_send_skb: ENOBUFS is not reported without IP_RECVERR */
		PITH_COUNT(udp_drop_no_tx_buffer);
		return 0;
	}
	if (len + PITH_UDP_HLEN > PITH_PKT_BUF_SIZE - PITH_PKT_HEADROOM) {
		pith_pkt_free(p);
		return -EMSGSIZE; /* no fragmentation on output */
	}
	h = pith_pkt_put(p, PITH_UDP_HLEN + len);
	*h = (struct pith_udphdr){sport, dport, pith_htons((uint16_t)(PITH_UDP_HLEN + len)), 0};
	pith_iov_from(iov, iovcnt, 0, (uint8_t *)h + PITH_UDP_HLEN, len);
	h->csum = pith_udp_csum(src ? src : pith_netif.ip, dst, h, PITH_UDP_HLEN + len);
	err = pith_ipv4_output(p, src, dst, PITH_IPPROTO_UDP);
	if (err == 0)
		PITH_COUNT(udp_tx_datagrams);
	return err;
}
