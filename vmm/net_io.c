/* The NIC's I/O thread: moves frames between the guest's rings and the backend, in batches. */
#include "net_io.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "iothread.h"
#include "print.h"
#include "ring.h"
#include "seccomp_filter.h"

/* Statistics: written by the I/O thread only, read at exit by the vCPU thread. */
static void stat__add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

/* The device stops (the guest keeps running); io->err already says why. */
static int io__break(struct net_io *io)
{
	io->broken = true;
	return -1;
}

struct pith_net_ring *net_ring__check(const struct guest_mem *mem, uint64_t gpa)
{
	if (gpa % 64)
		return NULL;
	return guest_mem__ptr_rw(mem, gpa, sizeof(struct pith_net_ring));
}

void net_io__attach(struct net_io *io, struct pith_net_ring *tx, struct pith_net_ring *rx)
{
	uint64_t one = 1;

	io->tx_tail = __atomic_load_n(&tx->tail, __ATOMIC_RELAXED);
	io->rx_tail = __atomic_load_n(&rx->tail, __ATOMIC_RELAXED);
	__atomic_store_n(&io->rx, rx, __ATOMIC_RELEASE);
	__atomic_store_n(&io->tx, tx, __ATOMIC_RELEASE);
	if (io->kick_fd >= 0 && write(io->kick_fd, &one, sizeof(one)) < 0)
		return; /* the counter is full: the thread is awake anyway */
}

/* Slots the guest offers, from its head read once: at most a ring's worth. */
static int ring__pending(struct net_io *io, struct pith_net_ring *r, uint32_t tail, uint32_t *n)
{
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	*n = head - tail;
	if (*n <= PITH_NET_RING_SIZE)
		return 0;
	snprintf(
	    io->err, sizeof(io->err),
	    "guest error: the NIC's %s ring's head %u is %u slots past its tail %u (at most %u)",
	    r == io->tx ? "transmit" : "receive", head, *n, tail, PITH_NET_RING_SIZE);
	return io__break(io);
}

/* Publish a new tail (vmm/ring.h), then end the guest's wait if it asked. */
static void ring__publish(struct net_io *io, struct pith_net_ring *r, uint32_t tail)
{
	uint64_t one = 1;

	if (!ring__publish_tail(&r->tail, &r->wake, tail))
		return;
	stat__add(&io->stats.guest_wakes, 1);
	if (io->wake_fd >= 0 && write(io->wake_fd, &one, sizeof(one)) < 0)
		return; /* the counter is full: the guest's wait ends anyway */
}

/* A private copy of a descriptor: the guest may change the slot while the monitor uses it. */
static struct pith_net_desc desc__load(const struct pith_net_ring *r, uint32_t idx)
{
	struct pith_net_desc d;

	ring__copy_desc(&d, &r->desc[idx % PITH_NET_RING_SIZE], sizeof(d));
	return d;
}

static int backend__failed(struct net_io *io, const char *doing)
{
	snprintf(io->err, sizeof(io->err), "the %s backend failed while %s a frame",
		 io->backend->name, doing);
	return io__break(io);
}

static void desc__clear_offloads(struct pith_net_desc *d)
{
	d->flags = d->gso_type = 0;
	d->gso_size = d->hdr_len = d->csum_start = d->csum_offset = 0;
}

/* One transmit slot: 1 consumed (sent or dropped), 0 backend full, -1 backend failed. */
static int tx__one(struct net_io *io, uint32_t idx)
{
	struct pith_net_desc d = desc__load(io->tx, idx);
	const void *frame = NULL;
	uint64_t drops;
	int rc;

	if (d.len >= NET_FRAME_MIN && d.len <= NET_FRAME_MAX)
		frame = guest_mem__ptr(io->mem, d.addr, d.len);
	if (!frame) {
		stat__add(&io->stats.drop_tx_bad_desc, 1);
		return 1;
	}
	if (!io->backend->offloads)
		desc__clear_offloads(&d);
	drops = io->backend->send_drops;
	rc = io->backend->send(io->backend, &d, frame, d.len);
	if (rc == 1 && io->backend->send_drops != drops) {
		stat__add(&io->stats.drop_tx_backend, 1);
	} else if (rc == 1) {
		stat__add(&io->stats.tx_frames, 1);
		stat__add(&io->stats.tx_bytes, d.len);
	}
	return rc;
}

int net_io__tx(struct net_io *io, unsigned budget)
{
	uint32_t n, tail = io->tx_tail, done = 0;
	int rc = 1;

	if (io->broken || ring__pending(io, io->tx, tail, &n) < 0)
		return -1;
	if (n > budget)
		n = budget;
	while (done < n && (rc = tx__one(io, tail + done)) == 1)
		done++;
	io->tx_blocked = rc == 0;
	if (done) {
		io->tx_tail = tail + done;
		ring__publish(io, io->tx, io->tx_tail);
	}
	if (rc < 0)
		return backend__failed(io, "sending");
	return (int)done;
}

/* Hand the frame's length and offload fields to the guest in its slot (not the address). */
static void desc__complete(struct pith_net_ring *r, uint32_t idx, uint32_t len,
			   const struct pith_net_desc *o)
{
	struct pith_net_desc *slot = &r->desc[idx % PITH_NET_RING_SIZE];

	slot->len = len;
	slot->flags = o->flags;
	slot->gso_type = o->gso_type;
	slot->gso_size = o->gso_size;
	slot->hdr_len = o->hdr_len;
	slot->csum_start = o->csum_start;
	slot->csum_offset = o->csum_offset;
}

/* A posted buffer the monitor may write: in guest memory the guest can write, big enough. */
static void *rx__buffer(struct net_io *io, const struct pith_net_desc *d, uint32_t *cap)
{
	*cap = d->len < NET_FRAME_MAX ? d->len : NET_FRAME_MAX;
	if (d->len < PITH_NET_BUF_MIN)
		return NULL;
	return guest_mem__ptr_rw(io->mem, d->addr, *cap);
}

/*
 * An ARP request (RFC 826) asking for another host's address: on a shared segment every guest
 * gets every such broadcast, and waking a VM to drop it costs far more than a host kernel does.
 * Only with a static address; announcements (sender address = target address) still pass, so
 * the guest's cache keeps RFC 826's updates. Offsets: Ethernet header 14, ARP op at 14 + 6,
 * sender protocol address at 14 + 14, target protocol address at 14 + 24.
 */
static bool rx__arp_for_other(const struct net_io *io, const uint8_t *f, size_t len)
{
	uint32_t spa, tpa;

	if (!io->arp_ip || len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[20] != 0 || f[21] != 1)
		return false;
	memcpy(&spa, f + 28, 4);
	memcpy(&tpa, f + 38, 4);
	return tpa != io->arp_ip && tpa != spa;
}

/*
 * A frame the guest could only drop, and whose arrival would wake it: its drop counter, or NULL
 * to deliver it. The guest's stack speaks IPv4 and ARP only (Ethernet II types 0x0800, 0x0806):
 * on a bridge, the host's IPv6 neighbour discovery and MLD multicast reach every guest.
 */
static uint64_t *rx__unwanted(struct net_io *io, const uint8_t *f, size_t len)
{
	if (len < 14 || f[12] != 0x08 || (f[13] != 0x00 && f[13] != 0x06))
		return &io->stats.drop_rx_ethertype;
	return rx__arp_for_other(io, f, len) ? &io->stats.drop_rx_arp_other : NULL;
}

/*
 * One receive slot: 1 filled, or skipped as a bad buffer (completed with len 0); 2 a frame too
 * big for the buffer, or an ARP request for another host, was dropped (the slot stays free); 0 no
 * frame now; -1 backend failed.
 */
static int rx__one(struct net_io *io, uint32_t idx)
{
	struct pith_net_desc d = desc__load(io->rx, idx), o = {0};
	uint32_t cap;
	void *buf = rx__buffer(io, &d, &cap);
	uint64_t *drop;
	ssize_t n;

	if (!buf) {
		stat__add(&io->stats.drop_rx_bad_desc, 1);
		desc__complete(io->rx, idx, 0, &o);
		return 1;
	}
	n = io->backend->recv(io->backend, &o, buf, cap);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	if ((size_t)n > cap) {
		stat__add(&io->stats.drop_rx_bad_desc, 1);
		return 2;
	}
	drop = rx__unwanted(io, buf, (size_t)n);
	if (drop) { /* the slot stays free, the guest asleep */
		stat__add(drop, 1);
		return 2;
	}
	if (!io->backend->offloads)
		desc__clear_offloads(&o);
	desc__complete(io->rx, idx, (uint32_t)n, &o);
	stat__add(&io->stats.rx_frames, 1);
	stat__add(&io->stats.rx_bytes, (uint64_t)n);
	return 1;
}

int net_io__rx(struct net_io *io, unsigned budget)
{
	uint32_t n, tail = io->rx_tail, done = 0;
	unsigned tries = 0;
	int rc = 1;

	if (io->broken || ring__pending(io, io->rx, tail, &n) < 0)
		return -1;
	io->rx_starved = n == 0;
	while (done < n && tries++ < budget) {
		rc = rx__one(io, tail + done);
		if (rc == 1)
			done++;
		else if (rc != 2)
			break;
	}
	if (done) {
		io->rx_tail = tail + done;
		ring__publish(io, io->rx, io->rx_tail);
	}
	if (rc < 0)
		return backend__failed(io, "receiving");
	return (int)done;
}

/* Set a ring's kick flag, then read its head again (vmm/ring.h). */
static bool ring__arm(struct pith_net_ring *r, uint32_t tail)
{
	return ring__arm_kick(&r->kick, &r->head, tail);
}

bool net_io__tx_arm(struct net_io *io)
{
	return ring__arm(io->tx, io->tx_tail);
}

bool net_io__rx_arm(struct net_io *io)
{
	return ring__arm(io->rx, io->rx_tail);
}

/* ---- The thread ------------------------------------------------------------------------- */

/* One pass over both rings: frames moved, or -1 when the device stopped. */
static int io__pass(struct net_io *io)
{
	int t = net_io__tx(io, NET_IO_BATCH), r;

	if (t < 0)
		return -1;
	r = net_io__rx(io, NET_IO_BATCH);
	return r < 0 ? -1 : t + r;
}

/* Sleep until a kick, a frame from the backend or room in it. 0, or -1: the backend is gone. */
static int io__sleep(struct net_io *io)
{
	short ev = (short)((io->rx_starved ? 0 : POLLIN) | (io->tx_blocked ? POLLOUT : 0));
	struct pollfd p[2] = {{.fd = io->kick_fd, .events = POLLIN},
			      {.fd = io->backend->fd, .events = ev}};
	uint64_t v;

	if (ppoll(p, 2, NULL, NULL) < 0)
		return 0; /* EINTR; nothing else can fail here */
	if ((p[0].revents & POLLIN) && read(io->kick_fd, &v, sizeof(v)) == sizeof(v))
		stat__add(&io->stats.kicks, v);
	if (p[1].revents & POLLOUT)
		io->tx_blocked = false;
	if ((p[1].revents & (POLLERR | POLLNVAL)) ||
	    ((p[1].revents & POLLHUP) && !(p[1].revents & POLLIN))) {
		snprintf(io->err, sizeof(io->err), "the %s backend closed", io->backend->name);
		return io__break(io);
	}
	return 0;
}

/*
 * Before arming the kick and sleeping, watch the transmit ring's head for a few microseconds: a
 * guest that is producing frames would otherwise pay a kick (~3 us) and this thread a wake-up
 * (tens of us) every few frames; measured here, that halved frames/s or worse.
 */
static bool io__tx_spin(struct net_io *io)
{
	for (unsigned i = 0; i < NET_IO_SPIN; i++) {
		if (__atomic_load_n(&io->tx->head, __ATOMIC_ACQUIRE) != io->tx_tail)
			return true;
		__builtin_ia32_pause();
	}
	return false;
}

/*
 * A stream backend may hold the tail of a frame the socket did not take: push it out before
 * sleeping (1: nothing left, 0: wait for POLLOUT, -1: the backend is gone).
 */
static int io__flush(struct net_io *io)
{
	int rc;

	if (!io->backend->flush || io->tx_blocked)
		return 0;
	rc = io->backend->flush(io->backend);
	if (rc < 0)
		return backend__failed(io, "sending");
	io->tx_blocked = rc == 0;
	return 0;
}

static void io__loop(struct net_io *io)
{
	for (;;) {
		int n = io__pass(io);

		if (n < 0)
			return;
		if (n > 0 || (!io->tx_blocked && io__tx_spin(io)))
			continue;
		if (io__flush(io) < 0)
			return;
		if (!io->tx_blocked && !net_io__tx_arm(io))
			continue;
		if (io->rx_starved && !net_io__rx_arm(io))
			continue;
		if (io__sleep(io) < 0)
			return;
	}
}

/* Until net_io__attach: only the doorbell's eventfd (attach writes it once). */
static void io__wait_attach(struct net_io *io)
{
	struct pollfd p = {.fd = io->kick_fd, .events = POLLIN};
	uint64_t v;

	while (!__atomic_load_n(&io->tx, __ATOMIC_ACQUIRE)) {
		if (ppoll(&p, 1, NULL, NULL) > 0 && read(io->kick_fd, &v, sizeof(v)) < 0)
			continue;
	}
}

static void io__sleep_forever(void)
{
	for (;;)
		ppoll(NULL, 0, NULL, NULL);
}

/* The thread's own filter (iothread__start calls it first thing in the new thread). */
static int io__install_filter(void *arg, bool verbose, char *err, size_t errlen)
{
	struct net_io *io = arg;
	struct seccomp_io fds = {io->backend->fd, io->kick_fd, io->wake_fd};

	return seccomp__install_io(&fds, verbose, err, errlen);
}

/* Waits for the rings, moves frames until the device stops, says why once, then idles. */
static void io__run(void *arg)
{
	struct net_io *io = arg;

	io__wait_attach(io);
	io__loop(io);
	print__err("pith: %s; the NIC stopped\n", io->err);
	io__sleep_forever();
}

int net_io__start(struct net_io *io, bool verbose, char *err, size_t errlen)
{
	return iothread__start(io__install_filter, io__run, io, io->wake_fd, "the NIC's I/O thread",
			       verbose, err, errlen);
}
