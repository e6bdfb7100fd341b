/* The lower network layers' private interface (netif, pkt, arp, ipv4, frag, stats). */
#ifndef PITH_NET_LOWER_H
#define PITH_NET_LOWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

/* The IPv4 header (RFC 791 section 3.1); fields in network byte order. */
struct pith_iphdr {
	uint8_t ver_ihl; /* version (4) << 4 | header length in 32-bit words */
	uint8_t tos;
	uint16_t tot_len; /* header + data */
	uint16_t id;
	uint16_t frag; /* flags (reserved, DF, MF) << 13 | offset in 8-byte units */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t src, dst;
};

#define PITH_IP_DF	  0x4000
#define PITH_IP_MF	  0x2000
#define PITH_IP_OFFMASK	  0x1fff
#define PITH_IP_BROADCAST 0xffffffffu

/* netif.c: frees transmit packets the monitor has sent; returns how many. */
unsigned pith_netif_reclaim(void);
/* netif.c: transmit packets on the ring, not yet reclaimed. */
unsigned pith_netif_tx_pending(void);

/* pkt.c: packets allocated from kernel memory, and those in use. */
void pith_pkt_pool_stats(unsigned *total, unsigned *in_use);

/* arp.c: announces our address (gratuitous ARP, RFC 5227 section 2.3); entries in use. */
void pith_arp_announce(void);
unsigned pith_arp_entries(void);

/* ipv4.c: the first identification field (random at boot). */
void pith_ipv4_seed_id(uint16_t seed);

/* ipv4.c: passes a complete datagram (p->data at the transport header) to its protocol. */
void pith_ipv4_deliver(struct pith_pkt *p, const struct pith_ip_info *ip);

/*
 * frag.c: takes one fragment (hdr checked by ipv4.c, data its payload of len bytes) and, when
 * it completes a datagram, delivers the datagram with pith_ipv4_deliver. RFC 791, RFC 815.
 */
void pith_frag_input(const struct pith_iphdr *hdr, const uint8_t *data, size_t len);
/* Datagrams being reassembled, and the bytes their buffers hold. */
void pith_frag_stats(unsigned *datagrams, size_t *bytes);

/* stats.c: prints every non-zero counter (core/counter.c), then the gauges. */
void pith_net_stats_print(void);
/* stats.c: from netif.c's exit hook: the gauges under `pith run --stats` (counters come last). */
void pith_net_stats_exit(void);

#endif
