/* IPv4 (RFC 791, RFC 1122 section 3.2.1): header checks, routing, delivery and output. */
#include <errno.h>
#include <string.h>

#include "net/lower.h"
#include "net/net.h"

#define IP_HLEN 20
#define IP_TTL	64 /* RFC 1700's recommended default */

PITH_COUNTER(ipv4_drop_short);
PITH_COUNTER(ipv4_drop_bad_version);
PITH_COUNTER(ipv4_drop_bad_header_len);
PITH_COUNTER(ipv4_drop_bad_total_len);
PITH_COUNTER(ipv4_drop_bad_checksum);
PITH_COUNTER(ipv4_drop_bad_options);
PITH_COUNTER(ipv4_drop_bad_source);
PITH_COUNTER(ipv4_drop_not_ours);
PITH_COUNTER(ipv4_drop_unknown_proto);
PITH_COUNTER(ipv4_drop_no_route);
PITH_COUNTER(ipv4_drop_too_big);
PITH_COUNTER(ipv4_rx_packets);
PITH_COUNTER(ipv4_tx_packets);

/* Transports are linked only when a socket type needs them (a UDP-only image has no TCP). */
extern void pith_udp_input(struct pith_pkt *p, const struct pith_ip_info *ip) __attribute__((weak));
extern void pith_tcp_input(struct pith_pkt *p, const struct pith_ip_info *ip) __attribute__((weak));

static uint16_t ipv4_next_id;

bool pith_ipv4_is_local(uint32_t addr)
{
	if (addr == PITH_IP_BROADCAST)
		return true;
	if (!pith_netif.ip)
		return false;
	return addr == pith_netif.ip || addr == (pith_netif.ip | ~pith_netif.netmask);
}

/* Limited or directed broadcast, or a multicast group (class D). */
static bool ipv4_is_group(uint32_t addr)
{
	return addr == PITH_IP_BROADCAST || (pith_ntohl(addr) >> 28) == 0xe ||
	       (pith_netif.ip && addr == (pith_netif.ip | ~pith_netif.netmask));
}

/*
 * RFC 791 section 3.1 "Options": EOL (0) ends the list, NOP (1) is one byte, every other
 * option has a length byte of at least 2 that stays inside the header. Valid options are
 * skipped (a host need not act on any: RFC 1122 section 3.2.1.8 lets it ignore them).
 */
static bool ipv4_options_ok(const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (o[i] == 0)
			return true;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
			return false;
		i += o[i + 1];
	}
	return true;
}

/*
 * RFC 1122 section 3.2.1.3: a source that is a broadcast, a multicast group, a loopback or
 * class E address is dropped. Section 3.2.1.7: a received TTL is not checked by a host.
 */
static bool ipv4_source_ok(uint32_t src)
{
	uint32_t h = pith_ntohl(src);

	return !ipv4_is_group(src) && (h >> 24) != 127 && (h >> 28) != 0xf;
}

/* Accepted destinations: ours and broadcasts; before an address exists, DHCP's UDP to anyone. */
static bool ipv4_dest_ok(const struct pith_iphdr *h)
{
	if (pith_ipv4_is_local(h->dst))
		return true;
	return !pith_netif.configured && h->proto == PITH_IPPROTO_UDP;
}

/* The checks of RFC 791 section 3.1 and RFC 1122 section 3.2.1; header length or 0 (counted). */
static unsigned ipv4_check(const struct pith_pkt *p, const struct pith_iphdr *h)
{
	unsigned hlen = (h->ver_ihl & 0xf) * 4u;

	if (p->len < IP_HLEN)
		return PITH_COUNT(ipv4_drop_short), 0;
	if (h->ver_ihl >> 4 != 4)
		return PITH_COUNT(ipv4_drop_bad_version), 0;
	if (hlen < IP_HLEN || hlen > p->len)
		return PITH_COUNT(ipv4_drop_bad_header_len), 0;
	if (pith_ntohs(h->tot_len) < hlen || pith_ntohs(h->tot_len) > p->len)
		return PITH_COUNT(ipv4_drop_bad_total_len), 0;
	if (pith_csum_fold(pith_csum_add(0, h, hlen)) != 0)
		return PITH_COUNT(ipv4_drop_bad_checksum), 0;
	if (!ipv4_options_ok((const uint8_t *)h + IP_HLEN, hlen - IP_HLEN))
		return PITH_COUNT(ipv4_drop_bad_options), 0;
	if (!ipv4_source_ok(h->src))
		return PITH_COUNT(ipv4_drop_bad_source), 0;
	if (!ipv4_dest_ok(h))
		return PITH_COUNT(ipv4_drop_not_ours), 0;
	return hlen;
}

void pith_ipv4_deliver(struct pith_pkt *p, const struct pith_ip_info *ip)
{
	if (ip->proto == PITH_IPPROTO_ICMP) {
		pith_icmp_input(p, ip);
	} else if (ip->proto == PITH_IPPROTO_UDP && pith_udp_input) {
		pith_udp_input(p, ip);
	} else if (ip->proto == PITH_IPPROTO_TCP && pith_tcp_input) {
		pith_tcp_input(p, ip);
	} else {
		/* RFC 1122 section 3.2.2.1: protocol unreachable (code 2). */
		PITH_COUNT(ipv4_drop_unknown_proto);
		pith_icmp_unreach(ip, p->data, p->len, 2);
	}
}

void pith_ipv4_input(struct pith_pkt *p)
{
	const struct pith_iphdr *h = (const void *)p->data;
	unsigned hlen = ipv4_check(p, h);
	struct pith_ip_info ip;

	if (!hlen)
		return;
	PITH_COUNT(ipv4_rx_packets);
	p->len = pith_ntohs(h->tot_len); /* drops the link layer's padding */
	if (pith_ntohs(h->frag) & (PITH_IP_MF | PITH_IP_OFFMASK)) {
		pith_frag_input(h, p->data + hlen, p->len - hlen);
		return;
	}
	ip = (struct pith_ip_info){.src = h->src,
				   .dst = h->dst,
				   .proto = h->proto,
				   .ttl = h->ttl,
				   .tos = h->tos,
				   .hdr = p->data,
				   .hdr_len = (uint16_t)hlen};
	pith_pkt_pull(p, hlen);
	pith_ipv4_deliver(p, &ip);
}

/* The next hop for dst: on-link, or the gateway; 0 if there is no route. */
static uint32_t ipv4_route(uint32_t dst)
{
	if (dst == PITH_IP_BROADCAST || (pith_ntohl(dst) >> 28) == 0xe)
		return dst;
	if (!pith_netif.ip || (pith_ntohl(dst) >> 24) == 127 || dst == 0)
		return 0;
	if (((dst ^ pith_netif.ip) & pith_netif.netmask) == 0)
		return dst;
	return pith_netif.gateway;
}

static void ipv4_fill(struct pith_iphdr *h, size_t len, uint32_t src, uint32_t dst, uint8_t proto)
{
	*h = (struct pith_iphdr){.ver_ihl = 0x45,
				 .tot_len = pith_htons((uint16_t)len),
				 .id = pith_htons(ipv4_next_id++),
				 .frag = pith_htons(PITH_IP_DF),
				 .ttl = IP_TTL,
				 .proto = proto,
				 .src = src,
				 .dst = dst};
	h->csum = pith_csum_fold(pith_csum_add(0, h, IP_HLEN));
}

int pith_ipv4_output(struct pith_pkt *p, uint32_t src, uint32_t dst, uint8_t proto)
{
	uint32_t hop = ipv4_route(dst);
	size_t len;

	if (!hop || !pith_netif.present) {
		PITH_COUNT(ipv4_drop_no_route);
		pith_pkt_free(p);
		return -ENETUNREACH;
	}
	if (p->len + IP_HLEN > pith_netif.mtu) {
		PITH_COUNT(ipv4_drop_too_big);
		pith_pkt_free(p);
		return -EMSGSIZE;
	}
	len = p->len + IP_HLEN;
	ipv4_fill(pith_pkt_push(p, IP_HLEN), len, src ? src : pith_netif.ip, dst, proto);
	PITH_COUNT(ipv4_tx_packets);
	pith_arp_output(p, hop);
	return 0;
}

/* The identification field starts at a random value (RFC 6864 section 4.1: any value works
   for DF datagrams; a random start avoids colliding with an earlier boot's fragments). */
void pith_ipv4_seed_id(uint16_t seed)
{
	ipv4_next_id = seed;
}
