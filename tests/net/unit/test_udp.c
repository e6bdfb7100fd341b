/* Host tests of UDP: input checks and their counters, delivery, queue bound, ICMP, output. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "test.h"

#include "host/counters.h"
#include "host/frames.h"
#include "host/net_host.h"
#include "net/socket.h"

#define PEER 0x0100000au /* 10.0.0.1, the gateway */

static uint8_t f[FRAME_MAX], out[FRAME_MAX];

static void learn_peer(void)
{
	size_t n = frame_arp(f, 1, PEER, NET_HOST_IP, NULL);

	net_host_rx(f, n);
	CHECK(net_host_tx(out, sizeof(out)) == 42); /* the ARP reply */
}

/* A UDP socket bound to INADDR_ANY:port (host order). */
static struct pith_file *udp_bound(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct pith_file *s = NULL;

	CHECK(pith_udp_socket(&s) == 0);
	CHECK(s->ops->sock->bind(s, &a) == 0);
	return s;
}

/* The next datagram on s: its length (or -errno), payload into buf, sender into *from. */
static long udp_recv(struct pith_file *s, void *buf, size_t cap, struct sockaddr_in *from)
{
	struct iovec iov = {buf, cap};
	int msg_flags = 0;

	return s->ops->sock->recvmsg(s, &iov, 1, cap, from, 0, &msg_flags);
}

static void expect_drop(const char *what, const uint8_t *frame, size_t len, const char *name)
{
	uint64_t before = counter(name), drops = counter_drops();

	net_host_rx(frame, len);
	CHECKF(counter(name) == before + 1, "%s: %s did not rise", what, name);
	CHECKF(counter_drops() == drops + 1, "%s: drops rose by %llu", what,
	       (unsigned long long)(counter_drops() - drops));
	CHECKF(net_host_tx_drain() == 0, "%s: a frame was sent", what);
}

static void test_receive(void)
{
	struct pith_file *s = udp_bound(5000);
	struct sockaddr_in from;
	char buf[16];
	size_t n = frame_udp(f, PEER, 1234, 5000, "hello", 5);

	net_host_rx(f, n);
	CHECK(udp_recv(s, buf, sizeof(buf), &from) == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(from.sin_addr.s_addr == PEER && from.sin_port == htons(1234));
	CHECK(udp_recv(s, buf, sizeof(buf), &from) == -EAGAIN);
	/* a zero checksum means none was computed (RFC 768): accepted */
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
	net_host_rx(f, n);
	CHECK(udp_recv(s, buf, sizeof(buf), NULL) == 5);
	pith_file_put(s);
}

static void test_bad_input(void)
{
	struct pith_file *s = udp_bound(5001);
	size_t n = frame_udp(f, PEER, 1234, 5001, "hello", 5);
	uint8_t *u = f + 14 + 20;
	char buf[16];

	f[n - 1] ^= 0x55;
	expect_drop("bad checksum", f, n, "udp_drop_bad_checksum");
	n = frame_udp(f, PEER, 1234, 5001, "hello", 5);
	u[4] = 0, u[5] = 60; /* UDP length beyond the IP payload */
	frame_fix_csums(f, n);
	expect_drop("long length", f, n, "udp_drop_bad_length");
	n = frame_udp(f, PEER, 1234, 5001, "hello", 5);
	u[4] = 0, u[5] = 7; /* shorter than the header */
	frame_fix_csums(f, n);
	expect_drop("short length", f, n, "udp_drop_bad_length");
	n = frame_ipv4(f, PEER, NET_HOST_IP, 17, 1, 0, "abcd", 4);
	expect_drop("truncated header", f, n, "udp_drop_short");
	CHECK(udp_recv(s, buf, sizeof(buf), NULL) == -EAGAIN);
	pith_file_put(s);
}

/* Port unreachable (RFC 1122 section 4.1.3.1) for unicast, nothing for broadcasts. */
static void test_closed_port(void)
{
	uint8_t udp[13] = {0x04, 0xd2, 0x1f, 0x40, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o'};
	uint64_t before = counter("udp_drop_no_port");
	size_t n = frame_udp(f, PEER, 1234, 8000, "hello", 5), m;

	net_host_rx(f, n);
	CHECK(counter("udp_drop_no_port") == before + 1);
	m = net_host_tx(out, sizeof(out));
	CHECK(m >= 14 + 20 + 8 + 28);
	CHECK(out[14 + 9] == 1 && out[34] == 3 && out[35] == 3); /* ICMP, unreachable, port */
	n = frame_ipv4(f, PEER, 0xffffffffu, 17, 2, 0, udp, sizeof(udp));
	net_host_rx(f, n);
	CHECK(counter("udp_drop_no_port") == before + 2);
	CHECK(net_host_tx_drain() == 0);
}

static void test_broadcast(void)
{
	struct pith_file *s = udp_bound(68);
	uint8_t udp[12] = {0, 67, 0, 68, 0, 12, 0, 0, 'o', 'f', 'f', 'r'};
	size_t n = frame_ipv4(f, PEER, 0xffffffffu, 17, 3, 0, udp, sizeof(udp));
	char buf[8];

	net_host_rx(f, n);
	CHECK(udp_recv(s, buf, sizeof(buf), NULL) == 4 && memcmp(buf, "offr", 4) == 0);
	pith_file_put(s);
}

static void test_rcvbuf(void)
{
	struct pith_file *s = udp_bound(5002);
	uint64_t before = counter("udp_drop_rcvbuf_full");
	static char data[1000];
	int v = 1, got = 0;
	char buf[1000];

	CHECK(s->ops->sock->setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0);
	for (int i = 0; i < 10; i++)
		net_host_rx(f, frame_udp(f, PEER, 1234, 5002, data, sizeof(data)));
	while (udp_recv(s, buf, sizeof(buf), NULL) == (long)sizeof(buf))
		got++;
	CHECKF(got == 1, "%d datagrams queued under SO_RCVBUF 2304", got);
	CHECK(counter("udp_drop_rcvbuf_full") == before + 9);
	pith_file_put(s);
}

static void test_send(void)
{
	struct pith_file *s = udp_bound(5003);
	struct sockaddr_in to = {
	    .sin_family = AF_INET, .sin_port = htons(7), .sin_addr.s_addr = PEER};
	struct iovec iov[2] = {{"pi", 2}, {"ng", 2}};
	uint8_t pseudo[24];
	size_t m;

	CHECK(s->ops->sock->sendmsg(s, iov, 2, 4, &to, 0) == 4);
	m = net_host_tx(out, sizeof(out));
	CHECK(m == 14 + 20 + 8 + 4);
	CHECK(out[14 + 9] == 17 && frame_csum(out + 14, 20, 0) == 0);
	CHECK(out[34] == 0x13 && out[35] == 0x8b && out[36] == 0 && out[37] == 7); /* 5003 -> 7 */
	CHECK(out[38] == 0 && out[39] == 12 && memcmp(out + 42, "ping", 4) == 0);
	memcpy(pseudo, out + 26, 8); /* RFC 768 pseudo-header: src, dst, 0, 17, length */
	pseudo[8] = 0, pseudo[9] = 17, pseudo[10] = 0, pseudo[11] = 12;
	memcpy(pseudo + 12, out + 34, 12);
	CHECK(frame_csum(pseudo, 24, 0) == 0);
	CHECK(s->ops->sock->sendmsg(s, iov, 2, 4, NULL, 0) == -EDESTADDRREQ);
	to.sin_addr.s_addr = 0xffffffffu;
	CHECK(s->ops->sock->sendmsg(s, iov, 2, 4, &to, 0) == -EACCES); /* no SO_BROADCAST */
	pith_file_put(s);
}

int main(void)
{
	size_t kmem;

	net_host_init();
	learn_peer();
	kmem = net_host_kmem;
	test_receive();
	test_bad_input();
	test_closed_port();
	test_broadcast();
	test_rcvbuf();
	test_send();
	CHECK_U64(net_host_kmem, kmem); /* every socket and queued datagram freed */
	return test__done();
}
