/* Host tests of the NIC driver and the packet pool: batching, kicks, the wake flag, bounds. */
#include <stdio.h>
#include <string.h>

#include "net/lower.h"
#include "test.h"
#include "time/wait.h"

#include "host/counters.h"
#include "host/frames.h"
#include "host/net_host.h"

#define PEER NET_HOST_GW
#define RING PITH_NET_RING_SIZE

extern const struct pith_poller __start_pith_pollers[], __stop_pith_pollers[];

static uint8_t f[FRAME_MAX];

static const struct pith_poller *netif_poller(void)
{
	for (const struct pith_poller *p = __start_pith_pollers; p < __stop_pith_pollers; p++)
		if (strcmp(p->name, "netif") == 0)
			return p;
	return NULL;
}

/* Receive buffers posted to the monitor: [tail, head). */
static uint32_t rx_posted(void)
{
	return net_host_rx_ring->head - net_host_rx_ring->tail;
}

/* A full receive ring is drained in one poll, re-posted, and kicked once (the monitor asked). */
static void test_rx_batch(void)
{
	size_t n = frame_icmp_echo(f, PEER, 1, 1, 8);
	unsigned put = 0, kicks;

	CHECK_U64(rx_posted(), RING);
	while (net_host_rx_put(f, n))
		put++;
	CHECK_U64(put, RING);
	CHECK(!netif_poller()->arm()); /* work is waiting: nobody sleeps */
	__atomic_store_n(&net_host_rx_ring->kick, 1, __ATOMIC_SEQ_CST);
	kicks = net_host_kicks;
	net_host_poll();
	CHECK_U64(rx_posted(), RING);
	CHECK_U64(net_host_kicks, kicks + 1);
	CHECK_U64(net_host_rx_ring->kick, 0);
	CHECK_U64(net_host_rx_ring->wake, 0); /* the poll took back its arm */
	CHECK_U64(net_host_tx_drain(), RING); /* every echo answered, no kick asked */
	CHECK_U64(net_host_kicks, kicks + 1);
}

/* Transmit kicks only when the monitor set kick, and then once. */
static void test_tx_kick(void)
{
	size_t n = frame_icmp_echo(f, PEER, 1, 2, 8);
	unsigned kicks = net_host_kicks;

	net_host_rx(f, n);
	CHECK_U64(net_host_kicks, kicks);
	__atomic_store_n(&net_host_tx_ring->kick, 1, __ATOMIC_SEQ_CST);
	net_host_rx(f, n);
	CHECK_U64(net_host_kicks, kicks + 1);
	CHECK_U64(net_host_tx_ring->kick, 0);
	net_host_rx(f, n);
	CHECK_U64(net_host_kicks, kicks + 1);
	CHECK_U64(net_host_tx_drain(), 3);
}

/* A transmit ring the monitor does not empty: later frames are dropped and counted. */
static void test_tx_full(void)
{
	size_t n = frame_icmp_echo(f, PEER, 1, 3, 8);
	uint64_t full = counter("netif_drop_tx_ring_full");
	unsigned total, in_use;

	for (unsigned i = 0; i < RING; i++)
		net_host_rx_put(f, n);
	net_host_poll();
	for (int i = 0; i < 44; i++)
		net_host_rx_put(f, n);
	net_host_poll();
	CHECK_U64(counter("netif_drop_tx_ring_full"), full + 44);
	CHECK_U64(pith_netif_tx_pending(), RING);
	CHECK_U64(net_host_tx_drain(), RING);
	net_host_rx(f, n); /* reclaims the sent ones */
	CHECK_U64(net_host_tx_drain(), 1);
	pith_netif_reclaim();
	pith_pkt_pool_stats(&total, &in_use);
	CHECK_U64(in_use, 0);
}

/* arm sets wake when nothing is pending; the next poll clears it. */
static void test_arm(void)
{
	CHECK(netif_poller()->arm());
	CHECK_U64(net_host_rx_ring->wake, 1);
	net_host_poll();
	CHECK_U64(net_host_rx_ring->wake, 0);
}

/* The pool is bounded; put/push/pull move data and len as documented. */
static void test_pool(void)
{
	static struct pith_pkt *all[2048];
	uint64_t none = counter("netif_drop_no_tx_buffer");
	unsigned n = 0;
	struct pith_pkt *p;

	while (n < 2048 && (all[n] = pith_pkt_alloc()) != NULL)
		n++;
	CHECK_U64(n, 1024);
	CHECK_U64(counter("netif_drop_no_tx_buffer"), none + 1);
	p = all[0];
	CHECK(p->data == p->buf + PITH_PKT_HEADROOM && p->len == 0);
	CHECK(pith_pkt_put(p, 10) == p->buf + PITH_PKT_HEADROOM && p->len == 10);
	CHECK(pith_pkt_push(p, 14) == p->buf + PITH_PKT_HEADROOM - 14 && p->len == 24);
	pith_pkt_pull(p, 14);
	CHECK(p->data == p->buf + PITH_PKT_HEADROOM && p->len == 10);
	while (n)
		pith_pkt_free(all[--n]);
	p = pith_pkt_alloc();
	CHECK(p != NULL);
	pith_pkt_free(p);
}

/* --stats: every non-zero counter, none of the zero ones, then the gauges. */
static void test_stats(void)
{
	char want[96];

	net_host_capture = true;
	pith_net_stats_print();
	net_host_capture = false;
	snprintf(want, sizeof(want), "pith: stats: netif_rx_frames %llu\n",
		 (unsigned long long)counter("netif_rx_frames"));
	CHECK_CONTAINS(net_host_out, want);
	CHECK_CONTAINS(net_host_out, "pith: stats: netif_drop_tx_ring_full 44\n");
	CHECK_CONTAINS(net_host_out, "pith: stats: gauge_pkt_in_use 0\n");
	CHECK(strstr(net_host_out, "frag_drop_overlap") == NULL); /* zero: not printed */
}

int main(void)
{
	net_host_init();
	net_host_rx(f, frame_arp(f, 1, PEER, NET_HOST_IP, NULL));
	net_host_tx_drain();
	CHECK(netif_poller() != NULL);
	test_rx_batch();
	test_tx_kick();
	test_tx_full();
	test_arm();
	test_pool();
	test_stats();
	return test__done();
}
