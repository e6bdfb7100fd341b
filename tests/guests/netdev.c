/* Test guest: drives the NIC's rings by hand (ARP, ICMP echo through a tap, hostile setups). */
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, 0);
GUEST_START();

/* The compiler may call these for struct copies and zeroing, even freestanding. */
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

#define NRX	 32
#define BUF	 2048
#define GUEST_IP 0x0a4d0002u /* 10.77.0.2, host order */
#define HOST_IP	 0x0a4d0001u /* 10.77.0.1 */
#define EINVAL_	 22
#define ENODEV_	 19
#define EBUSY_	 16

static struct pith_net_ring tx __attribute__((aligned(64)));
static struct pith_net_ring rx __attribute__((aligned(64)));
static uint8_t rxbuf[NRX][BUF] __attribute__((aligned(64)));
static uint8_t txbuf[PITH_NET_RING_SIZE][128];
static const struct pith_boot_info *boot;
static uint8_t host_mac[6];

/* ---- output ------------------------------------------------------------------------------ */

static void put_u64(uint64_t v)
{
	char b[24];
	int i = 23;

	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	guest_puts(1, b + i);
}

static int fail(const char *why)
{
	guest_puts(1, "netdev: FAIL: ");
	guest_puts(1, why);
	guest_puts(1, "\n");
	return 1;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t ms_to_tsc(uint64_t ms)
{
	return boot->tsc_hz / 1000 * ms;
}

/* ---- the rings ----------------------------------------------------------------------------- */

static int32_t net_setup(uint64_t txa, uint64_t rxa)
{
	struct pith_hc_net_setup s = {.tx_ring = txa, .rx_ring = rxa, .status = 1};

	hc_call(PITH_HC_NET_SETUP, &s);
	return *(volatile int32_t *)&s.status;
}

static void kick_if_asked(struct pith_net_ring *r)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->kick, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&r->kick, 0, __ATOMIC_RELEASE);
		__asm__ volatile("outl %0, %1" : : "a"(0), "Nd"((uint16_t)PITH_NET_KICK_PORT));
	}
}

static void post_rx(uint32_t slot_index)
{
	struct pith_net_desc *d = &rx.desc[slot_index % PITH_NET_RING_SIZE];

	d->addr = (uintptr_t)rxbuf[slot_index % NRX];
	d->len = BUF;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&rx.head, slot_index + 1, __ATOMIC_RELEASE);
	kick_if_asked(&rx);
}

static int rings_up(void)
{
	int32_t st = net_setup((uintptr_t)&tx, (uintptr_t)&rx);

	if (st != 0)
		return fail("net_setup of good rings did not return 0");
	for (uint32_t i = 0; i < NRX; i++)
		post_rx(i);
	return 0;
}

/* Queue a frame (copied into the slot's own buffer, or at addr as given) and kick if asked. */
static void send_desc(uint64_t addr, uint32_t len)
{
	uint32_t h = tx.head;
	struct pith_net_desc *d = &tx.desc[h % PITH_NET_RING_SIZE];

	*d = (struct pith_net_desc){.addr = addr, .len = len};
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&tx.head, h + 1, __ATOMIC_RELEASE);
	kick_if_asked(&tx);
}

static void send_frame(const uint8_t *f, uint32_t len)
{
	uint8_t *b = txbuf[tx.head % PITH_NET_RING_SIZE];

	memcpy(b, f, len);
	send_desc((uintptr_t)b, len);
}

/* Sleep in the monitor until the receive ring's tail moves or ms pass (the wake protocol). */
static void wait_rx(uint32_t seen, uint64_t ms)
{
	struct pith_hc_wait w = {.timeout_ns = ms * 1000000};

	__atomic_store_n(&rx.wake, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&rx.tail, __ATOMIC_ACQUIRE) != seen)
		return;
	hc_call(PITH_HC_WAIT, &w);
}

/* ---- frames ------------------------------------------------------------------------------ */

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/* The Internet checksum (RFC 1071) */
static uint16_t csum(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += rd16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, boot->net.mac, 6);
	be16(f + 12, type);
}

/* ARP (RFC 826) over Ethernet/IPv4: op 1 request, 2 reply. */
static void send_arp(uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t f[42];

	eth(f, op == 1 ? bcast : tha, 0x0806);
	be16(f + 14, 1);
	be16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	be16(f + 20, op);
	memcpy(f + 22, boot->net.mac, 6);
	be32(f + 28, GUEST_IP);
	memcpy(f + 32, tha, 6);
	be32(f + 38, tpa);
	send_frame(f, sizeof(f));
}

/* ICMP echo request (RFC 792) from GUEST_IP to HOST_IP, 32 bytes of pattern. */
static void send_ping(uint16_t seq)
{
	uint8_t f[14 + 20 + 8 + 32] = {0}, *ip = f + 14, *icmp = ip + 20;

	eth(f, host_mac, 0x0800);
	ip[0] = 0x45;
	be16(ip + 2, 20 + 8 + 32);
	ip[8] = 64;
	ip[9] = 1;
	be32(ip + 12, GUEST_IP);
	be32(ip + 16, HOST_IP);
	be16(ip + 10, csum(ip, 20));
	icmp[0] = 8;
	be16(icmp + 4, 0x5049);
	be16(icmp + 6, seq);
	for (int i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)(i * 7 + seq);
	be16(icmp + 2, csum(icmp, 8 + 32));
	send_frame(f, sizeof(f));
}

/* ---- receiving ----------------------------------------------------------------------------- */

static uint32_t rx_seen;
static uint16_t want_seq; /* 0: waiting for the host's ARP reply */

static int is_arp_for(const uint8_t *f, uint32_t len, uint16_t op)
{
	return len >= 42 && rd16(f + 12) == 0x0806 && rd16(f + 20) == op &&
	       rd32(f + 38) == GUEST_IP;
}

/* The echo reply to send_ping(want_seq): addresses, checksums and the payload back intact. */
static int is_pong(const uint8_t *f, uint32_t len)
{
	const uint8_t *ip = f + 14, *icmp = ip + 20;

	if (len < 14 + 20 + 8 + 32 || rd16(f + 12) != 0x0800 || ip[0] != 0x45 || ip[9] != 1 ||
	    rd32(ip + 12) != HOST_IP || rd32(ip + 16) != GUEST_IP || csum(ip, 20) != 0)
		return 0;
	if (icmp[0] != 0 || rd16(icmp + 4) != 0x5049 || rd16(icmp + 6) != want_seq ||
	    csum(icmp, 8 + 32) != 0)
		return 0;
	for (int i = 0; i < 32; i++)
		if (icmp[8 + i] != (uint8_t)(i * 7 + want_seq))
			return 0;
	return 1;
}

/* One received frame: answer ARP requests for us; 1 if it is what we wait for. */
static int handle(const uint8_t *f, uint32_t len)
{
	if (is_arp_for(f, len, 1)) {
		send_arp(2, f + 22, rd32(f + 28));
		return 0;
	}
	if (!want_seq && is_arp_for(f, len, 2) && rd32(f + 28) == HOST_IP) {
		memcpy(host_mac, f + 22, 6);
		return 1;
	}
	return want_seq && is_pong(f, len);
}

/* Consume received frames (re-posting their buffers) until handle says yes or ms pass. */
static int rx_until(uint64_t ms)
{
	uint64_t end = rdtsc() + ms_to_tsc(ms);

	while (rdtsc() < end) {
		uint32_t tail = __atomic_load_n(&rx.tail, __ATOMIC_ACQUIRE);

		while (rx_seen != tail) {
			const struct pith_net_desc *d = &rx.desc[rx_seen % PITH_NET_RING_SIZE];
			int r = d->len ? handle(rxbuf[rx_seen % NRX], d->len) : 0;

			post_rx(rx_seen + NRX);
			rx_seen++;
			if (r)
				return 0;
		}
		wait_rx(tail, 50);
	}
	return -1;
}

static int tx_drained(uint64_t ms)
{
	uint64_t end = rdtsc() + ms_to_tsc(ms);

	while (__atomic_load_n(&tx.tail, __ATOMIC_ACQUIRE) != tx.head)
		if (rdtsc() > end)
			return 0;
	return 1;
}

/* ---- the modes ------------------------------------------------------------------------------ */

static int ping(void)
{
	static const uint8_t zero[6];

	send_arp(1, zero, HOST_IP);
	if (rx_until(3000) < 0)
		return fail("no ARP reply from 10.77.0.1");
	for (want_seq = 1; want_seq <= 3; want_seq++) {
		send_ping(want_seq);
		if (rx_until(2000) < 0)
			return fail("no ICMP echo reply");
	}
	if (!tx_drained(1000))
		return fail("the transmit ring's tail did not reach its head");
	guest_puts(1, "netdev: ping ok\n");
	return 0;
}

/* Transmit descriptors the monitor must skip (counted), then a ping must still work. */
static int hostile_desc(void)
{
	uint64_t b = (uintptr_t)txbuf[0];

	send_desc(boot->mem_size - 10, 60);    /* runs past RAM */
	send_desc(0x1000, 60);		       /* the monitor's pages */
	send_desc(b, 0);		       /* empty */
	send_desc(b, 13);		       /* shorter than an Ethernet header */
	send_desc(b, 0x7fffffff);	       /* huge */
	send_desc(0xffffffffffffffc0ULL, 128); /* wraps */
	if (!tx_drained(1000))
		return fail("the monitor did not skip the bad transmit descriptors");
	return ping();
}

/* The guest breaks the protocol: head 1000 slots past tail. The monitor stops the NIC. */
static int far_head(void)
{
	struct pith_hc_wait w = {.timeout_ns = 200000000};

	__atomic_store_n(&tx.head, tx.tail + 1000, __ATOMIC_RELEASE);
	kick_if_asked(&tx);
	hc_call(PITH_HC_WAIT, &w);
	guest_puts(1, "netdev: far-head done\n");
	return 0;
}

/* n minimum-size frames to a unicast MAC nobody has (the host drops them): frames/s. */
static int flood(uint32_t n)
{
	static const uint8_t nobody[6] = {0x02, 0, 0, 0, 0, 0x01};
	uint8_t f[60] = {0};
	uint64_t t0, t;

	eth(f, nobody, 0x88b5); /* IEEE 802 local experimental ethertype */
	t0 = rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		while (tx.head - __atomic_load_n(&tx.tail, __ATOMIC_ACQUIRE) >= PITH_NET_RING_SIZE)
			__asm__ volatile("pause");
		send_frame(f, sizeof(f));
	}
	if (!tx_drained(5000))
		return fail("the flood did not drain");
	t = (rdtsc() - t0) / (boot->tsc_hz / 1000000);
	guest_puts(1, "netdev: flood ");
	put_u64(n);
	guest_puts(1, " frames in ");
	put_u64(t);
	guest_puts(1, " us: ");
	put_u64(t ? (uint64_t)n * 1000000 / t : 0);
	guest_puts(1, " frames/s\n");
	return 0;
}

/* n doorbell writes in a row: what one costs the guest (no exit: an ioeventfd in the host). */
static int kick_cost(uint32_t n)
{
	uint64_t t0 = rdtsc(), ns;

	for (uint32_t i = 0; i < n; i++)
		__asm__ volatile("outl %0, %1" : : "a"(0), "Nd"((uint16_t)PITH_NET_KICK_PORT));
	ns = (rdtsc() - t0) * 1000 / (boot->tsc_hz / 1000000);
	guest_puts(1, "netdev: ");
	put_u64(n);
	guest_puts(1, " kicks, ");
	put_u64(n ? ns / n : 0);
	guest_puts(1, " ns each; ");
	t0 = rdtsc();
	for (uint32_t i = 0; i < n; i++) /* for scale: a hypercall exits to the monitor */
		if (net_setup((uintptr_t)&tx, (uintptr_t)&rx) != -EBUSY_)
			return fail("a second setup did not give -EBUSY");
	ns = (rdtsc() - t0) * 1000 / (boot->tsc_hz / 1000000);
	put_u64(n ? ns / n : 0);
	guest_puts(1, " ns per hypercall exit\n");
	return 0;
}

static uint32_t parse_u32(const char *s)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v;
}

/* Setups the monitor must refuse with -EINVAL, -EBUSY or -ENODEV, writing the status back. */
static int bad_rings(void)
{
	uint64_t t = (uintptr_t)&tx, r = (uintptr_t)&rx, end = boot->mem_size;

	if (net_setup(t + 8, r) != -EINVAL_ || net_setup(t, r + 32) != -EINVAL_)
		return fail("a misaligned ring was accepted");
	if (net_setup(PITH_BOOTINFO_BASE, r) != -EINVAL_ || net_setup(t, 0x2000) != -EINVAL_)
		return fail("a ring in the boot info or the monitor's pages was accepted");
	if (net_setup(t, end - 64) != -EINVAL_ || net_setup(t, (1ULL << 63)) != -EINVAL_)
		return fail("a ring outside guest RAM was accepted");
	if (net_setup(t, t + 64) != -EINVAL_)
		return fail("overlapping rings were accepted");
	if (net_setup(t, r) != 0 || net_setup(t, r) != -EBUSY_)
		return fail("a good setup did not succeed once, then give -EBUSY");
	guest_puts(1, "netdev: bad rings refused\n");
	return 0;
}

int guest_main(const struct pith_boot_info *bi)
{
	const char *mode = guest_arg(bi, 1);

	boot = bi;
	if (guest_streq(mode, "nonic"))
		return net_setup((uintptr_t)&tx, (uintptr_t)&rx) == -ENODEV_
			   ? (guest_puts(1, "netdev: no NIC: -ENODEV\n"), 0)
			   : fail("setup without a NIC did not give -ENODEV");
	if (guest_streq(mode, "kick")) { /* the doorbell before setup */
		__asm__ volatile("outl %0, %1" : : "a"(0), "Nd"((uint16_t)PITH_NET_KICK_PORT));
		return fail("the monitor let a kick before setup pass");
	}
	if (!(bi->net.flags & PITH_NET_PRESENT))
		return fail("boot info says there is no NIC");
	if (guest_streq(mode, "badring"))
		return bad_rings();
	if (rings_up())
		return 1;
	if (guest_streq(mode, "ping"))
		return ping();
	if (guest_streq(mode, "hostile"))
		return hostile_desc();
	if (guest_streq(mode, "farhead"))
		return far_head();
	if (guest_streq(mode, "kicks"))
		return kick_cost(parse_u32(guest_arg(bi, 2)));
	if (guest_streq(mode, "flood"))
		return flood(parse_u32(guest_arg(bi, 2)));
	return fail("unknown mode");
}
