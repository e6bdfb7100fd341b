/* Host tests of Ethernet, IPv4 and ICMP input: replies, and each malformed header's counter. */
#include <string.h>

#include "test.h"

#include "host/counters.h"
#include "host/frames.h"
#include "host/net_host.h"

#define PEER 0x0100000au /* 10.0.0.1, the gateway */

static uint8_t f[FRAME_MAX], out[FRAME_MAX];

/* Teaches the stack the peer's MAC: an ARP request from it for our address. */
static void learn_peer(void)
{
	size_t n = frame_arp(f, 1, PEER, NET_HOST_IP, NULL);

	net_host_rx(f, n);
	CHECK(net_host_tx(out, sizeof(out)) == 42); /* the ARP reply */
}

/* One frame in; checks that exactly `name` rose by one, that it counted as a drop, and no
   frame came out. */
static void expect_drop(const char *what, const uint8_t *frame, size_t len, const char *name)
{
	uint64_t before = counter(name), drops = counter_drops();

	net_host_rx(frame, len);
	CHECKF(counter(name) == before + 1, "%s: %s %llu -> %llu", what, name,
	       (unsigned long long)before, (unsigned long long)counter(name));
	CHECKF(counter_drops() == drops + 1, "%s: drops rose by %llu", what,
	       (unsigned long long)(counter_drops() - drops));
	CHECKF(net_host_tx_drain() == 0, "%s: a frame was sent", what);
}

static void test_echo(void)
{
	size_t n = frame_icmp_echo(f, PEER, 0x1234, 1, 56);
	size_t m;
	uint32_t a;

	net_host_rx(f, n);
	m = net_host_tx(out, sizeof(out));
	CHECK_U64(m, n);
	CHECK(memcmp(out, f + 6, 6) == 0); /* to the peer's MAC */
	memcpy(&a, out + 26, 4);
	CHECK_U64(a, NET_HOST_IP);
	memcpy(&a, out + 30, 4);
	CHECK_U64(a, PEER);
	CHECK_U64(out[34], 0);			       /* echo reply */
	CHECK_U64(frame_csum(out + 14, 20, 0), 0);     /* IP header checksum */
	CHECK_U64(frame_csum(out + 34, m - 34, 0), 0); /* ICMP checksum */
	CHECK(memcmp(out + 38, f + 38, n - 38) == 0);  /* id, sequence and data echoed */
	CHECK_U64(out[20] & 0x40, 0x40);	       /* DF */
}

/* Link-layer padding after the datagram is ignored (total length wins). */
static void test_padding(void)
{
	size_t n = frame_icmp_echo(f, PEER, 1, 2, 0);

	memset(f + n, 0xee, 30);
	net_host_rx(f, n + 30);
	CHECK_U64(net_host_tx(out, sizeof(out)), n);
}

/* Valid options (NOP, NOP, a timestamp option, EOL) are skipped; the ping is answered. */
static void test_options_ok(void)
{
	size_t n = frame_icmp_echo(f, PEER, 1, 3, 8);
	static const uint8_t opts[8] = {1, 1, 68, 4, 5, 0, 0, 0};

	memmove(f + 42, f + 34, n - 34);
	memcpy(f + 34, opts, 8);
	f[14] = 0x47;
	f[17] = (uint8_t)(f[17] + 8);
	frame_fix_csums(f, n + 8);
	net_host_rx(f, n + 8);
	CHECK(net_host_tx(out, sizeof(out)) > 0);
}

static size_t ping(void)
{
	return frame_icmp_echo(f, PEER, 1, 4, 16);
}

/* Change one byte of a valid ping (fixing the checksums after unless raw), expect `name`. */
static void expect_byte(const char *what, size_t at, uint8_t v, bool fix, const char *name)
{
	size_t n = ping();

	f[at] = v;
	if (fix)
		frame_fix_csums(f, n);
	expect_drop(what, f, n, name);
}

static void test_header_drops(void)
{
	ping();
	expect_drop("short ip", f, 14 + 12, "ipv4_drop_short");
	expect_byte("version 6", 14, 0x65, true, "ipv4_drop_bad_version");
	expect_byte("ihl 4", 14, 0x44, false, "ipv4_drop_bad_header_len");
	expect_byte("ihl 15", 14, 0x4f, false, "ipv4_drop_bad_header_len");
	expect_byte("total length 19", 17, 19, true, "ipv4_drop_bad_total_len");
	expect_byte("total length past the frame", 16, 0x05, true, "ipv4_drop_bad_total_len");
	expect_byte("bad checksum", 24, 0x12, false, "ipv4_drop_bad_checksum");
	expect_byte("source 255.0.0.1", 26, 255, true, "ipv4_drop_bad_source");
}

static void expect_addr(const char *what, size_t at, uint32_t addr, const char *name)
{
	size_t n = ping();

	memcpy(f + at, &addr, 4);
	frame_fix_csums(f, n);
	expect_drop(what, f, n, name);
}

static void test_address_drops(void)
{
	expect_addr("source 255.255.255.255", 26, 0xffffffffu, "ipv4_drop_bad_source");
	expect_addr("source 127.0.0.1", 26, 0x0100007fu, "ipv4_drop_bad_source");
	expect_addr("source 224.0.0.1", 26, 0x010000e0u, "ipv4_drop_bad_source");
	expect_addr("source 10.0.0.255", 26, 0xff00000au, "ipv4_drop_bad_source");
	expect_addr("not ours", 30, 0x0300000au, "ipv4_drop_not_ours");
	expect_addr("to 10.0.0.255", 30, 0xff00000au, "icmp_drop_broadcast_echo");
}

/* Options whose length runs past the header, or is below 2, are dropped. */
static void test_bad_options(void)
{
	static const uint8_t bad[][4] = {{7, 9, 4, 0}, {7, 1, 0, 0}, {1, 1, 1, 68}};

	for (unsigned i = 0; i < 3; i++) {
		size_t n = ping();

		memmove(f + 38, f + 34, n - 34);
		memcpy(f + 34, bad[i], 4);
		f[14] = 0x46;
		f[17] = (uint8_t)(f[17] + 4);
		frame_fix_csums(f, n + 4);
		expect_drop("bad option", f, n + 4, "ipv4_drop_bad_options");
	}
}

static void test_eth_icmp_drops(void)
{
	size_t n = ping();

	expect_drop("short frame", f, 10, "eth_drop_short");
	f[0] = 0x04;
	expect_drop("other MAC", f, n, "eth_drop_not_ours");
	n = ping();
	f[12] = 0x86, f[13] = 0xdd;
	expect_drop("IPv6", f, n, "eth_drop_unknown_type");
	expect_byte("icmp checksum", 40, 0x77, false, "icmp_drop_bad_checksum");
	n = ping();
	f[17] = 20 + 4;
	frame_fix_csums(f, n);
	expect_drop("icmp short", f, n, "icmp_drop_short");
	expect_byte("icmp type 42", 34, 42, true, "icmp_drop_unhandled_type");
}

/* An unknown protocol gets ICMP protocol unreachable (RFC 1122 section 3.2.2.1). */
static void test_unknown_proto(void)
{
	size_t n = frame_ipv4(f, PEER, NET_HOST_IP, 99, 7, 0, "data", 4), m;
	uint64_t before = counter("ipv4_drop_unknown_proto");

	net_host_rx(f, n);
	CHECK_U64(counter("ipv4_drop_unknown_proto"), before + 1);
	m = net_host_tx(out, sizeof(out));
	CHECK_U64(m, 14 + 20 + 8 + 20 + 4);
	CHECK_U64(out[34], 3);
	CHECK_U64(out[35], 2);
	CHECK(memcmp(out + 42, f + 14, 24) == 0); /* quotes the header and the data */
	CHECK_U64(frame_csum(out + 34, m - 34, 0), 0);
}

/* ICMP errors in: a quote of one of our datagrams is accepted, a short or foreign one dropped. */
static void test_icmp_errors(void)
{
	uint8_t m[8 + 28] = {3, 3}, q[FRAME_MAX];
	uint64_t in = counter("icmp_errors_in"), bad = counter("icmp_drop_bad_error");
	size_t n;
	uint16_t c;

	frame_ipv4(q, NET_HOST_IP, PEER, 17, 9, 0x4000, "\x30\x39\x00\x07\x00\x08\x00\x00", 8);
	memcpy(m + 8, q + 14, 28); /* the quoted header and 8 bytes of UDP */
	c = frame_csum(m, sizeof(m), 0);
	memcpy(m + 2, &c, 2);
	n = frame_ipv4(f, PEER, NET_HOST_IP, 1, 5, 0, m, sizeof(m));
	net_host_rx(f, n);
	CHECK_U64(counter("icmp_errors_in"), in + 1);
	memset(m + 2, 0, 2);
	c = frame_csum(m, sizeof(m) - 1, 0); /* one byte short of the 8 */
	memcpy(m + 2, &c, 2);
	n = frame_ipv4(f, PEER, NET_HOST_IP, 1, 6, 0, m, sizeof(m) - 1);
	expect_drop("short quote", f, n, "icmp_drop_bad_error");
	memset(m + 2, 0, 2);
	m[8 + 12] = 11; /* the quoted datagram was not ours */
	c = frame_csum(m, sizeof(m), 0);
	memcpy(m + 2, &c, 2);
	n = frame_ipv4(f, PEER, NET_HOST_IP, 1, 7, 0, m, sizeof(m));
	expect_drop("foreign quote", f, n, "icmp_drop_bad_error");
	CHECK_U64(counter("icmp_drop_bad_error"), bad + 2);
}

/* Every truncation of a valid ping is dropped, each by exactly one counter, never answered. */
static void test_truncations(void)
{
	size_t n = ping();
	uint64_t drops = counter_drops();

	for (size_t len = 0; len < n; len++)
		net_host_rx(f, len);
	CHECK_U64(counter_drops(), drops + n);
	CHECK_U64(net_host_tx_drain(), 0);
}

int main(void)
{
	net_host_init();
	learn_peer();
	test_echo();
	test_padding();
	test_options_ok();
	test_header_drops();
	test_address_drops();
	test_bad_options();
	test_eth_icmp_drops();
	test_unknown_proto();
	test_icmp_errors();
	test_truncations();
	return test__done();
}
