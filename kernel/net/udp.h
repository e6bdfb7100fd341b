/* UDP's private interface between its input/output path (udp.c) and its socket ops (udp_ops.c). */
#ifndef PITH_NET_UDP_H
#define PITH_NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "fd/fd.h"
#include "net/net.h"

/* The UDP header (RFC 768); fields in network byte order. */
struct pith_udphdr {
	uint16_t sport, dport, len, csum;
};

#define PITH_UDP_HLEN	     8
#define PITH_UDP_MAX_PAYLOAD 65507  /* 65535 - IP header (20) - UDP header (8) */
#define PITH_UDP_RCVBUF_DEF  212992 /* Linux's rmem_default and rmem_max */
#define PITH_UDP_SNDBUF_DEF  212992
#define PITH_UDP_DGRAM_COST  256 /* bytes charged to SO_RCVBUF per datagram beyond its data */

/* One received datagram, queued on its socket. */
struct pith_udp_dgram {
	struct pith_udp_dgram *next;
	uint32_t src; /* network order */
	uint16_t sport;
	uint16_t len; /* payload bytes in data */
	uint8_t data[];
};

/* The integer options a UDP socket stores (index into pith_udp_sock.opt). */
enum {
	UDP_OPT_REUSEADDR,
	UDP_OPT_REUSEPORT,
	UDP_OPT_BROADCAST,
	UDP_OPT_KEEPALIVE,
	UDP_OPT_DONTROUTE,
	UDP_OPT_PRIORITY,
	UDP_OPT_OOBINLINE,
	UDP_OPT_TTL,
	UDP_OPT_TOS,
	UDP_OPT_COUNT
};

struct pith_udp_sock {
	struct pith_udp_sock *next; /* every UDP socket */
	struct pith_file *file;
	uint32_t laddr, raddr; /* network order; laddr 0: any */
	uint16_t lport, rport; /* network order; lport 0: unbound */
	bool connected;
	bool user_bound; /* bind() chose laddr/lport (connect(AF_UNSPEC) keeps them) */
	bool shut_rd, shut_wr;
	int err;	    /* pending error (SO_ERROR), a positive errno */
	int rcvbuf, sndbuf; /* as getsockopt reports them (Linux doubles what is set) */
	int opt[UDP_OPT_COUNT];
	struct pith_udp_dgram *head, *tail;
	size_t queued; /* bytes charged against rcvbuf */
};

/* The socket list (udp.c). */
extern struct pith_udp_sock *pith_udp_socks;

/* Whether a socket other than `self` uses port lport on an address overlapping laddr. */
bool pith_udp_conflict(const struct pith_udp_sock *self, uint32_t laddr, uint16_t lport);

/* Whether dst is ours in software: 127.0.0.0/8 or our own address (loopback, no NIC needed). */
bool pith_udp_is_loopback(uint32_t dst);

/* Whether dst is a broadcast (limited or our subnet's directed one). */
bool pith_udp_is_broadcast(uint32_t dst);

/*
 * Delivers a datagram of len payload bytes (gathered from iov) from src:sport to dst:dport:
 * to every matching socket for a broadcast, else to the best match. Returns the number of
 * sockets that match (0: no socket has the port); a full queue still counts (its drop is
 * counted as udp_drop_rcvbuf_full).
 */
unsigned pith_udp_deliver(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			  const struct iovec *iov, int iovcnt, size_t len);

/* Builds and sends one datagram through IPv4: 0 or -errno (the payload comes from iov). */
int pith_udp_output(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		    const struct iovec *iov, int iovcnt, size_t len);

/* The UDP checksum of a complete datagram (header with csum 0, data), 0xffff for 0 (RFC 768). */
uint16_t pith_udp_csum(uint32_t src, uint32_t dst, const void *dgram, size_t len);

/* Frees a socket's queue. */
void pith_udp_purge(struct pith_udp_sock *s);

#endif
