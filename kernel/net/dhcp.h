/* DHCP messages (RFC 2131, options RFC 2132): building requests and parsing replies. */
#ifndef PITH_NET_DHCP_H
#define PITH_NET_DHCP_H

#include <stddef.h>
#include <stdint.h>

#define PITH_DHCP_SERVER_PORT 67
#define PITH_DHCP_CLIENT_PORT 68
#define PITH_DHCP_MSG_MAX     576 /* RFC 2131 section 2: a client accepts at least 576 bytes */

/* Message types (RFC 2132 section 9.6). */
enum {
	PITH_DHCP_DISCOVER = 1,
	PITH_DHCP_OFFER = 2,
	PITH_DHCP_REQUEST = 3,
	PITH_DHCP_DECLINE = 4,
	PITH_DHCP_ACK = 5,
	PITH_DHCP_NAK = 6,
	PITH_DHCP_RELEASE = 7,
};

/* What a reply says; addresses in network order, times in seconds (0: not given). */
struct pith_dhcp_lease {
	uint8_t type;	  /* PITH_DHCP_OFFER, _ACK, _NAK */
	uint32_t yiaddr;  /* the offered address */
	uint32_t server;  /* server identifier (option 54) */
	uint32_t netmask; /* option 1 */
	uint32_t router;  /* option 3, the first */
	uint32_t dns;	  /* option 6, the first */
	uint32_t lease_s; /* option 51 */
	uint32_t t1_s;	  /* option 58 */
	uint16_t mtu;	  /* option 26 */
};

/*
 * Builds a client message (DISCOVER or REQUEST) into buf (at least PITH_DHCP_MSG_MAX bytes):
 * broadcast flag set, chaddr = mac, client identifier, parameter request list; req_ip and server
 * become options 50 and 54 when not 0. Returns its length (300 bytes at least, as BOOTP relays
 * expect).
 */
size_t pith_dhcp_build(uint8_t *buf, uint8_t type, uint32_t xid, const uint8_t mac[6],
		       uint32_t req_ip, uint32_t server, uint16_t secs);

/* Parses a server reply for our xid and mac: 0 with *l filled, or -EINVAL (not for us,
   malformed, or not an OFFER/ACK/NAK). */
int pith_dhcp_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6],
		    struct pith_dhcp_lease *l);

#endif
