/* Builders of Ethernet frames for the network stack's host tests and the fuzzer's seeds. */
#include <string.h>

#include "frames.h"
#include "net_host.h"

const uint8_t net_host_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t peer_mac[6] = NET_HOST_PEER_MAC;

uint16_t frame_csum(const void *data, size_t len, uint32_t start)
{
	const uint8_t *p = data;
	uint32_t s = start;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = ~s & 0xffff;
	return (uint16_t)((s >> 8) | (s << 8)); /* as it lies in memory */
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static size_t frame_eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst ? dst : net_host_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, type);
	return 14;
}

size_t frame_arp(uint8_t *f, uint16_t op, uint32_t spa, uint32_t tpa, const uint8_t *eth_dst)
{
	uint8_t *a = f + frame_eth(f, eth_dst, 0x0806);

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, peer_mac, 6);
	memcpy(a + 14, &spa, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, &tpa, 4);
	return 14 + 28;
}

size_t frame_ipv4(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id, uint16_t frag,
		  const void *payload, size_t len)
{
	uint8_t *h = f + frame_eth(f, NULL, 0x0800);

	memset(h, 0, 20);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(20 + len));
	put16(h + 4, id);
	put16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	memcpy(h + 10, (uint16_t[]){frame_csum(h, 20, 0)}, 2);
	memmove(h + 20, payload, len);
	return 14 + 20 + len;
}

size_t frame_icmp_echo(uint8_t *f, uint32_t src, uint16_t id, uint16_t seq, size_t datalen)
{
	uint8_t m[FRAME_MAX];

	memset(m, 0, 8);
	m[0] = 8;
	put16(m + 4, id);
	put16(m + 6, seq);
	for (size_t i = 0; i < datalen; i++)
		m[8 + i] = (uint8_t)i;
	memcpy(m + 2, (uint16_t[]){frame_csum(m, 8 + datalen, 0)}, 2);
	return frame_ipv4(f, src, NET_HOST_IP, 1, seq, 0x4000, m, 8 + datalen);
}

/* The pseudo-header's sum (RFC 768, RFC 9293 section 3.1), host order. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t len)
{
	uint32_t s = proto + (uint32_t)len;

	for (int i = 12; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return s;
}

size_t frame_udp(uint8_t *f, uint32_t src, uint16_t sport, uint16_t dport, const void *data,
		 size_t len)
{
	uint8_t u[FRAME_MAX];
	size_t n;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	put16(u + 6, 0);
	memcpy(u + 8, data, len);
	n = frame_ipv4(f, src, NET_HOST_IP, 17, 1, 0x4000, u, 8 + len);
	frame_fix_csums(f, n);
	return n;
}

size_t frame_tcp(uint8_t *f, uint32_t src, uint16_t sport, uint16_t dport, uint32_t seq,
		 uint32_t ack, uint8_t flags, const void *data, size_t len)
{
	uint8_t t[FRAME_MAX];
	size_t n;

	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	memcpy(t + 20, data, len);
	n = frame_ipv4(f, src, NET_HOST_IP, 6, 1, 0x4000, t, 20 + len);
	frame_fix_csums(f, n);
	return n;
}

/* Where the transport's checksum lies, or -1 (unknown protocol, or a fragment). */
static int l4_csum_offset(uint8_t proto)
{
	return proto == 6 ? 16 : proto == 17 ? 6 : proto == 1 ? 2 : -1;
}

void frame_fix_csums(uint8_t *f, size_t len)
{
	uint8_t *h = f + 14;
	size_t hlen, tot;
	int off;

	if (len < 34 || f[12] != 0x08 || f[13] != 0 || h[0] >> 4 != 4)
		return;
	hlen = (h[0] & 0xfu) * 4u;
	tot = (size_t)(h[2] << 8 | h[3]);
	if (hlen < 20 || 14 + hlen > len)
		return;
	memset(h + 10, 0, 2);
	memcpy(h + 10, (uint16_t[]){frame_csum(h, hlen, 0)}, 2);
	off = l4_csum_offset(h[9]);
	if (off < 0 || tot < hlen + (size_t)off + 2 || 14 + tot > len || (h[6] & 0x3f) || h[7])
		return;
	memset(h + hlen + off, 0, 2);
	memcpy(h + hlen + off,
	       (uint16_t[]){frame_csum(h + hlen, tot - hlen,
				       h[9] == 1 ? 0 : pseudo_sum(h, h[9], tot - hlen))},
	       2);
}
