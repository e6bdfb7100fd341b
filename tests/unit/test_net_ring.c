/* The NIC's ring logic (vmm/net_io.c) against a fake backend and hostile descriptors. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net_io.h"
#include "test.h"

#define MEM_SIZE (4u << 20)
#define TX_AT	 0x200000u
#define RX_AT	 0x210000u
#define BUFS_AT	 0x300000u /* guest buffers: 4 KiB apart */

/* ---- a fake backend: records what is sent, hands out queued frames ------------------------ */

struct fake {
	unsigned sent, send_limit; /* send returns 0 (full) once sent reaches send_limit */
	int send_rc;		   /* when not 1: what send returns (after the limit check) */
	size_t last_len;
	uint8_t last_flags, last_byte;
	struct pith_net_ring *mutate; /* if set, send scribbles over this ring's slots */
	unsigned nrecv;		      /* frames waiting */
	size_t recv_len;	      /* their length */
	int recv_rc;		      /* when < 0: recv fails */
	const uint8_t *frame;	      /* if set: the frames' bytes (recv_len of them) */
};

static struct fake fake;

static int fake_send(struct net_backend *b, const struct pith_net_desc *d, const void *frame,
		     size_t len)
{
	(void)b;
	if (fake.sent >= fake.send_limit)
		return 0;
	if (fake.send_rc != 1)
		return fake.send_rc;
	if (fake.mutate)
		for (unsigned i = 0; i < PITH_NET_RING_SIZE; i++)
			fake.mutate->desc[i] = (struct pith_net_desc){.addr = 0, .len = 0xffffffff};
	fake.sent++;
	fake.last_len = len;
	fake.last_flags = d->flags;
	fake.last_byte = ((const uint8_t *)frame)[len - 1];
	return 1;
}

/* A frame of 0xab bytes typed IPv4 (the monitor drops types the guest does not speak). */
static void fake_ipv4(uint8_t *buf, size_t len)
{
	memset(buf, 0xab, len);
	if (len >= 14) {
		buf[12] = 0x08;
		buf[13] = 0x00;
	}
}

static ssize_t fake_recv(struct net_backend *b, struct pith_net_desc *d, void *buf, size_t cap)
{
	(void)b;
	memset(d, 0, sizeof(*d));
	d->flags = PITH_NET_F_DATA_VALID; /* must not reach a guest without offloads */
	if (fake.recv_rc < 0)
		return -1;
	if (!fake.nrecv)
		return 0;
	fake.nrecv--;
	if (fake.frame)
		memcpy(buf, fake.frame, fake.recv_len < cap ? fake.recv_len : cap);
	else
		fake_ipv4(buf, fake.recv_len < cap ? fake.recv_len : cap);
	return (ssize_t)fake.recv_len;
}

/* ---- a fresh guest and device per test --------------------------------------------------- */

static uint8_t *mem;
static struct guest_mem gm;
static struct net_backend backend;
static struct net_io io;
static struct pith_net_ring *tx, *rx;

static void setup(uint32_t tx_start, uint32_t rx_start)
{
	memset(mem, 0, MEM_SIZE);
	fake = (struct fake){.send_limit = ~0u, .send_rc = 1, .recv_len = 60};
	backend =
	    (struct net_backend){.name = "fake", .fd = -1, .recv = fake_recv, .send = fake_send};
	if (io.wake_fd > 0)
		close(io.wake_fd);
	io = (struct net_io){
	    .mem = &gm, .backend = &backend, .kick_fd = -1, .wake_fd = eventfd(0, EFD_NONBLOCK)};
	tx = (struct pith_net_ring *)(mem + TX_AT);
	rx = (struct pith_net_ring *)(mem + RX_AT);
	tx->head = tx->tail = tx_start;
	rx->head = rx->tail = rx_start;
	net_io__attach(&io, tx, rx);
}

static void tx_post(uint64_t addr, uint32_t len)
{
	tx->desc[tx->head % PITH_NET_RING_SIZE] = (struct pith_net_desc){.addr = addr, .len = len};
	tx->head++;
}

static void tx_post_good(unsigned i, uint32_t len)
{
	memset(mem + BUFS_AT + i * 4096u, (int)i, len);
	tx_post(BUFS_AT + i * 4096u, len);
}

static void rx_post(uint64_t addr, uint32_t len)
{
	rx->desc[rx->head % PITH_NET_RING_SIZE] = (struct pith_net_desc){.addr = addr, .len = len};
	rx->head++;
}

static uint64_t wake_count(void)
{
	uint64_t v = 0;

	return read(io.wake_fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_ring_check(void)
{
	uint64_t last = MEM_SIZE - sizeof(struct pith_net_ring);

	CHECK(net_ring__check(&gm, TX_AT) == (void *)(mem + TX_AT));
	CHECK(net_ring__check(&gm, last & ~63ull) != NULL);
	CHECK(net_ring__check(&gm, TX_AT + 8) == NULL);		 /* misaligned */
	CHECK(net_ring__check(&gm, PITH_BOOTINFO_BASE) == NULL); /* read-only boot info */
	CHECK(net_ring__check(&gm, PITH_IMAGE_BASE) == NULL);	 /* the guest's code */
	CHECK(net_ring__check(&gm, 0x2000) == NULL);		 /* the monitor's pages */
	CHECK(net_ring__check(&gm, 0) == NULL);
	CHECK(net_ring__check(&gm, MEM_SIZE - 64) == NULL); /* runs past RAM */
	CHECK(net_ring__check(&gm, MEM_SIZE) == NULL);
	CHECK(net_ring__check(&gm, 0xffffffffffffffc0ull) == NULL); /* wraps */
}

static void test_tx_basic(void)
{
	setup(0, 0);
	for (unsigned i = 0; i < 3; i++)
		tx_post_good(i, 60 + i);
	CHECK_U64(net_io__tx(&io, NET_IO_BATCH), 3);
	CHECK_U64(fake.sent, 3);
	CHECK_U64(tx->tail, 3);
	CHECK_U64(fake.last_len, 62);
	CHECK_U64(fake.last_byte, 2);
	CHECK_U64(io.stats.tx_frames, 3);
	CHECK_U64(io.stats.tx_bytes, 60 + 61 + 62);
	CHECK_U64(net_io__tx(&io, NET_IO_BATCH), 0);
	CHECK(net_io__tx_arm(&io));
	CHECK_U64(tx->kick, 1);
	tx_post_good(0, 60);
	CHECK(!net_io__tx_arm(&io)); /* work arrived after the flag: no sleep */
}

static void test_tx_hostile(void)
{
	setup(0, 0);
	tx_post(BUFS_AT, 0);		     /* empty */
	tx_post(BUFS_AT, 13);		     /* no room for an Ethernet header */
	tx_post(BUFS_AT, NET_FRAME_MAX + 1); /* too long */
	tx_post(BUFS_AT, 0xffffffff);	     /* huge */
	tx_post(MEM_SIZE - 30, 60);	     /* runs past RAM */
	tx_post(MEM_SIZE + 4096, 60);	     /* outside RAM */
	tx_post(0xffffffffffffffe0ull, 64);  /* wraps */
	tx_post(0x1000, 60);		     /* the monitor's pages */
	tx_post_good(1, 60);
	CHECK_U64(net_io__tx(&io, NET_IO_BATCH), 9);
	CHECK_U64(io.stats.drop_tx_bad_desc, 8);
	CHECK_U64(fake.sent, 1);
	CHECK_U64(tx->tail, 9);
	CHECK(!io.broken);
}

static void test_tx_far_head(void)
{
	setup(0, 0);
	tx_post_good(0, 60);
	tx->head = 1000;
	CHECK(net_io__tx(&io, NET_IO_BATCH) < 0);
	CHECK(io.broken);
	CHECK_CONTAINS(io.err, "transmit ring");
	CHECK_U64(fake.sent, 0);
	CHECK(net_io__rx(&io, NET_IO_BATCH) < 0); /* a stopped device stays stopped */
	setup(5, 0);
	tx->head = 4; /* behind the tail: 2^32 - 1 slots "pending" */
	CHECK(net_io__tx(&io, NET_IO_BATCH) < 0);
	CHECK_U64(fake.sent, 0);
}

static void test_tx_wrap_and_budget(void)
{
	setup(0xfffffff0u, 0);
	for (unsigned i = 0; i < 100; i++)
		tx_post_good(i % 16, 60);
	CHECK_U64(net_io__tx(&io, 64), 64);
	CHECK_U64(net_io__tx(&io, 64), 36);
	CHECK_U64(tx->tail, 0xfffffff0u + 100);
	CHECK_U64(tx->tail, 84); /* wrapped past 2^32 */
	CHECK_U64(fake.sent, 100);
}

static void test_tx_full_and_fatal(void)
{
	setup(0, 0);
	for (unsigned i = 0; i < 5; i++)
		tx_post_good(i, 60);
	fake.send_limit = 2;
	CHECK_U64(net_io__tx(&io, NET_IO_BATCH), 2);
	CHECK(io.tx_blocked);
	CHECK_U64(tx->tail, 2);
	fake.send_limit = ~0u;
	fake.send_rc = -1;
	CHECK(net_io__tx(&io, NET_IO_BATCH) < 0);
	CHECK_CONTAINS(io.err, "fake backend failed");
}

/* The guest rewrites the slot while the backend sends: the monitor's copy is what counts. */
static void test_tx_toctou_and_offloads(void)
{
	setup(0, 0);
	tx_post_good(0, 100);
	tx->desc[0].flags = PITH_NET_F_NEEDS_CSUM; /* offloads the backend did not offer */
	tx_post_good(1, 100);
	fake.mutate = tx;
	CHECK_U64(net_io__tx(&io, NET_IO_BATCH), 2);
	CHECK_U64(fake.sent, 1); /* the second slot was rewritten to a huge length: dropped */
	CHECK_U64(io.stats.drop_tx_bad_desc, 1);
	CHECK_U64(fake.last_len, 100);
	CHECK_U64(io.stats.tx_bytes, 100);
	CHECK_U64(fake.last_flags, 0);
}

static void test_rx_basic(void)
{
	setup(0, 0);
	for (unsigned i = 0; i < 4; i++)
		rx_post(BUFS_AT + i * 4096u, 2048);
	fake.nrecv = 3;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 3);
	CHECK_U64(rx->tail, 3);
	CHECK_U64(rx->desc[2].len, 60);
	CHECK_U64(rx->desc[2].flags, 0); /* DATA_VALID dropped: no offloads */
	CHECK_U64(rx->desc[2].addr, BUFS_AT + 2 * 4096u);
	CHECK_U64(rx->desc[3].len, 2048); /* not used yet */
	CHECK_U64(mem[BUFS_AT + 2 * 4096u + 59], 0xab);
	CHECK_U64(io.stats.rx_frames, 3);
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 0);
	CHECK(!io.rx_starved);
	fake.nrecv = 5;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 1);
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 0);
	CHECK(io.rx_starved);
	CHECK_U64(fake.nrecv, 4); /* left in the backend, not dropped */
	CHECK(net_io__rx_arm(&io));
	rx_post(BUFS_AT, 2048);
	CHECK(!net_io__rx_arm(&io));
}

static void test_rx_hostile(void)
{
	setup(0, 0xfffffffeu);
	rx_post(MEM_SIZE - 1000, 2048);		/* runs past RAM */
	rx_post(BUFS_AT, PITH_NET_BUF_MIN - 1); /* too small */
	rx_post(PITH_BOOTINFO_BASE, 2048);	/* the read-only boot info */
	rx_post(PITH_IMAGE_BASE, 2048);		/* the guest's code */
	rx_post(0x1000, 2048);			/* the monitor's pages */
	rx_post(0xfffffffffffff800ull, 0x1000); /* wraps */
	rx_post(BUFS_AT, 0);			/* empty */
	rx_post(MEM_SIZE - 2048, 0xffffffff);	/* huge: even capped, past RAM */
	rx_post(BUFS_AT + 4096, 2048);
	fake.nrecv = 1;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 9);
	CHECK_U64(io.stats.drop_rx_bad_desc, 8);
	CHECK_U64(io.stats.rx_frames, 1);
	CHECK_U64(fake.nrecv, 0);
	CHECK_U64(rx->desc[(0xfffffffeu + 0) % PITH_NET_RING_SIZE].len, 0);
	CHECK_U64(rx->desc[(0xfffffffeu + 8) % PITH_NET_RING_SIZE].len, 60);
	CHECK_U64(rx->tail, 7); /* wrapped */
	rx->head = rx->tail + PITH_NET_RING_SIZE + 1;
	CHECK(net_io__rx(&io, NET_IO_BATCH) < 0);
	CHECK_CONTAINS(io.err, "receive ring");
}

static void test_rx_too_big(void)
{
	setup(0, 0);
	rx_post(BUFS_AT, 2048);
	fake.nrecv = 2;
	fake.recv_len = 3000; /* bigger than the buffer: dropped, the slot stays free */
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 0);
	CHECK_U64(io.stats.drop_rx_bad_desc, 2);
	CHECK_U64(rx->tail, 0);
	fake.recv_rc = -1;
	fake.nrecv = 1;
	CHECK(net_io__rx(&io, NET_IO_BATCH) < 0);
	CHECK_CONTAINS(io.err, "receiving");
}

static void test_wake(void)
{
	setup(0, 0);
	tx_post_good(0, 60);
	CHECK_U64(net_io__tx(&io, NET_IO_BATCH), 1);
	CHECK_U64(wake_count(), 0); /* the guest did not ask */
	tx->wake = 1;
	tx_post_good(1, 60);
	CHECK_U64(net_io__tx(&io, NET_IO_BATCH), 1);
	CHECK_U64(tx->wake, 0);
	CHECK_U64(wake_count(), 1);
	rx->wake = 1;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 0);
	CHECK_U64(rx->wake, 1); /* no progress: the guest sleeps on */
	rx_post(BUFS_AT, 2048);
	fake.nrecv = 1;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 1);
	CHECK_U64(rx->wake, 0);
	CHECK_U64(wake_count(), 1);
	CHECK_U64(io.stats.guest_wakes, 2);
}

/* An ARP request (RFC 826) from 10.0.0.9 for tpa, padded to 60 bytes. */
static void arp_frame(uint8_t *f, uint8_t tpa_last, uint8_t spa_last)
{
	static const uint8_t head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0,
				       9,    0x08, 0x06, 0,    1,    0x08, 0, 6, 4, 0, 1};

	memset(f, 0, 60);
	memcpy(f, head, sizeof(head));
	memcpy(f + 28, (uint8_t[]){10, 0, 0, spa_last}, 4);
	memcpy(f + 38, (uint8_t[]){10, 0, 0, tpa_last}, 4);
}

/* With a static address, ARP requests for other hosts never reach the guest (nor wake it). */
static void test_rx_arp_filter(void)
{
	uint8_t f[60];

	setup(0, 0);
	io.arp_ip = htonl(0x0a000005); /* 10.0.0.5 */
	for (unsigned i = 0; i < 4; i++)
		rx_post(BUFS_AT + i * 4096u, 2048);
	fake.frame = f;
	arp_frame(f, 7, 9); /* who has 10.0.0.7: dropped */
	fake.nrecv = 3;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 0);
	CHECK_U64(io.stats.drop_rx_arp_other, 3);
	CHECK_U64(wake_count(), 0);
	arp_frame(f, 5, 9); /* who has 10.0.0.5: delivered */
	fake.nrecv = 1;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 1);
	arp_frame(f, 9, 9); /* an announcement: delivered */
	fake.nrecv = 1;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 1);
	io.arp_ip = 0; /* DHCP: no filter */
	arp_frame(f, 7, 9);
	fake.nrecv = 1;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 1);
	CHECK_U64(io.stats.drop_rx_arp_other, 3);
	CHECK_U64(io.stats.rx_frames, 3);
	f[12] = 0x86; /* IPv6 (0x86dd): dropped whatever the address */
	f[13] = 0xdd;
	fake.nrecv = 2;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 0);
	CHECK_U64(io.stats.drop_rx_ethertype, 2);
	fake.recv_len = 10; /* a runt without a type */
	fake.nrecv = 1;
	CHECK_U64(net_io__rx(&io, NET_IO_BATCH), 0);
	CHECK_U64(io.stats.drop_rx_ethertype, 3);
	CHECK_U64(io.stats.rx_frames, 3);
	fake.frame = NULL;
}

int main(void)
{
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(mem != MAP_FAILED))
		return test__done();
	gm = (struct guest_mem){.base = mem, .size = MEM_SIZE, .user_lo = PITH_BOOTINFO_BASE};
	/* As vmm/run.c does: the boot info and the image's read-only pages (here: its "code"). */
	guest_mem__protect(&gm, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END);
	guest_mem__protect(&gm, PITH_IMAGE_BASE, PITH_IMAGE_BASE + 0x10000);
	test_ring_check();
	test_tx_basic();
	test_tx_hostile();
	test_tx_far_head();
	test_tx_wrap_and_budget();
	test_tx_full_and_fatal();
	test_tx_toctou_and_offloads();
	test_rx_basic();
	test_rx_hostile();
	test_rx_too_big();
	test_rx_arp_filter();
	test_wake();
	return test__done();
}
