/* DHCP message building and parsing (RFC 2131 section 2 format, RFC 2132 options). */
#include <errno.h>
#include <string.h>

#include "net/dhcp.h"
#include "net/net.h"

/* RFC 2131 section 2, figure 1: the fixed part, then the magic cookie (RFC 2132 section 2). */
#define OFF_OP	    0
#define OFF_HTYPE   1
#define OFF_HLEN    2
#define OFF_XID	    4
#define OFF_SECS    8
#define OFF_FLAGS   10
#define OFF_YIADDR  16
#define OFF_CHADDR  28
#define OFF_COOKIE  236
#define OFF_OPTIONS 240
#define BOOTP_MIN   300

#define BOOTREQUEST    1
#define BOOTREPLY      2
#define FLAG_BROADCAST 0x8000 /* section 4.1: we cannot take unicast before we have an address */

/* RFC 2132 option codes. */
enum {
	OPT_PAD = 0,
	OPT_SUBNET = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_MTU = 26,
	OPT_REQ_IP = 50,
	OPT_LEASE = 51,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAMS = 55,
	OPT_MAX_SIZE = 57,
	OPT_T1 = 58,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

static const uint8_t cookie[4] = {99, 130, 83, 99};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Appends option code with len bytes of data at buf + n; the new length. */
static size_t put_opt(uint8_t *buf, size_t n, uint8_t code, const void *data, uint8_t len)
{
	buf[n] = code;
	buf[n + 1] = len;
	memcpy(buf + n + 2, data, len);
	return n + 2 + len;
}

size_t pith_dhcp_build(uint8_t *buf, uint8_t type, uint32_t xid, const uint8_t mac[6],
		       uint32_t req_ip, uint32_t server, uint16_t secs)
{
	static const uint8_t params[] = {OPT_SUBNET, OPT_ROUTER, OPT_DNS,
					 OPT_MTU,    OPT_LEASE,	 OPT_T1};
	uint8_t client_id[7] = {1}, max_size[2];
	size_t n;

	memset(buf, 0, PITH_DHCP_MSG_MAX);
	buf[OFF_OP] = BOOTREQUEST;
	buf[OFF_HTYPE] = 1; /* Ethernet */
	buf[OFF_HLEN] = 6;
	put32(buf + OFF_XID, xid);
	put16(buf + OFF_SECS, secs);
	put16(buf + OFF_FLAGS, FLAG_BROADCAST);
	memcpy(buf + OFF_CHADDR, mac, 6);
	memcpy(buf + OFF_COOKIE, cookie, 4);
	memcpy(client_id + 1, mac, 6);
	put16(max_size, PITH_DHCP_MSG_MAX);
	n = put_opt(buf, OFF_OPTIONS, OPT_MSG_TYPE, &type, 1);
	n = put_opt(buf, n, OPT_CLIENT_ID, client_id, sizeof(client_id));
	n = put_opt(buf, n, OPT_MAX_SIZE, max_size, sizeof(max_size));
	if (req_ip)
		n = put_opt(buf, n, OPT_REQ_IP, &req_ip, 4);
	if (server)
		n = put_opt(buf, n, OPT_SERVER_ID, &server, 4);
	n = put_opt(buf, n, OPT_PARAMS, params, sizeof(params));
	buf[n++] = OPT_END;
	return n < BOOTP_MIN ? BOOTP_MIN : n;
}

/* Takes one option into *l (addresses stay in network order). */
static void take_opt(struct pith_dhcp_lease *l, uint8_t code, const uint8_t *v, uint8_t len)
{
	switch (code) {
	case OPT_MSG_TYPE:
		if (len >= 1)
			l->type = v[0];
		break;
	case OPT_SUBNET:
		if (len >= 4)
			memcpy(&l->netmask, v, 4);
		break;
	case OPT_ROUTER:
		if (len >= 4)
			memcpy(&l->router, v, 4);
		break;
	case OPT_DNS:
		if (len >= 4)
			memcpy(&l->dns, v, 4);
		break;
	case OPT_SERVER_ID:
		if (len >= 4)
			memcpy(&l->server, v, 4);
		break;
	case OPT_LEASE:
		if (len >= 4)
			l->lease_s = get32(v);
		break;
	case OPT_T1:
		if (len >= 4)
			l->t1_s = get32(v);
		break;
	case OPT_MTU:
		if (len >= 2)
			l->mtu = (uint16_t)(v[0] << 8 | v[1]);
		break;
	}
}

/* Walks the options field (RFC 2132 section 2); -EINVAL if one runs past the end. */
static int parse_opts(const uint8_t *o, size_t len, struct pith_dhcp_lease *l)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = o[i];

		if (code == OPT_END)
			return 0;
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] > len - i - 2)
			return -EINVAL;
		take_opt(l, code, o + i + 2, o[i + 1]);
		i += 2 + o[i + 1];
	}
	return 0; /* no END: tolerated, as most clients do */
}

int pith_dhcp_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6],
		    struct pith_dhcp_lease *l)
{
	memset(l, 0, sizeof(*l));
	if (len < OFF_OPTIONS || buf[OFF_OP] != BOOTREPLY || buf[OFF_HTYPE] != 1 ||
	    buf[OFF_HLEN] != 6)
		return -EINVAL;
	if (get32(buf + OFF_XID) != xid || memcmp(buf + OFF_CHADDR, mac, 6) != 0 ||
	    memcmp(buf + OFF_COOKIE, cookie, 4) != 0)
		return -EINVAL;
	memcpy(&l->yiaddr, buf + OFF_YIADDR, 4);
	if (parse_opts(buf + OFF_OPTIONS, len - OFF_OPTIONS, l) < 0)
		return -EINVAL;
	if (l->type != PITH_DHCP_OFFER && l->type != PITH_DHCP_ACK && l->type != PITH_DHCP_NAK)
		return -EINVAL;
	if (l->type != PITH_DHCP_NAK && (l->yiaddr == 0 || l->yiaddr == 0xffffffffu))
		return -EINVAL;
	return 0;
}
