/* ARP (RFC 826): the neighbour cache (bounded, with timeouts), requests, replies, announcements. */
#include <string.h>

#include "net/lower.h"
#include "net/net.h"
#include "time/time.h"
#include "time/wait.h"

#define ARP_ENTRIES	 64
#define ARP_REACHABLE_NS (60ull * 1000000000)  /* a confirmed entry is trusted this long */
#define ARP_EXPIRE_NS	 (120ull * 1000000000) /* then used but re-requested; freed after this */
#define ARP_RETRY_NS	 (1ull * 1000000000)   /* between requests for one address */
#define ARP_TRIES	 3		       /* requests before an address is unreachable */
#define ARP_LEN		 28		       /* an Ethernet/IPv4 ARP packet */
#define ARP_OP_REQUEST	 1
#define ARP_OP_REPLY	 2

PITH_COUNTER(arp_drop_short);
PITH_COUNTER(arp_drop_bad_header);
PITH_COUNTER(arp_drop_bad_op);
PITH_COUNTER(arp_drop_bad_sender);
PITH_COUNTER(arp_drop_not_ours);
PITH_COUNTER(arp_drop_unresolved);	 /* a waiting packet, when its address never answered */
PITH_COUNTER(arp_drop_pending_replaced); /* a waiting packet, when a newer one took its place */
PITH_COUNTER(arp_drop_evicted);		 /* a waiting packet, when the table was full */
PITH_COUNTER(arp_conflict);		 /* someone else claims our address */
PITH_COUNTER(arp_requests_sent);
PITH_COUNTER(arp_replies_sent);

enum arp_state { ARP_FREE, ARP_PENDING, ARP_RESOLVED };

struct arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t state;		  /* enum arp_state */
	uint8_t tries;		  /* requests sent while pending or since the entry went stale */
	uint64_t confirmed_ns;	  /* resolved: last time the peer's ARP packet said so */
	uint64_t retry_ns;	  /* next request (pending, or stale and in use) */
	struct pith_pkt *pending; /* pending: the one packet waiting for the address */
};

static struct arp_entry arp_table[ARP_ENTRIES];
static unsigned arp_used;
static uint64_t arp_next_check_ns = UINT64_MAX;

static const uint8_t arp_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* RFC 826 "Packet format", for Ethernet (hrd 1) and IPv4 (pro 0x0800). */
struct arp_pkt {
	uint8_t hrd[2], pro[2], hln, pln, op[2];
	uint8_t sha[6], spa[4], tha[6], tpa[4];
};

static void arp_send(uint16_t op, const uint8_t *eth_dst, const uint8_t *tha, uint32_t tpa)
{
	struct pith_pkt *p = pith_pkt_alloc();
	struct arp_pkt *a;

	if (!p)
		return;
	a = pith_pkt_put(p, sizeof(*a));
	*a = (struct arp_pkt){
	    .hrd = {0, 1}, .pro = {0x08, 0x00}, .hln = 6, .pln = 4, .op = {0, (uint8_t)op}};
	memcpy(a->sha, pith_netif.mac, 6);
	memcpy(a->spa, &pith_netif.ip, 4);
	memcpy(a->tha, tha, 6);
	memcpy(a->tpa, &tpa, 4);
	if (op == ARP_OP_REQUEST)
		PITH_COUNT(arp_requests_sent);
	else
		PITH_COUNT(arp_replies_sent);
	pith_eth_output(p, eth_dst, PITH_ETH_P_ARP);
}

static void arp_request(uint32_t ip)
{
	static const uint8_t zero[6];

	arp_send(ARP_OP_REQUEST, arp_bcast, zero, ip);
}

/* RFC 5227 section 2.3: an ARP Announcement, sender and target both our address. */
void pith_arp_announce(void)
{
	if (pith_netif.present && pith_netif.ip)
		arp_request(pith_netif.ip);
}

unsigned pith_arp_entries(void)
{
	return arp_used;
}

static struct arp_entry *arp_find(uint32_t ip)
{
	for (unsigned i = 0; i < ARP_ENTRIES; i++)
		if (arp_table[i].state != ARP_FREE && arp_table[i].ip == ip)
			return &arp_table[i];
	return NULL;
}

static void arp_release(struct arp_entry *e, bool unresolved)
{
	if (e->pending) {
		if (unresolved)
			PITH_COUNT(arp_drop_unresolved);
		else
			PITH_COUNT(arp_drop_evicted);
		pith_pkt_free(e->pending);
	}
	*e = (struct arp_entry){0};
	arp_used--;
}

/* A free entry, or the least recently confirmed one (resolved ones before pending ones). */
static struct arp_entry *arp_victim(void)
{
	struct arp_entry *best = NULL;

	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		struct arp_entry *e = &arp_table[i];

		if (e->state == ARP_FREE)
			return e;
		if (!best || (e->state == ARP_RESOLVED && best->state == ARP_PENDING) ||
		    (e->state == best->state && e->confirmed_ns < best->confirmed_ns))
			best = e;
	}
	arp_release(best, false);
	return best;
}

static struct arp_entry *arp_new(uint32_t ip, enum arp_state state, uint64_t now)
{
	struct arp_entry *e = arp_victim();

	arp_used++;
	e->ip = ip;
	e->state = (uint8_t)state;
	e->confirmed_ns = now;
	e->retry_ns = now + ARP_RETRY_NS;
	if (arp_next_check_ns > e->retry_ns)
		arp_next_check_ns = e->retry_ns;
	return e;
}

/* The peer confirmed its address: learn it and send the packet that waited for it. */
static void arp_resolve(struct arp_entry *e, const uint8_t *mac, uint64_t now)
{
	struct pith_pkt *p = e->pending;

	memcpy(e->mac, mac, 6);
	e->state = ARP_RESOLVED;
	e->confirmed_ns = now;
	e->tries = 0;
	e->pending = NULL;
	if (p)
		pith_eth_output(p, e->mac, PITH_ETH_P_IP);
}

static bool arp_header_ok(const struct arp_pkt *a)
{
	return a->hrd[0] == 0 && a->hrd[1] == 1 && a->pro[0] == 0x08 && a->pro[1] == 0 &&
	       a->hln == 6 && a->pln == 4;
}

/* RFC 826 "Packet Reception": merge the sender, add it if the packet is for us, answer. */
static void arp_receive(const struct arp_pkt *a, uint16_t op, uint32_t spa, uint32_t tpa)
{
	uint64_t now = pith_time_monotonic_ns();
	struct arp_entry *e = spa ? arp_find(spa) : NULL;
	bool merged = e != NULL;

	if (e)
		arp_resolve(e, a->sha, now);
	if (!pith_netif.ip || tpa != pith_netif.ip) {
		if (!merged)
			PITH_COUNT(arp_drop_not_ours);
		return;
	}
	if (!merged && spa)
		arp_resolve(arp_new(spa, ARP_RESOLVED, now), a->sha, now);
	if (op == ARP_OP_REQUEST)
		arp_send(ARP_OP_REPLY, a->sha, a->sha, spa);
}

void pith_arp_input(struct pith_pkt *p)
{
	const struct arp_pkt *a = (const void *)p->data;
	uint32_t spa, tpa;
	uint16_t op;

	if (p->len < ARP_LEN) {
		PITH_COUNT(arp_drop_short);
		return;
	}
	if (!arp_header_ok(a)) {
		PITH_COUNT(arp_drop_bad_header);
		return;
	}
	op = (uint16_t)(a->op[0] << 8 | a->op[1]);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
		PITH_COUNT(arp_drop_bad_op);
		return;
	}
	memcpy(&spa, a->spa, 4);
	memcpy(&tpa, a->tpa, 4);
	/* A group MAC or a broadcast/multicast IP cannot be a host's (RFC 1122 section 3.3.6). */
	if ((a->sha[0] & 1) || spa == PITH_IP_BROADCAST || (pith_ntohl(spa) >> 28) == 0xe) {
		PITH_COUNT(arp_drop_bad_sender);
		return;
	}
	if (spa && spa == pith_netif.ip) {
		PITH_COUNT(arp_conflict); /* never learn a MAC for our own address */
		return;
	}
	arp_receive(a, op, spa, tpa);
}

/* RFC 1112 section 6.4: an IPv4 multicast group's Ethernet address. */
static void arp_multicast_mac(uint32_t ip, uint8_t mac[6])
{
	uint32_t h = pith_ntohl(ip);

	mac[0] = 0x01, mac[1] = 0x00, mac[2] = 0x5e;
	mac[3] = (uint8_t)(h >> 16 & 0x7f), mac[4] = (uint8_t)(h >> 8), mac[5] = (uint8_t)h;
}

/* Broadcast and multicast destinations need no resolution; true if p was sent. */
static bool arp_output_group(struct pith_pkt *p, uint32_t next_hop)
{
	uint32_t bcast = pith_netif.ip | ~pith_netif.netmask;
	uint8_t mac[6];

	if (next_hop == PITH_IP_BROADCAST || (pith_netif.ip && next_hop == bcast)) {
		pith_eth_output(p, arp_bcast, PITH_ETH_P_IP);
		return true;
	}
	if ((pith_ntohl(next_hop) >> 28) == 0xe) {
		arp_multicast_mac(next_hop, mac);
		pith_eth_output(p, mac, PITH_ETH_P_IP);
		return true;
	}
	return false;
}

/* A resolved entry past ARP_REACHABLE_NS is still used, and re-requested once a second. */
static void arp_refresh(struct arp_entry *e, uint64_t now)
{
	if (now - e->confirmed_ns < ARP_REACHABLE_NS || now < e->retry_ns)
		return;
	e->retry_ns = now + ARP_RETRY_NS;
	arp_request(e->ip);
}

void pith_arp_output(struct pith_pkt *p, uint32_t next_hop)
{
	uint64_t now;
	struct arp_entry *e;

	if (arp_output_group(p, next_hop))
		return;
	now = pith_time_monotonic_ns();
	e = arp_find(next_hop);
	if (e && e->state == ARP_RESOLVED) {
		arp_refresh(e, now);
		pith_eth_output(p, e->mac, PITH_ETH_P_IP);
		return;
	}
	if (e) {
		PITH_COUNT(arp_drop_pending_replaced);
		pith_pkt_free(e->pending);
		e->pending = p;
		return;
	}
	e = arp_new(next_hop, ARP_PENDING, now);
	e->pending = p;
	e->tries = 1;
	arp_request(next_hop);
}

/* Pending: request again or give up; resolved: free once unconfirmed for ARP_EXPIRE_NS. */
static void arp_age(struct arp_entry *e, uint64_t now)
{
	if (e->state == ARP_RESOLVED) {
		if (now - e->confirmed_ns >= ARP_EXPIRE_NS)
			arp_release(e, true);
		return;
	}
	if (now < e->retry_ns)
		return;
	if (e->tries >= ARP_TRIES) {
		arp_release(e, true);
		return;
	}
	e->tries++;
	e->retry_ns = now + ARP_RETRY_NS;
	arp_request(e->ip);
}

static bool arp_poll(uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (now < arp_next_check_ns)
		return false;
	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		struct arp_entry *e = &arp_table[i];

		if (e->state == ARP_FREE)
			continue;
		arp_age(e, now);
		if (e->state == ARP_PENDING && e->retry_ns < next)
			next = e->retry_ns;
		else if (e->state == ARP_RESOLVED && e->confirmed_ns + ARP_EXPIRE_NS < next)
			next = e->confirmed_ns + ARP_EXPIRE_NS;
	}
	arp_next_check_ns = next;
	return false;
}

static uint64_t arp_deadline(void)
{
	return arp_next_check_ns;
}

PITH_POLLER(arp, .poll = arp_poll, .deadline = arp_deadline);
