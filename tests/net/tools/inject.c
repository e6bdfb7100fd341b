/* Hostile frames for the network tests: malformed and abusive Ethernet frames sent at a guest. */
/*
 *   inject IFACE GUEST_MAC GUEST_IP PORT [--flood N] [--seed S]
 * Run in the namespace that holds IFACE, the tap the guest is on: frames sent on it through an
 * AF_PACKET socket reach the guest. They come from a made-up neighbour, FAKE_IP (10.0.7.66 by
 * default; --from A.B.C.D) with a made-up MAC, whose ARP requests this program answers while it
 * runs. PORT is a TCP port the guest listens on. In order:
 *   truncated  Ethernet, ARP, IPv4, ICMP, UDP and TCP headers cut short
 *   ipv4       bad version, header length, total length, TTL 0, broadcast source
 *   options    IP options: zero or overlong lengths, source routes, record route, timestamps
 *   checksum   bad IPv4 header, ICMP, UDP and TCP checksums
 *   fragments  overlapping fragments (teardrop), beyond 64 KiB, unaligned, 1000 incomplete
 *   tcp-flags  every combination of the 8 TCP flag bits, to PORT and to a closed port, and
 *              malformed TCP options
 *   stateful   a real handshake, then data outside the window, an ACK of unsent data, an
 *              in-window RST and a SYN on the open connection (RFC 5961), then an exact RST
 *   flood      N SYNs (default 100000) from random source ports to PORT, all delivered to
 *              the tap's reader (what the tap's full queue drops is sent again)
 * Prints one line per group ("inject: GROUP: N frames") and exits 0 if every frame went out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct frame {
	uint8_t b[2048];
	size_t len;
};

static int sock, ifindex;
static uint8_t guest_mac[6], fake_mac[6] = {0x02, 0x66, 0x66, 0x66, 0x66, 0x66};
static uint32_t guest_ip, fake_ip; /* network order */
static uint16_t port;
static uint64_t rng = 88172645463325252ULL;
static unsigned long sent, failed;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* RFC 1071: the ones' complement sum, folded; add `start` (a partial sum) first. */
static uint16_t csum(const uint8_t *p, size_t len, uint32_t start)
{
	uint32_t s = start;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void frame_send(const struct frame *f)
{
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};

	memcpy(to.sll_addr, guest_mac, 6);
	for (int tries = 0; tries < 1000; tries++) {
		if (sendto(sock, f->b, f->len, 0, (struct sockaddr *)&to, sizeof(to)) >= 0) {
			sent++;
			return;
		}
		if (errno != ENOBUFS && errno != EAGAIN)
			break;
		usleep(200); /* the tap's queue is full: let the guest's side catch up */
	}
	failed++;
}

static void eth(struct frame *f, unsigned type)
{
	memcpy(f->b, guest_mac, 6);
	memcpy(f->b + 6, fake_mac, 6);
	put16(f->b + 12, type);
	f->len = 14;
}

/* An IPv4 header (RFC 791 section 3.1) with optlen bytes of options after it, then plen bytes
   of payload space; returns the payload's offset. */
static size_t ipv4(struct frame *f, unsigned proto, size_t optlen, size_t plen, unsigned frag)
{
	uint8_t *ip = f->b + 14;
	size_t hl = 20 + optlen;

	eth(f, 0x0800);
	memset(ip, 0, hl);
	ip[0] = (uint8_t)(0x40 | hl / 4);
	put16(ip + 2, (unsigned)(hl + plen));
	put16(ip + 4, rnd() & 0xffff);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, &fake_ip, 4);
	memcpy(ip + 16, &guest_ip, 4);
	f->len = 14 + hl + plen;
	return 14 + hl;
}

static void ipv4_fix(struct frame *f)
{
	uint8_t *ip = f->b + 14;

	put16(ip + 10, 0);
	put16(ip + 10, csum(ip, (size_t)(ip[0] & 15) * 4, 0));
}

/* The TCP/UDP pseudo-header's sum (RFC 9293 section 3.1). */
static uint32_t pseudo(unsigned proto, size_t len)
{
	const uint8_t *s = (const uint8_t *)&fake_ip, *d = (const uint8_t *)&guest_ip;

	return (uint32_t)(s[0] << 8 | s[1]) + (uint32_t)(s[2] << 8 | s[3]) +
	       (uint32_t)(d[0] << 8 | d[1]) + (uint32_t)(d[2] << 8 | d[3]) + proto + (uint32_t)len;
}

struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *opt; /* TCP options (a multiple of 4 bytes) */
	size_t optlen;
	const void *data;
	size_t dlen;
};

/* A whole TCP segment (RFC 9293 section 3.1) with correct checksums. */
static void tcp(struct frame *f, const struct seg *s)
{
	size_t hl = 20 + s->optlen, off = ipv4(f, 6, 0, hl + s->dlen, 0x4000);
	uint8_t *t = f->b + off;

	memset(t, 0, hl);
	put16(t, s->sport);
	put16(t + 2, s->dport);
	put32(t + 4, s->seq);
	put32(t + 8, s->ack);
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = s->flags;
	put16(t + 14, 65535);
	if (s->optlen)
		memcpy(t + 20, s->opt, s->optlen);
	if (s->dlen)
		memcpy(t + hl, s->data, s->dlen);
	put16(t + 16, csum(t, hl + s->dlen, pseudo(6, hl + s->dlen)));
	ipv4_fix(f);
}

static void udp(struct frame *f, unsigned dport, const void *data, size_t dlen)
{
	size_t off = ipv4(f, 17, 0, 8 + dlen, 0x4000);
	uint8_t *u = f->b + off;

	put16(u, 40000 + (rnd() & 1023));
	put16(u + 2, dport);
	put16(u + 4, (unsigned)(8 + dlen));
	put16(u + 6, 0);
	memcpy(u + 8, data, dlen);
	put16(u + 6, csum(u, 8 + dlen, pseudo(17, 8 + dlen)));
	ipv4_fix(f);
}

/* An ICMP echo request (RFC 792) with dlen bytes of data, in one unfragmented packet. */
static void icmp_echo(struct frame *f, size_t dlen)
{
	size_t off = ipv4(f, 1, 0, 8 + dlen, 0);
	uint8_t *c = f->b + off;

	memset(c, 0, 8 + dlen);
	c[0] = 8;
	put16(c + 4, 0x1234);
	for (size_t i = 0; i < dlen; i++)
		c[8 + i] = (uint8_t)i;
	put16(c + 2, csum(c, 8 + dlen, 0));
	ipv4_fix(f);
}

static void report(const char *group, unsigned long before)
{
	printf("inject: %s: %lu frames\n", group, sent + failed - before);
}

/* ---- the groups --------------------------------------------------------------------------- */

static void group_truncated(void)
{
	unsigned long before = sent + failed;
	struct frame f, full;
	struct seg s = {.sport = 40001, .dport = port, .seq = rnd(), .flags = TCP_SYN};

	eth(&f, 0x0800); /* an Ethernet header alone (the kernel sends nothing shorter) */
	frame_send(&f);
	eth(&f, 0x0806);
	for (size_t len = 14; len < 14 + 28; len += 3) { /* ARP cut short */
		memset(f.b + 14, 0, 28);
		f.len = len;
		frame_send(&f);
	}
	tcp(&full, &s);
	for (size_t len = 14; len < full.len; len++) { /* IPv4 and TCP cut short, length as is */
		f = full;
		f.len = len;
		frame_send(&f);
	}
	udp(&full, 7, "x", 1);
	for (size_t len = 34; len < full.len; len++) {
		f = full;
		f.len = len;
		frame_send(&f);
	}
	icmp_echo(&full, 0);
	for (size_t len = 34; len < full.len; len++) {
		f = full;
		f.len = len;
		frame_send(&f);
	}
	report("truncated", before);
}

static void group_ipv4(void)
{
	unsigned long before = sent + failed;
	struct frame f;
	static const struct {
		unsigned off, val;
	} bad[] = {
	    {0, 0x65},	  {0, 0x44},
	    {0, 0x40},	  {0, 0x4f}, /* version 6; header length 16, 0, 60 */
	    {2, 19},	  {2, 0},
	    {2, 2000},	  {8, 0},   /* total length short, 0, past the frame; TTL 0 */
	    {12, 0xffff}, {9, 200}, /* broadcast source; unknown protocol */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		icmp_echo(&f, 32);
		uint8_t *ip = f.b + 14;
		if (bad[i].off == 0 || bad[i].off == 8 || bad[i].off == 9)
			ip[bad[i].off] = (uint8_t)bad[i].val;
		else if (bad[i].off == 12)
			memset(ip + 12, 0xff, 4);
		else
			put16(ip + bad[i].off, bad[i].val);
		ipv4_fix(&f);
		frame_send(&f);
	}
	report("ipv4", before);
}

/* An ICMP echo request carrying IP options (padded to 4 bytes with zeros). */
static void options_one(const uint8_t *opt, size_t len)
{
	struct frame f;
	size_t olen = (len + 3) & ~(size_t)3;
	size_t off = ipv4(&f, 1, olen, 16, 0);
	uint8_t *c = f.b + off;

	memset(f.b + 34, 0, olen);
	memcpy(f.b + 34, opt, len);
	memset(c, 0, 16);
	c[0] = 8;
	put16(c + 2, csum(c, 16, 0));
	ipv4_fix(&f);
	frame_send(&f);
}

static void group_options(void)
{
	unsigned long before = sent + failed;
	uint8_t garbage[40];
	static const uint8_t zero_len[] = {0x44, 0, 5, 0}, one_len[] = {0x07, 1, 0, 0},
			     past_end[] = {0x07, 39, 4, 0}, lsrr[] = {0x83, 7, 4, 10, 0, 7, 1},
			     ssrr[] = {0x89, 7, 4, 10, 0, 7, 1}, ts_over[] = {0x44, 12, 13, 0x11},
			     huge[] = {0x82, 255, 0, 0}, rr_ptr[] = {0x07, 7, 2, 0, 0, 0, 0};

	options_one(zero_len, sizeof(zero_len));
	options_one(one_len, sizeof(one_len));
	options_one(past_end, sizeof(past_end));
	options_one(lsrr, sizeof(lsrr));
	options_one(ssrr, sizeof(ssrr));
	options_one(ts_over, sizeof(ts_over));
	options_one(huge, sizeof(huge));
	options_one(rr_ptr, sizeof(rr_ptr));
	for (int i = 0; i < 20; i++) {
		for (size_t j = 0; j < sizeof(garbage); j++)
			garbage[j] = (uint8_t)rnd();
		options_one(garbage, sizeof(garbage));
	}
	report("options", before);
}

static void group_checksum(void)
{
	unsigned long before = sent + failed;
	struct frame f;
	struct seg s = {.sport = 40002, .dport = port, .seq = rnd(), .flags = TCP_SYN};

	for (int i = 0; i < 10; i++) {
		icmp_echo(&f, 32);
		f.b[14 + 20 + 2] ^= 0x5a; /* ICMP */
		frame_send(&f);
		icmp_echo(&f, 32);
		f.b[14 + 10] ^= 0x5a; /* IPv4 header */
		frame_send(&f);
		udp(&f, 7, "checksum", 8);
		f.b[14 + 20 + 6] ^= 0x5a; /* UDP */
		frame_send(&f);
		tcp(&f, &s);
		f.b[14 + 20 + 16] ^= 0x5a; /* TCP */
		frame_send(&f);
	}
	report("checksum", before);
}

/* One fragment of an ICMP echo (RFC 791 section 3.2): payload bytes [off, off + len). */
static void fragment(unsigned id, unsigned off, size_t len, bool more, uint8_t fill)
{
	struct frame f;
	size_t at = ipv4(&f, 1, 0, len, (more ? 0x2000u : 0) | (off / 8));

	put16(f.b + 14 + 4, id);
	memset(f.b + at, fill, len);
	if (off == 0 && len >= 8) { /* an echo header, so that a reassembly would be answered */
		f.b[at] = 8;
		f.b[at + 1] = 0;
	}
	ipv4_fix(&f);
	frame_send(&f);
}

static void group_fragments(void)
{
	unsigned long before = sent + failed;

	fragment(0x1001, 0, 48, true, 0xaa); /* teardrop: the second overlaps the first */
	fragment(0x1001, 24, 400, false, 0xbb);
	fragment(0x1002, 0, 400, true, 0xaa); /* the second lies inside the first */
	fragment(0x1002, 8, 16, false, 0xbb);
	fragment(0x1003, 0, 64, true, 0xaa); /* duplicates */
	fragment(0x1003, 0, 64, true, 0xaa);
	fragment(0x1003, 64, 64, false, 0xaa);
	fragment(0x1004, 0, 64, true, 0xaa); /* past 65535 bytes ("ping of death") */
	fragment(0x1004, 65528, 100, false, 0xcc);
	fragment(0x1005, 0, 13, true, 0xaa); /* a middle fragment not a multiple of 8 */
	fragment(0x1005, 13, 8, false, 0xaa);
	fragment(0x1006, 0, 8, true, 0xaa); /* the last fragment first, then a gap forever */
	fragment(0x1006, 1000, 8, false, 0xaa);
	for (unsigned id = 0; id < 1000; id++) /* 1000 datagrams never completed */
		fragment(0x2000 + id, 0, 64, true, (uint8_t)id);
	report("fragments", before);
}

static void group_tcp_flags(void)
{
	unsigned long before = sent + failed;
	struct frame f;
	static const uint8_t bad_opts[][8] = {
	    {2, 0, 0, 0, 0, 0, 0, 0},	   /* MSS with length 0 */
	    {2, 4, 0, 0, 0, 0, 0, 0},	   /* MSS 0 */
	    {3, 3, 255, 0, 0, 0, 0, 0},	   /* window scale 255 */
	    {8, 40, 1, 2, 3, 4, 5, 6},	   /* timestamps running past the header */
	    {5, 2, 0, 0, 0, 0, 0, 0},	   /* SACK with no blocks */
	    {4, 1, 0, 0, 0, 0, 0, 0},	   /* SACK-permitted with length 1 */
	    {0xfe, 255, 1, 1, 1, 1, 1, 1}, /* unknown, overlong */
	    {1, 1, 1, 1, 1, 1, 1, 0xff},   /* NOPs then a kind without length */
	};

	for (unsigned flags = 0; flags < 256; flags++) {
		for (int closed = 0; closed < 2; closed++) {
			struct seg s = {.sport = (uint16_t)(41000 + flags),
					.seq = rnd(),
					.ack = rnd(),
					.flags = (uint8_t)flags,
					.data = "data",
					.dlen = (flags & 1) ? 4 : 0};
			s.dport = closed ? 9 : port;
			tcp(&f, &s);
			frame_send(&f);
		}
	}
	for (size_t i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		struct seg s = {.sport = (uint16_t)(42000 + i),
				.dport = port,
				.seq = rnd(),
				.flags = TCP_SYN,
				.opt = bad_opts[i],
				.optlen = 8};
		tcp(&f, &s);
		frame_send(&f);
	}
	for (unsigned off = 0; off < 16; off++) { /* data offsets below 5 or past the segment */
		struct seg s = {.sport = 43000, .dport = port, .seq = rnd(), .flags = TCP_SYN};
		tcp(&f, &s);
		f.b[14 + 20 + 12] = (uint8_t)(off << 4);
		frame_send(&f);
	}
	report("tcp-flags", before);
}

/* ---- receiving: ARP answers for the made-up neighbour, and the guest's TCP segments ------- */

struct rx {
	uint32_t seq, ack;
	uint8_t flags;
	size_t dlen;
	char data[64];
};

/* RFC 826: answer "who has FAKE_IP" with the made-up MAC. */
static void arp_answer(const uint8_t *req)
{
	struct frame f;
	uint8_t *a = f.b + 14;

	eth(&f, 0x0806);
	memcpy(f.b, req + 6, 6);
	memcpy(a, req + 14, 6); /* hardware and protocol types and sizes */
	put16(a + 6, 2);
	memcpy(a + 8, fake_mac, 6);
	memcpy(a + 14, &fake_ip, 4);
	memcpy(a + 18, req + 14 + 8, 10); /* the asker's MAC and IP */
	f.len = 14 + 28;
	frame_send(&f);
}

/* Takes one received frame: answers ARP; fills *r from a TCP segment to dport. 1 if it did. */
static int rx_frame(const uint8_t *p, size_t n, uint16_t dport, struct rx *r)
{
	if (n >= 42 && p[12] == 8 && p[13] == 6 && p[14 + 7] == 1 &&
	    !memcmp(p + 14 + 24, &fake_ip, 4))
		arp_answer(p);
	if (n < 54 || p[12] != 8 || p[13] != 0 || p[14 + 9] != 6)
		return 0;
	size_t hl = (size_t)(p[14] & 15) * 4, tot = (size_t)p[16] << 8 | p[17];
	const uint8_t *t = p + 14 + hl;
	if (14 + tot > n || tot < hl + 20 || (t[2] << 8 | t[3]) != dport)
		return 0;
	size_t thl = (size_t)(t[12] >> 4) * 4;
	r->seq = get32(t + 4);
	r->ack = get32(t + 8);
	r->flags = t[13];
	r->dlen = tot - hl - thl;
	memcpy(r->data, t + thl, r->dlen < sizeof(r->data) ? r->dlen : sizeof(r->data));
	return 1;
}

/* Waits up to ms for a segment to dport (0: just answer ARP); 1 with *r filled, else 0. */
static int rx_wait(int ms, uint16_t dport, struct rx *r)
{
	uint8_t buf[2048];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		struct pollfd p = {.fd = sock, .events = POLLIN};
		clock_gettime(CLOCK_MONOTONIC, &t1);
		int left = ms - (int)((t1.tv_sec - t0.tv_sec) * 1000 +
				      (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left < 0 || poll(&p, 1, left) <= 0)
			return 0;
		ssize_t n =
		    recvfrom(sock, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n > 0 && from.sll_pkttype != PACKET_OUTGOING &&
		    rx_frame(buf, (size_t)n, dport, r))
			return 1;
	}
}

/* ---- stateful: a real connection, then segments RFC 5961 says must not hurt it --------------- */

struct conn {
	uint16_t sport;
	uint32_t snd_nxt, rcv_nxt;
};

static void conn_send(const struct conn *c, uint32_t seq, uint8_t flags, const char *data)
{
	struct frame f;
	struct seg s = {.sport = c->sport,
			.dport = port,
			.seq = seq,
			.ack = c->rcv_nxt,
			.flags = flags,
			.data = data,
			.dlen = data ? strlen(data) : 0};

	tcp(&f, &s);
	frame_send(&f);
}

/* SYN, SYN-ACK, ACK (RFC 9293 section 3.5); 0 once established. */
static int conn_open(struct conn *c)
{
	static const uint8_t mss[] = {2, 4, 0x05, 0xb4};
	struct rx r;
	struct frame f;

	c->sport = (uint16_t)(45000 + rnd() % 1000);
	c->snd_nxt = rnd();
	for (int tries = 0; tries < 5; tries++) {
		struct seg s = {.sport = c->sport,
				.dport = port,
				.seq = c->snd_nxt,
				.flags = TCP_SYN,
				.opt = mss,
				.optlen = 4};
		tcp(&f, &s);
		frame_send(&f);
		while (rx_wait(1000, c->sport, &r))
			if ((r.flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
			    r.ack == c->snd_nxt + 1) {
				c->snd_nxt++;
				c->rcv_nxt = r.seq + 1;
				conn_send(c, c->snd_nxt, TCP_ACK, NULL);
				return 0;
			}
	}
	return -1;
}

/* Sends "PING\n"; 1 if "PONG" comes back (acknowledged, so the guest stays quiet). */
static int conn_ping(struct conn *c)
{
	struct rx r;

	conn_send(c, c->snd_nxt, TCP_ACK | TCP_PSH, "PING\n");
	c->snd_nxt += 5;
	while (rx_wait(2000, c->sport, &r)) {
		if (r.dlen >= 4 && !memcmp(r.data, "PONG", 4)) {
			c->rcv_nxt = r.seq + (uint32_t)r.dlen;
			conn_send(c, c->snd_nxt, TCP_ACK, NULL);
			return 1;
		}
	}
	return 0;
}

/* The hostile segments; returns how many bare ACKs (challenge ACKs, RFC 5961) came back. */
static int conn_abuse(struct conn *c)
{
	struct rx r;
	int acks = 0;

	conn_send(c, c->snd_nxt + 0x80000000u, TCP_ACK, "far out of window");
	conn_send(c, c->snd_nxt - 50000, TCP_ACK, "long before the window");
	c->rcv_nxt += 1000000; /* an ACK of data the guest never sent */
	conn_send(c, c->snd_nxt, TCP_ACK, NULL);
	c->rcv_nxt -= 1000000;
	conn_send(c, c->snd_nxt + 1000, TCP_RST, NULL);	       /* in the window, not exact */
	conn_send(c, c->snd_nxt + 5, TCP_SYN, NULL);	       /* a SYN on an open connection */
	conn_send(c, c->snd_nxt + 0x40000000u, TCP_RST, NULL); /* outside the window */
	while (rx_wait(500, c->sport, &r))
		acks += (r.flags & TCP_ACK) && !(r.flags & (TCP_RST | TCP_SYN)) && !r.dlen;
	return acks;
}

static void group_stateful(void)
{
	unsigned long before = sent + failed;
	struct conn c;

	if (conn_open(&c) < 0) {
		printf("inject: stateful: no SYN-ACK from the guest\n");
		failed++;
		return;
	}
	int first = conn_ping(&c);
	int acks = conn_abuse(&c);
	int after = conn_ping(&c);
	printf(
	    "inject: stateful: handshake ok, PONG before %s, %d ACKs to the abuse, PONG after %s\n",
	    first ? "yes" : "no", acks, after ? "yes" : "no");
	conn_send(&c, c.snd_nxt, TCP_RST, NULL); /* an exact RST ends it */
	if (!first || !after)
		failed++;
	report("stateful", before);
}

static char ifname[IF_NAMESIZE];

/* Frames the tap dropped because its queue was full (the reader, the guest's side, lagged). */
static unsigned long long tap_drops(void)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped", ifname);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* N SYNs that reach the guest's side: what the tap's full queue drops is sent again, with a
   pause so that the reader catches up. */
static void group_flood(unsigned long n)
{
	unsigned long before = sent + failed, out = 0;
	unsigned long long drops0 = tap_drops(), drops = drops0;
	struct frame f;
	struct rx r;

	while (out - (drops - drops0) < n && sent + failed - before < 20 * n) {
		unsigned long batch = n - (out - (drops - drops0));
		batch = batch < 1024 ? batch : 1024;
		for (unsigned long i = 0; i < batch; i++, out++) {
			struct seg s = {.sport = (uint16_t)(1024 + rnd() % 64000),
					.dport = port,
					.seq = rnd(),
					.flags = TCP_SYN};
			tcp(&f, &s);
			frame_send(&f);
		}
		rx_wait(0, 0, &r); /* answer ARP now and then */
		unsigned long long d = tap_drops();
		if (d != drops)
			usleep(2000);
		drops = d;
	}
	printf("inject: flood: %llu SYNs reached the tap's reader (%lu sent, %llu dropped by the "
	       "tap's full queue)\n",
	       out - (drops - drops0), out, drops - drops0);
	report("flood", before);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

static int setup(char **argv)
{
	struct sockaddr_ll a = {.sll_family = AF_PACKET, .sll_protocol = htons(0x0003)};

	ifindex = (int)if_nametoindex(argv[1]);
	snprintf(ifname, sizeof(ifname), "%s", argv[1]);
	if (!ifindex || parse_mac(argv[2], guest_mac) < 0 ||
	    inet_pton(AF_INET, argv[3], &guest_ip) != 1)
		return -1;
	port = (uint16_t)atoi(argv[4]);
	sock = socket(AF_PACKET, SOCK_RAW, htons(0x0003));
	a.sll_ifindex = ifindex;
	if (sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("inject: AF_PACKET socket");
		exit(1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long flood = 100000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	inet_pton(AF_INET, "10.0.7.66", &fake_ip);
	for (int i = 5; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--flood"))
			flood = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			rng = (strtoull(argv[i + 1], NULL, 0) + 1) * 0x9e3779b97f4a7c15ULL | 1;
		else if (!strcmp(argv[i], "--from"))
			inet_pton(AF_INET, argv[i + 1], &fake_ip);
	}
	if (argc < 5 || setup(argv) < 0) {
		fprintf(stderr,
			"usage: inject IFACE GUEST_MAC GUEST_IP PORT [--flood N] [--seed S] "
			"[--from A.B.C.D]\n");
		return 2;
	}
	group_truncated();
	group_ipv4();
	group_options();
	group_checksum();
	group_fragments();
	group_tcp_flags();
	group_stateful();
	group_flood(flood);
	printf("inject: %lu frames sent, %lu failed\n", sent, failed);
	return failed != 0;
}
