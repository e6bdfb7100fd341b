/* libFuzzer harness: the whole kernel/net stack on the host, fed sequences of received frames. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fd/fd.h"
#include "net/lower.h"
#include "net/net.h"
#include "net/socket.h"

#include "frames.h"
#include "net_host.h"

/*
 * An input is a sequence of chunks: a control byte, a 2-byte big-endian length, then that many
 * bytes of frame (fewer if the input ends). The control byte helps the fuzzer past the checks a
 * random frame would fail, so that the protocols' state machines are reached:
 *   bit 0     fix the IPv4 header and TCP/UDP/ICMP checksums
 *   bit 1     a TCP frame answers the stack's last segment: its ports, reversed, and an
 *             acknowledgment of the last sequence number sent
 *   bits 2-4  advance the clock first (0, 1 ms, 10 ms, 200 ms, 1 s, 5 s, 31 s, 121 s)
 *   bit 5     afterwards, accept queued connections, write to them, read, and close them
 *   bit 6     afterwards, send a UDP datagram from the bound UDP socket to the peer
 *   bit 7     afterwards, open a TCP connection to the peer (at most 4 at once)
 * After the input every socket the input opened is closed and the clock runs an hour on, so
 * that every timer fires and the next input starts from a quiet stack. Then the kernel memory in
 * use must be back to what it was before the input (transmit buffers aside, which the packet
 * pool keeps, bounded): anything else is a leak, reported as a crash (PITH_FUZZ_LEAKS=0 in the
 * environment turns this check off, to look for other bugs while a leak is being fixed).
 */
#define CTL_FIX_CSUM 0x01
#define CTL_FIX_ACK  0x02
#define CTL_ACCEPT   0x20
#define CTL_UDP_SEND 0x40
#define CTL_CONNECT  0x80
#define CLIENTS_MAX  4
#define QUIET_STEPS  60 /* of a minute each */

static const uint64_t advance_ns[8] = {0,	   1000000,    10000000,    200000000,
				       1000000000, 5000000000, 31000000000, 121000000000};
static struct pith_file *listener, *udp;
static struct pith_file *clients[CLIENTS_MAX];
static unsigned nclients;
static uint32_t last_seq_end; /* the stack's last TCP segment: seq + length (+ SYN/FIN) */
static uint8_t last_ports[4]; /* and its source and destination ports */
static size_t kmem_at_start;  /* kernel memory before the input, without the packet pool */
static bool check_leaks = true;

/* Kernel memory in use, without the packet pool's buffers (kept for reuse, bounded). */
static size_t kmem_in_use(void)
{
	unsigned total, in_use;

	pith_pkt_pool_stats(&total, &in_use);
	return net_host_kmem - total * (PITH_PKT_BUF_SIZE + sizeof(struct pith_pkt));
}

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	return (struct sockaddr_in){
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = ip};
}

static struct pith_file *sock_open(int (*ctor)(struct pith_file **), uint16_t port)
{
	struct sockaddr_in a = sin_of(0, port);
	struct pith_file *f;

	if (!ctor || ctor(&f) < 0)
		return NULL;
	if (f->ops->sock->bind(f, &a) < 0) {
		pith_file_put(f);
		return NULL;
	}
	return f;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *leaks = getenv("PITH_FUZZ_LEAKS");

	(void)argc, (void)argv;
	check_leaks = !leaks || strcmp(leaks, "0") != 0;
	net_host_init();
	listener = sock_open(pith_tcp_socket, 80);
	if (listener && listener->ops->sock->listen(listener, 16) < 0)
		abort();
	udp = sock_open(pith_udp_socket, 7);
	if (!listener || !udp)
		abort();
	kmem_at_start = kmem_in_use();
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Where a frame's TCP header starts, or 0 if it is not IPv4 + TCP with a whole header. */
static size_t tcp_offset(const uint8_t *f, size_t len)
{
	size_t hlen;

	if (len < 34 || f[12] != 0x08 || f[13] != 0 || f[14] >> 4 != 4 || f[23] != 6)
		return 0;
	hlen = (f[14] & 0xfu) * 4u;
	return 14 + hlen + 20 <= len ? 14 + hlen : 0;
}

/* Takes every frame the stack sent, remembering where its last TCP segment ended. */
static void collect_tx(void)
{
	static uint8_t f[65536];
	size_t n, t;

	while ((n = net_host_tx(f, sizeof(f))) > 0) {
		if (n > sizeof(f) || !(t = tcp_offset(f, n)))
			continue;
		size_t tot = (size_t)(f[16] << 8 | f[17]), doff = (f[t + 12] >> 4) * 4u;
		size_t data = tot + 14 > t + doff ? tot + 14 - t - doff : 0;

		memcpy(last_ports, f + t, 4);
		last_seq_end =
		    get32(f + t + 4) + (uint32_t)data + !!(f[t + 13] & 0x02) + !!(f[t + 13] & 0x01);
	}
}

static void exercise(struct pith_file *c)
{
	static char buf[2048] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	struct iovec w = {buf, 42}, r = {buf, sizeof(buf)};
	int mf = 0;

	c->ops->sock->sendmsg(c, &w, 1, 42, NULL, 0);
	c->ops->sock->recvmsg(c, &r, 1, sizeof(buf), NULL, 0, &mf);
}

static void accept_all(void)
{
	struct pith_file *c;
	struct sockaddr_in peer;

	while (listener->ops->sock->accept(listener, &c, &peer) == 0) {
		exercise(c);
		if (c->ops->sock->shutdown)
			c->ops->sock->shutdown(c, SHUT_WR);
		pith_file_put(c);
	}
	for (unsigned i = 0; i < nclients; i++)
		exercise(clients[i]);
}

static void udp_send(void)
{
	struct sockaddr_in to = sin_of(NET_HOST_GW, 9);
	struct iovec w = {"ping", 4};

	udp->ops->sock->sendmsg(udp, &w, 1, 4, &to, 0);
}

static void connect_out(void)
{
	struct sockaddr_in to = sin_of(NET_HOST_GW, 1234);
	struct pith_file *c;

	if (nclients == CLIENTS_MAX || pith_tcp_socket(&c) < 0)
		return;
	c->ops->sock->connect(c, &to);
	clients[nclients++] = c;
}

/* Makes the TCP header at t a reply to the stack's last segment (CTL_FIX_ACK). */
static void answer_last(uint8_t *t)
{
	memcpy(t, last_ports + 2, 2);
	memcpy(t + 2, last_ports, 2);
	for (int i = 0; i < 4; i++)
		t[8 + i] = (uint8_t)(last_seq_end >> (24 - 8 * i));
}

static void one_frame(uint8_t ctl, const uint8_t *data, size_t len)
{
	static uint8_t f[FRAME_MAX];
	size_t t;

	if (len > sizeof(f))
		len = sizeof(f);
	memcpy(f, data, len);
	if (advance_ns[(ctl >> 2) & 7])
		net_host_advance(advance_ns[(ctl >> 2) & 7]);
	if ((ctl & CTL_FIX_ACK) && (t = tcp_offset(f, len)) != 0)
		answer_last(f + t);
	if (ctl & CTL_FIX_CSUM)
		frame_fix_csums(f, len);
	net_host_rx(f, len);
	collect_tx();
	if (ctl & CTL_ACCEPT)
		accept_all();
	if (ctl & CTL_UDP_SEND)
		udp_send();
	if (ctl & CTL_CONNECT)
		connect_out();
	collect_tx();
}

/* Reads every datagram queued on the UDP socket (the harness keeps it open). */
static void udp_drain(void)
{
	static char buf[65536];
	struct iovec r = {buf, sizeof(buf)};
	int mf;

	while (udp->ops->sock->recvmsg(udp, &r, 1, sizeof(buf), NULL, 0, &mf) >= 0)
		;
}

/* Closes what the input opened and lets every timer run out. */
static void quiesce(void)
{
	accept_all();
	udp_drain();
	for (unsigned i = 0; i < nclients; i++)
		pith_file_put(clients[i]);
	nclients = 0;
	for (int i = 0; i < QUIET_STEPS; i++) {
		net_host_advance(60000000000ull);
		collect_tx();
	}
	udp_drain();
	if (check_leaks && kmem_in_use() > kmem_at_start) {
		fprintf(stderr,
			"leak: %zu bytes of kernel memory still in use an hour after every "
			"socket was closed (%zu before the input)\n",
			kmem_in_use(), kmem_at_start);
		pith_net_stats_print();
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kmem_at_start = kmem_in_use();
	while (size >= 3) {
		uint8_t ctl = data[0];
		size_t len = (size_t)(data[1] << 8 | data[2]);

		data += 3, size -= 3;
		if (len > size)
			len = size;
		one_frame(ctl, data, len);
		data += len, size -= len;
	}
	quiesce();
	return 0;
}
