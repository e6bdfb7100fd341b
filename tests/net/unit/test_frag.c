/* Host tests of IPv4 reassembly: order, duplicates, overlaps, bounds and the 30 s timeout. */
#include <string.h>

#include "net/lower.h"
#include "test.h"

#include "host/counters.h"
#include "host/frames.h"
#include "host/net_host.h"

#define SEC  1000000000ull
#define PEER 0x0100000au
#define MF   0x2000
#define MSG  208 /* an echo request: 8 bytes of header and 200 of data */

static uint8_t msg[1024], f[FRAME_MAX], out[FRAME_MAX];
static uint16_t next_id = 100;

/* A valid echo request to be cut into fragments. */
static void make_msg(void)
{
	uint16_t c;

	memset(msg, 0, 8);
	msg[0] = 8;
	for (int i = 8; i < MSG; i++)
		msg[i] = (uint8_t)(i * 7);
	c = frame_csum(msg, MSG, 0);
	memcpy(msg + 2, &c, 2);
}

/* Sends msg[first, end) as a fragment of datagram id. */
static void frag(uint16_t id, unsigned first, unsigned end, bool more)
{
	size_t n = frame_ipv4(f, PEER, NET_HOST_IP, 1, id, (uint16_t)((more ? MF : 0) | first / 8),
			      msg + first, end - first);

	net_host_rx(f, n);
}

/* The echo reply to msg came out, whole and correct. */
static bool got_reply(void)
{
	size_t n = net_host_tx(out, sizeof(out));

	return n == 14 + 20 + MSG && out[34] == 0 && memcmp(out + 38, msg + 4, MSG - 4) == 0 &&
	       frame_csum(out + 34, MSG, 0) == 0 && net_host_tx_drain() == 0;
}

static void test_in_order(void)
{
	uint16_t id = next_id++;
	uint64_t done = counter("frag_reassembled");

	frag(id, 0, 64, true);
	frag(id, 64, 128, true);
	frag(id, 128, MSG, false);
	CHECK_U64(counter("frag_reassembled"), done + 1);
	CHECK(got_reply());
}

static void test_out_of_order(void)
{
	uint16_t id = next_id++;

	frag(id, 128, MSG, false);
	frag(id, 0, 64, true);
	CHECK_U64(net_host_tx_drain(), 0);
	frag(id, 64, 128, true);
	CHECK(got_reply());
}

/* An exact duplicate is dropped alone; the datagram still completes. */
static void test_duplicate(void)
{
	uint16_t id = next_id++;
	uint64_t dup = counter("frag_drop_duplicate");

	frag(id, 0, 64, true);
	frag(id, 0, 64, true);
	frag(id, 64, MSG, false);
	frag(id, 64, MSG, false); /* after completion: a new, incomplete datagram */
	CHECK_U64(counter("frag_drop_duplicate"), dup + 1);
	CHECK(got_reply());
	net_host_advance(31 * SEC);
}

/* Overlaps drop the whole datagram (RFC 5722's rule): nothing is ever delivered. */
static void test_overlap(void)
{
	uint16_t id = next_id++;
	uint64_t ov = counter("frag_drop_overlap");
	unsigned n;
	size_t bytes;

	frag(id, 0, 64, true);
	frag(id, 32, 96, true);
	CHECK_U64(counter("frag_drop_overlap"), ov + 1);
	frag(id, 64, MSG, false); /* starts a new datagram, which never completes */
	CHECK_U64(net_host_tx_drain(), 0);
	id = next_id++;
	frag(id, 64, 128, true);
	frag(id, 0, 72, true); /* overlaps the start of a later range */
	CHECK_U64(counter("frag_drop_overlap"), ov + 2);
	id = next_id++;
	frag(id, 64, 128, false);
	frag(id, 128, 200, false); /* a second, different end */
	CHECK_U64(counter("frag_drop_overlap"), ov + 3);
	id = next_id++;
	frag(id, 64, 128, true);
	frag(id, 8, 64, false); /* an end before data that arrived */
	CHECK_U64(counter("frag_drop_overlap"), ov + 4);
	CHECK_U64(net_host_tx_drain(), 0);
	net_host_advance(31 * SEC);
	pith_frag_stats(&n, &bytes);
	CHECK_U64(n, 0);
	CHECK_U64(bytes, 0);
}

static void test_timeout(void)
{
	uint16_t id = next_id++;
	uint64_t t = counter("frag_drop_timeout");
	unsigned n;
	size_t bytes;

	frag(id, 0, 64, true);
	net_host_advance(29 * SEC);
	CHECK_U64(counter("frag_drop_timeout"), t);
	net_host_advance(2 * SEC);
	CHECK_U64(counter("frag_drop_timeout"), t + 1);
	frag(id, 64, MSG, false); /* too late: the start is gone */
	CHECK_U64(net_host_tx_drain(), 0);
	net_host_advance(31 * SEC);
	pith_frag_stats(&n, &bytes);
	CHECK_U64(n, 0);
}

static void test_bad_shapes(void)
{
	uint64_t len = counter("frag_drop_bad_length"), big = counter("frag_drop_too_big");
	size_t n;

	frag(next_id++, 0, 60, true); /* not a multiple of 8 */
	CHECK_U64(counter("frag_drop_bad_length"), len + 1);
	n = frame_ipv4(f, PEER, NET_HOST_IP, 1, next_id++, 8189, msg, 100);
	net_host_rx(f, n);
	CHECK_U64(counter("frag_drop_too_big"), big + 1);
	CHECK_U64(net_host_tx_drain(), 0);
}

/* At most 8 datagrams, 256 KiB of buffers, and 64 fragments each. */
static void test_bounds(void)
{
	uint64_t ev = counter("frag_drop_evicted"), mem = counter("frag_drop_no_memory");
	uint64_t many = counter("frag_drop_too_many");
	unsigned n;
	size_t bytes;

	for (int i = 0; i < 9; i++)
		frag(next_id++, 0, 64, true);
	pith_frag_stats(&n, &bytes);
	CHECK_U64(n, 8);
	CHECK_U64(counter("frag_drop_evicted"), ev + 1);
	for (int i = 0; i < 8; i++) {
		size_t k = frame_ipv4(f, PEER, NET_HOST_IP, 1, next_id++, MF | 7500, msg, 64);

		net_host_rx(f, k);
	}
	pith_frag_stats(&n, &bytes);
	CHECK(bytes <= 256 * 1024);
	CHECK(counter("frag_drop_no_memory") > mem);
	net_host_advance(31 * SEC);
	for (unsigned i = 0, id = next_id++; i < 65; i++)
		frag((uint16_t)id, i * 8, i * 8 + 8, true);
	CHECK_U64(counter("frag_drop_too_many"), many + 1);
	net_host_advance(31 * SEC);
	pith_frag_stats(&n, &bytes);
	CHECK_U64(n, 0);
	CHECK_U64(bytes, 0);
}

int main(void)
{
	size_t kmem;

	net_host_init();
	net_host_rx(f, frame_arp(f, 1, PEER, NET_HOST_IP, NULL));
	net_host_tx_drain();
	make_msg();
	kmem = net_host_kmem;
	test_in_order();
	test_out_of_order();
	test_duplicate();
	test_overlap();
	test_timeout();
	test_bad_shapes();
	test_bounds();
	CHECK(net_host_kmem <= kmem + 8 * 4096); /* only transmit buffers stay (in the pool) */
	return test__done();
}
