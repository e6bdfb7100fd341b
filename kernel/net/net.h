/* The network stack's internal interface: packets, the NIC, the layers, and the drop counters. */
#ifndef PITH_NET_H
#define PITH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/counter.h"

/*
 * Byte order: every address and port in these interfaces is in network byte order (as in the
 * headers and in struct sockaddr_in); convert with pith_ntohs/... only to compute.
 *
 * Ownership: a receive packet points into the NIC's receive buffer and is valid only during the
 * input call; a layer that keeps data copies it. A transmit packet comes from pith_pkt_alloc;
 * whoever it is passed to (pith_ipv4_output, pith_eth_output, pith_netif_xmit) owns it and
 * frees it, on every path, including errors.
 */

/* ---- Byte order ------------------------------------------------------------------------- */
static inline uint16_t pith_htons(uint16_t x)
{
	return __builtin_bswap16(x);
}
static inline uint16_t pith_ntohs(uint16_t x)
{
	return __builtin_bswap16(x);
}
static inline uint32_t pith_htonl(uint32_t x)
{
	return __builtin_bswap32(x);
}
static inline uint32_t pith_ntohl(uint32_t x)
{
	return __builtin_bswap32(x);
}

/* ---- Counters: every dropped packet increments a named one ------------------------------ */

/*
 * PITH_COUNTER/PITH_COUNT (core/counter.h): each file declares its counters where it uses
 * them. Names are <protocol>_drop_<reason> for drops and <protocol>_<event> for the rest.
 * `pith run --stats` prints every non-zero counter at exit, then stats.c's gauges.
 */

/* ---- Packets -------------------------------------------------------------------------------- */

/* Headroom of a transmit packet: Ethernet (14) + IPv4 with options (60) + TCP with options (60). */
#define PITH_PKT_HEADROOM 160
#define PITH_PKT_BUF_SIZE 2048 /* one transmit buffer: headroom + a 1514-byte frame, rounded */

#define PITH_PKT_CSUM_VALID 1u /* receive: the host verified the checksums (skip ours) */

struct pith_pkt {
	uint8_t *data;	       /* first byte of the current layer */
	uint32_t len;	       /* bytes from data to the end of the packet */
	uint32_t flags;	       /* PITH_PKT_* */
	uint8_t *buf;	       /* the whole buffer (transmit packets: owned, PITH_PKT_BUF_SIZE) */
	struct pith_pkt *next; /* free list, queues (ARP's pending packet, reassembly) */
};

/*
 * A transmit packet: data at buf + PITH_PKT_HEADROOM, len 0. NULL when all buffers are in
 * flight (counted as netif_drop_no_tx_buffer by the allocator; TCP retransmits later).
 */
struct pith_pkt *pith_pkt_alloc(void);
void pith_pkt_free(struct pith_pkt *p);

/* Appends n bytes at the end (returns where they go), or prepends n bytes of header. */
void *pith_pkt_put(struct pith_pkt *p, size_t n);
void *pith_pkt_push(struct pith_pkt *p, size_t n);
/* Drops n bytes from the front (the caller checked n <= len). */
void pith_pkt_pull(struct pith_pkt *p, size_t n);

/* ---- The NIC (netif.c) -------------------------------------------------------------------- */

struct pith_netif {
	bool present;	 /* the monitor gave a NIC and it is set up */
	bool configured; /* the address below is valid (static, or DHCP finished) */
	bool offloads;	 /* the backend takes checksum offload (PITH_NET_OFFLOADS) */
	uint8_t mac[6];
	uint16_t mtu; /* largest IP packet */
	uint32_t ip;  /* our address, 0 until configured */
	uint32_t netmask;
	uint32_t gateway; /* 0: none */
	uint32_t dns;	  /* 0: none */
};

extern struct pith_netif pith_netif;

/* Puts a complete Ethernet frame (p->data, p->len) on the transmit ring and takes p. */
void pith_netif_xmit(struct pith_pkt *p);

/* ---- Checksums (checksum.c): RFC 1071 ----------------------------------------------------- */

/* Adds len bytes to a 32-bit one's-complement accumulator (any alignment, odd lengths ok). */
uint32_t pith_csum_add(uint32_t sum, const void *data, size_t len);
/* Folds the accumulator and complements it: the value to store in a header. */
uint16_t pith_csum_fold(uint32_t sum);
/* The accumulator for the TCP/UDP pseudo-header (RFC 9293 section 3.1, RFC 768); addresses in
   network order, len (transport header + data) in host order. */
uint32_t pith_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* ---- Ethernet (eth.c) and ARP (arp.c) ----------------------------------------------------- */

#define PITH_ETH_HLEN  14
#define PITH_ETH_P_IP  0x0800
#define PITH_ETH_P_ARP 0x0806

/* A received frame from the NIC (p->data at the Ethernet header). */
void pith_eth_input(struct pith_pkt *p);
/* Prepends the Ethernet header (type in host order) and transmits. */
void pith_eth_output(struct pith_pkt *p, const uint8_t dst[6], uint16_t type);

void pith_arp_input(struct pith_pkt *p);
/* Sends an IPv4 packet (p->data at the IP header) to next_hop on the link: at once if its MAC
   is cached, else after ARP resolves it (one packet waits per address; the older is dropped). */
void pith_arp_output(struct pith_pkt *p, uint32_t next_hop);

/* ---- IPv4 (ipv4.c), ICMP (icmp.c) ---------------------------------------------------------- */

#define PITH_IPPROTO_ICMP 1
#define PITH_IPPROTO_TCP  6
#define PITH_IPPROTO_UDP  17

/* What the IP layer tells a transport about the packet it passes up. */
struct pith_ip_info {
	uint32_t src, dst; /* network order */
	uint8_t proto, ttl, tos;
	const uint8_t *hdr; /* the IP header (for ICMP errors that quote it) */
	uint16_t hdr_len;
};

void pith_ipv4_input(struct pith_pkt *p);

/*
 * Prepends an IPv4 header (no options, DF set, a fresh ID) to the transport segment at p->data
 * and sends it: routes dst (on-link or through the gateway), resolves with ARP. src 0 means our
 * address. Returns 0, -ENETUNREACH (no route or no address), -EMSGSIZE (larger than the MTU).
 */
int pith_ipv4_output(struct pith_pkt *p, uint32_t src, uint32_t dst, uint8_t proto);

/* Whether addr is one of ours (our address, or a broadcast we accept). */
bool pith_ipv4_is_local(uint32_t addr);

void pith_icmp_input(struct pith_pkt *p, const struct pith_ip_info *ip);
/* Sends destination unreachable (type 3, code) quoting the offending packet (RFC 792, RFC
   1122 section 3.2.2.1): for UDP to a closed port (code 3). Never for broadcasts. */
void pith_icmp_unreach(const struct pith_ip_info *ip, const uint8_t *l4, size_t l4_len,
		       uint8_t code);

/* ---- Transports ---------------------------------------------------------------------------- */

/* p->data at the transport header, p->len its length (IP padding removed). */
void pith_udp_input(struct pith_pkt *p, const struct pith_ip_info *ip);
void pith_tcp_input(struct pith_pkt *p, const struct pith_ip_info *ip);

/* An ICMP error quoting one of our packets reached us (RFC 1122 section 4.2.3.9): TCP may
   abort a connection in SYN-SENT on port/protocol unreachable. Weak: UDP-only images lack it.
   src/dst: the quoted datagram's addresses (ours, the peer's); quoted: its IP header and what
   follows (len >= its header + 8 bytes, so the TCP ports and sequence number are there). */
void pith_tcp_icmp_error(uint32_t src, uint32_t dst, const uint8_t *quoted, size_t len,
			 uint8_t type, uint8_t code) __attribute__((weak));

/*
 * At exit (netif's exit hook): a Linux process's kernel goes on sending what its closed sockets
 * still hold after the process is gone; a unikernel's kernel ends with the program. So the
 * exit waits, running the stack, until every closed TCP connection has had its data and FIN
 * acknowledged (or given up), at most until deadline (monotonic ns). Weak: UDP-only images.
 */
void pith_tcp_exit_drain(uint64_t deadline) __attribute__((weak));

/* ---- Start-up ------------------------------------------------------------------------------- */

/*
 * Brings the NIC up (PITH_HC_NET_SETUP) and configures the address (static from boot info, or
 * DHCP with a bounded wait). Called once, by the socket layer's first use or at boot.
 */
void pith_net_start(void);

/*
 * The DHCP client (dhcp.c, RFC 2131): asks for an address and fills pith_netif (ip, netmask,
 * gateway, dns, configured), waiting at most timeout_ns. 0, or -ETIMEDOUT / -errno (the NIC
 * then stays unconfigured).
 */
int pith_dhcp_configure(uint64_t timeout_ns);

/* Ephemeral ports for connect and bind(0): 49152..65535 (RFC 6335 section 6), network order. */
uint16_t pith_net_ephemeral_port(void);

#endif
