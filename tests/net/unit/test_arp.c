/* Host tests of ARP (RFC 826): replies, resolution with a waiting packet, ageing, bounds, drops. */
#include <string.h>

#include "net/lower.h"
#include "test.h"

#include "host/counters.h"
#include "host/frames.h"
#include "host/net_host.h"

#define SEC	 1000000000ull
#define IP(last) (0x0000000au | (uint32_t)(last) << 24) /* 10.0.0.last */

static uint8_t f[FRAME_MAX], out[FRAME_MAX];
static const uint8_t peer_mac[6] = NET_HOST_PEER_MAC;

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The next frame out is an ARP request for ip (broadcast, op 1, from us). */
static bool is_request_for(uint32_t ip)
{
	size_t n = net_host_tx(out, sizeof(out));

	return n == 42 && memcmp(out, "\xff\xff\xff\xff\xff\xff", 6) == 0 && out[13] == 0x06 &&
	       out[21] == 1 && get32(out + 28) == NET_HOST_IP && get32(out + 38) == ip;
}

static void test_reply(void)
{
	size_t n = frame_arp(f, 1, IP(1), NET_HOST_IP, NULL);

	net_host_rx(f, n);
	CHECK_U64(net_host_tx(out, sizeof(out)), 42);
	CHECK(memcmp(out, peer_mac, 6) == 0);
	CHECK_U64(out[21], 2);
	CHECK(memcmp(out + 22, net_host_mac, 6) == 0);
	CHECK_U64(get32(out + 28), NET_HOST_IP);
	CHECK(memcmp(out + 32, peer_mac, 6) == 0);
	CHECK_U64(get32(out + 38), IP(1));
}

static void expect_drop(const char *what, size_t len, const char *name)
{
	uint64_t before = counter(name);

	net_host_rx(f, len);
	CHECKF(counter(name) == before + 1, "%s: %s did not rise", what, name);
	CHECKF(net_host_tx_drain() == 0, "%s: a frame was sent", what);
}

static void test_drops(void)
{
	size_t n = frame_arp(f, 1, IP(20), IP(9), NULL);

	expect_drop("for another host", n, "arp_drop_not_ours");
	expect_drop("short", 14 + 27, "arp_drop_short");
	f[15] = 6;
	expect_drop("hardware type 6", n, "arp_drop_bad_header");
	n = frame_arp(f, 3, IP(1), NET_HOST_IP, NULL);
	expect_drop("op 3", n, "arp_drop_bad_op");
	n = frame_arp(f, 1, IP(1), NET_HOST_IP, NULL);
	f[22] = 0x01;
	expect_drop("group sender MAC", n, "arp_drop_bad_sender");
	n = frame_arp(f, 1, 0xffffffffu, NET_HOST_IP, NULL);
	expect_drop("broadcast sender", n, "arp_drop_bad_sender");
	n = frame_arp(f, 1, NET_HOST_IP, NET_HOST_IP, NULL);
	net_host_rx(f, n);
	CHECK_U64(counter("arp_conflict"), 1);
	CHECK_U64(net_host_tx_drain(), 0);
}

/* A reply to a host not yet resolved waits (one packet: a newer one replaces it). */
static void test_resolve(void)
{
	size_t n = frame_icmp_echo(f, IP(7), 1, 1, 8);
	uint64_t replaced = counter("arp_drop_pending_replaced");

	net_host_rx(f, n);
	CHECK(is_request_for(IP(7)));
	CHECK_U64(net_host_tx_drain(), 0);
	n = frame_icmp_echo(f, IP(7), 1, 2, 8);
	net_host_rx(f, n);
	CHECK_U64(counter("arp_drop_pending_replaced"), replaced + 1);
	CHECK_U64(net_host_tx_drain(), 0);
	n = frame_arp(f, 2, IP(7), NET_HOST_IP, NULL);
	net_host_rx(f, n);
	CHECK_U64(net_host_tx(out, sizeof(out)), 14 + 20 + 16);
	CHECK(memcmp(out, peer_mac, 6) == 0);
	CHECK_U64(out[34], 0);
	CHECK_U64(out[41], 2); /* the second echo's reply */
	CHECK_U64(net_host_tx_drain(), 0);
}

/* After 60 s the entry is still used but re-requested; after 120 s unconfirmed it is gone. */
static void test_ageing(void)
{
	size_t n = frame_icmp_echo(f, IP(7), 1, 3, 8);
	unsigned entries = pith_arp_entries();

	net_host_advance(30 * SEC);
	net_host_rx(f, n);
	CHECK_U64(net_host_tx(out, sizeof(out)), 14 + 20 + 16); /* fresh: no request */
	CHECK_U64(net_host_tx_drain(), 0);
	net_host_advance(31 * SEC);
	net_host_rx(f, n);
	CHECK(is_request_for(IP(7)));				/* stale: refreshed */
	CHECK_U64(net_host_tx(out, sizeof(out)), 14 + 20 + 16); /* and still used */
	net_host_rx(f, n);
	CHECK_U64(net_host_tx_drain(), 1); /* at most one request a second */
	net_host_advance(60 * SEC);
	CHECK(pith_arp_entries() < entries); /* IP(7), and IP(1) from test_reply */
	net_host_rx(f, n);
	CHECK(is_request_for(IP(7))); /* unknown again */
	n = frame_arp(f, 2, IP(7), NET_HOST_IP, NULL);
	net_host_rx(f, n);
	CHECK_U64(net_host_tx_drain(), 1);
}

/* Three requests a second apart, then the waiting packet is dropped and counted. */
static void test_unresolved(void)
{
	size_t n = frame_icmp_echo(f, IP(8), 1, 1, 8);
	uint64_t before = counter("arp_drop_unresolved");

	net_host_rx(f, n);
	CHECK(is_request_for(IP(8)));
	net_host_advance(SEC);
	CHECK(is_request_for(IP(8)));
	net_host_advance(SEC);
	CHECK(is_request_for(IP(8)));
	net_host_advance(SEC);
	CHECK_U64(net_host_tx_drain(), 0);
	CHECK_U64(counter("arp_drop_unresolved"), before + 1);
}

/* A flood of requests from many addresses never grows the table past its bound. */
static void test_bounded(void)
{
	for (unsigned i = 0; i < 500; i++) {
		size_t n = frame_arp(f, 1, 0x0000000bu | (i + 1) << 16, NET_HOST_IP, NULL);

		net_host_rx(f, n);
		net_host_tx_drain();
	}
	CHECK(pith_arp_entries() <= 64);
	CHECK(pith_arp_entries() > 0);
}

int main(void)
{
	net_host_init();
	test_reply();
	test_drops();
	test_resolve();
	test_ageing();
	test_unresolved();
	test_bounded();
	return test__done();
}
