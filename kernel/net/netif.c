/* The NIC driver: the transmit and receive rings of include/pith/abi.h, and bringing the NIC up. */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "fd/fd.h"
#include "mem/mem.h"
#include "net/lower.h"
#include "net/net.h"
#include "time/time.h"
#include "time/wait.h"

#define RING		     PITH_NET_RING_SIZE
#define NETIF_BUF	     PITH_PKT_BUF_SIZE
#define NETIF_RX_BATCH	     32	 /* frames handled before their buffers are posted again */
#define NETIF_RX_PER_POLL    256 /* frames one poll handles at most (then it yields) */
#define NETIF_DHCP_TIMEOUT   (5ull * 1000000000)
#define NETIF_MTU_MAX	     1500 /* receive buffers of PITH_PKT_BUF_SIZE hold 1514-byte frames */
#define NETIF_RX_ALIGN	     2	  /* frames start 2 bytes in: the IP header is 4-byte aligned */
#define NETIF_RX_CAP	     (NETIF_BUF - NETIF_RX_ALIGN)
#define NETIF_EXIT_DRAIN_NS  (100ull * 1000000)	  /* at exit, wait this long for sends at most */
#define NETIF_EXIT_LINGER_NS (30ull * 1000000000) /* and this long for TCP's closed sockets */

PITH_COUNTER(netif_rx_frames);
PITH_COUNTER(netif_tx_frames);
PITH_COUNTER(netif_kicks);
PITH_COUNTER(netif_drop_tx_ring_full);
PITH_COUNTER(netif_drop_no_device);
PITH_COUNTER(netif_drop_rx_bad_len);
PITH_COUNTER(netif_setup_failed);
PITH_COUNTER(netif_dhcp_failed);

struct pith_netif pith_netif;

static struct pith_net_ring *tx_ring, *rx_ring;
static uint8_t *rx_bufs;	       /* RING buffers of NETIF_BUF: slot i uses buffer i */
static struct pith_pkt *tx_pkts[RING]; /* the packet in each transmit slot */
static uint32_t tx_head, tx_published, tx_done; /* ours: filled, published, reclaimed */
static uint32_t rx_next, rx_head;		/* next receive slot to consume; posted up to */
static bool tx_deferred;			/* in a receive batch: publish at its end */
static bool rx_armed;				/* we set rx_ring->wake */
static bool rx_polling;				/* netif_poll is running */

/* ---- The ring protocol (include/pith/abi.h): indices read once, full barriers, kicks ---- */

static uint32_t ring_tail(struct pith_net_ring *r)
{
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* descriptors after the index */
	return tail;
}

/* Publishes head (slots filled before it), then kicks if the monitor went to sleep. */
static void ring_publish(struct pith_net_ring *r, uint32_t head)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&r->head, head, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->kick, __ATOMIC_RELAXED)) {
		__atomic_store_n(&r->kick, 0, __ATOMIC_RELAXED);
		PITH_COUNT(netif_kicks);
		pith_hypercall(PITH_NET_KICK_PORT, NULL); /* an ioeventfd: no exit, ~3 us */
	}
}

/* ---- Transmit -------------------------------------------------------------------------- */

unsigned pith_netif_reclaim(void)
{
	uint32_t tail;
	unsigned n = 0;

	if (!tx_ring)
		return 0;
	tail = ring_tail(tx_ring);
	for (; tx_done != tail; tx_done++, n++) {
		pith_pkt_free(tx_pkts[tx_done % RING]);
		tx_pkts[tx_done % RING] = NULL;
	}
	return n;
}

static void netif_tx_publish(void)
{
	if (tx_published == tx_head)
		return;
	tx_published = tx_head;
	ring_publish(tx_ring, tx_head);
}

void pith_netif_xmit(struct pith_pkt *p)
{
	if (!pith_netif.present) {
		PITH_COUNT(netif_drop_no_device);
		pith_pkt_free(p);
		return;
	}
	if (tx_head - tx_done >= RING / 2)
		pith_netif_reclaim();
	if (tx_head - tx_done >= RING) {
		PITH_COUNT(netif_drop_tx_ring_full);
		pith_pkt_free(p);
		return;
	}
	tx_ring->desc[tx_head % RING] =
	    (struct pith_net_desc){.addr = (uintptr_t)p->data, .len = p->len};
	tx_pkts[tx_head % RING] = p;
	tx_head++;
	PITH_COUNT(netif_tx_frames);
	if (!tx_deferred)
		netif_tx_publish();
}

unsigned pith_netif_tx_pending(void)
{
	return tx_head - tx_done;
}

/* ---- Receive --------------------------------------------------------------------------- */

/* Gives the buffers of consumed slots back to the monitor: [rx_head, rx_next + RING). */
static void netif_rx_repost(void)
{
	uint32_t head = rx_next + RING;

	for (uint32_t i = rx_head; i != head; i++)
		rx_ring->desc[i % RING] = (struct pith_net_desc){
		    .addr = (uintptr_t)(rx_bufs + (size_t)(i % RING) * NETIF_BUF + NETIF_RX_ALIGN),
		    .len = NETIF_RX_CAP};
	rx_head = head;
	ring_publish(rx_ring, head);
}

/* One received frame, parsed in place in its buffer. */
static void netif_rx_one(uint32_t slot)
{
	const struct pith_net_desc *d = &rx_ring->desc[slot];
	uint32_t len = d->len;
	struct pith_pkt p = {.buf = rx_bufs + (size_t)slot * NETIF_BUF};

	if (len > NETIF_RX_CAP) {
		PITH_COUNT(netif_drop_rx_bad_len);
		return;
	}
	p.data = p.buf + NETIF_RX_ALIGN;
	p.len = len;
	p.flags = (d->flags & PITH_NET_F_DATA_VALID) ? PITH_PKT_CSUM_VALID : 0;
	PITH_COUNT(netif_rx_frames);
	pith_eth_input(&p);
}

/* Frames up to tail, at most NETIF_RX_BATCH; replies go out together at the end. */
static void netif_rx_batch(uint32_t tail)
{
	for (unsigned n = 0; rx_next != tail && n < NETIF_RX_BATCH; n++, rx_next++)
		netif_rx_one(rx_next % RING);
	netif_tx_publish();
	netif_rx_repost();
}

static bool netif_poll(uint64_t now)
{
	unsigned handled = 0;
	uint32_t tail;

	(void)now;
	if (!pith_netif.present || rx_polling)
		return false; /* no NIC, or called again from inside a frame's processing */
	rx_polling = true;
	if (rx_armed) {
		__atomic_store_n(&rx_ring->wake, 0, __ATOMIC_RELAXED);
		rx_armed = false;
	}
	pith_netif_reclaim();
	tx_deferred = true;
	while (handled < NETIF_RX_PER_POLL && (tail = ring_tail(rx_ring)) != rx_next) {
		PITH_ASSERT_MSG(tail - rx_next <= RING, "NIC receive ring: tail beyond head");
		handled += tail - rx_next < NETIF_RX_BATCH ? tail - rx_next : NETIF_RX_BATCH;
		netif_rx_batch(tail);
	}
	tx_deferred = false;
	netif_tx_publish();
	rx_polling = false;
	return handled > 0;
}

/* About to sleep: the monitor ends the wait when it fills a receive slot (ring->wake). */
static bool netif_arm(void)
{
	if (!pith_netif.present)
		return true;
	__atomic_store_n(&rx_ring->wake, 1, __ATOMIC_RELAXED);
	rx_armed = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* wake before re-reading tail */
	return ring_tail(rx_ring) == rx_next;
}

PITH_POLLER(netif, .poll = netif_poll, .arm = netif_arm);

/* ---- Bringing the NIC up ------------------------------------------------------------- */

/* Both rings and every receive buffer, posted; then PITH_HC_NET_SETUP. 0 or -errno. */
static int netif_setup(void)
{
	struct pith_hc_net_setup hc = {0};

	tx_ring = pith_kmalloc(sizeof(*tx_ring));
	rx_ring = pith_kmalloc(sizeof(*rx_ring));
	rx_bufs = pith_kmalloc((size_t)RING * NETIF_BUF);
	if (!tx_ring || !rx_ring || !rx_bufs)
		return -ENOMEM;
	PITH_ASSERT((((uintptr_t)tx_ring | (uintptr_t)rx_ring) & 63) == 0);
	rx_next = 0;
	rx_head = 0;
	netif_rx_repost(); /* posts all RING buffers: head = RING */
	hc.tx_ring = (uintptr_t)tx_ring;
	hc.rx_ring = (uintptr_t)rx_ring;
	pith_hypercall(PITH_HC_NET_SETUP, &hc);
	return hc.status;
}

static void netif_static_config(const struct pith_net_info *ni)
{
	unsigned plen = ni->prefix_len > 32 ? 32 : ni->prefix_len;

	pith_netif.ip = ni->ip;
	pith_netif.netmask = plen ? pith_htonl(~0u << (32 - plen)) : 0;
	pith_netif.gateway = ni->gateway;
	pith_netif.dns = ni->dns;
	pith_netif.configured = ni->ip != 0;
}

void pith_net_start(void)
{
	static bool started;

	if (started || !pith_netif.present)
		return;
	started = true;
	if (pith_boot_info->net.flags & PITH_NET_DHCP) {
		if (pith_dhcp_configure(NETIF_DHCP_TIMEOUT) < 0)
			PITH_COUNT(netif_dhcp_failed); /* stays unconfigured */
	} else {
		netif_static_config(&pith_boot_info->net);
	}
	if (pith_netif.configured)
		pith_arp_announce();
}

static void netif_init(void)
{
	const struct pith_net_info *ni = &pith_boot_info->net;
	uint16_t seed;

	if (!(ni->flags & PITH_NET_PRESENT))
		return;
	memcpy(pith_netif.mac, ni->mac, 6);
	pith_netif.mtu = ni->mtu < 576 ? 576 : ni->mtu > NETIF_MTU_MAX ? NETIF_MTU_MAX : ni->mtu;
	pith_netif.offloads = false; /* transmit packets carry no checksum-offload fields yet */
	memcpy(&seed, pith_boot_info->seed + 30, sizeof(seed));
	pith_ipv4_seed_id(seed);
	if (netif_setup() < 0) {
		PITH_COUNT(netif_setup_failed);
		return;
	}
	pith_netif.present = true;
	pith_net_start();
}

/* Frames still on the transmit ring at exit go out first (bounded wait: the monitor may be
   slow, never stuck); then --stats prints the counters, which this reference links in. */
static void netif_exit(void)
{
	uint64_t deadline;

	pith_fd_close_all(); /* as a process's exit: open sockets close (FIN, or RST) */
	if (pith_tcp_exit_drain)
		pith_tcp_exit_drain(pith_time_monotonic_ns() + NETIF_EXIT_LINGER_NS);
	deadline = pith_time_monotonic_ns() + NETIF_EXIT_DRAIN_NS;

	while (pith_netif.present && ring_tail(tx_ring) != tx_published &&
	       pith_time_monotonic_ns() < deadline) {
		__atomic_store_n(&tx_ring->wake, 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (ring_tail(tx_ring) != tx_published)
			pith_io_wait_uninterruptible(deadline);
	}
	pith_net_stats_exit();
}

PITH_INIT_HOOK(netif, netif_init);
PITH_EXIT_HOOK(netif, netif_exit);
