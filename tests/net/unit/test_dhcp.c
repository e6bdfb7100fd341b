/* Host tests of the DHCP client: message building and parsing, and whole exchanges with a fake
   server (a poller of this test that answers what the stack transmits). */
#include <errno.h>
#include <string.h>

#include "test.h"

#include "host/counters.h"
#include "host/frames.h"
#include "host/net_host.h"
#include "net/dhcp.h"
#include "net/net.h"
#include "time/wait.h"

#define SERVER	0x0100000au   /* 10.0.0.1 */
#define OFFERED 0x3200000au   /* 10.0.0.50 */
#define DNS	0x3500000au   /* 10.0.0.53 */
#define BOOTP	(14 + 20 + 8) /* where the DHCP message starts in a frame */
#define MS	1000000ull

static const uint8_t mac[6] = {2, 0, 0, 0, 0, 2};

/* The value of option code in a DHCP message's options (NULL if absent); *len its length. */
static const uint8_t *find_opt(const uint8_t *msg, size_t n, uint8_t code, uint8_t *len)
{
	for (size_t i = 240; i + 1 < n && msg[i] != 255;) {
		if (msg[i] == 0) {
			i++;
			continue;
		}
		if (msg[i] == code && i + 2 + msg[i + 1] <= n) {
			*len = msg[i + 1];
			return msg + i + 2;
		}
		i += 2 + msg[i + 1];
	}
	return NULL;
}

/* A server reply of the given type to xid, into m (300 bytes); its length. */
static size_t reply(uint8_t *m, uint8_t type, uint32_t xid)
{
	/* clang-format off */
	static const uint8_t opts[] = {
	    54, 4, 10, 0, 0, 1,		/* server identifier 10.0.0.1 */
	    1, 4, 255, 255, 255, 0,	/* subnet mask /24 */
	    3, 4, 10, 0, 0, 1,		/* router */
	    6, 4, 10, 0, 0, 53,		/* DNS server */
	    51, 4, 0, 0, 14, 16,	/* lease: 3600 s */
	    26, 2, 5, 220,		/* MTU 1500 */
	    255,
	};
	/* clang-format on */
	uint32_t yi = type == PITH_DHCP_NAK ? 0 : OFFERED;

	memset(m, 0, 300);
	m[0] = 2, m[1] = 1, m[2] = 6;
	m[4] = (uint8_t)(xid >> 24), m[5] = (uint8_t)(xid >> 16), m[6] = (uint8_t)(xid >> 8);
	m[7] = (uint8_t)xid;
	memcpy(m + 16, &yi, 4);
	memcpy(m + 28, mac, 6);
	m[236] = 99, m[237] = 130, m[238] = 83, m[239] = 99;
	m[240] = 53, m[241] = 1, m[242] = type;
	memcpy(m + 243, opts, sizeof(opts));
	return 300;
}

static void test_build(void)
{
	uint8_t m[PITH_DHCP_MSG_MAX], len;
	size_t n = pith_dhcp_build(m, PITH_DHCP_REQUEST, 0x01020304, mac, OFFERED, SERVER, 3);
	const uint8_t *o;

	CHECK(n >= 300);
	CHECK(m[0] == 1 && m[1] == 1 && m[2] == 6);		 /* BOOTREQUEST, Ethernet */
	CHECK(m[4] == 1 && m[5] == 2 && m[6] == 3 && m[7] == 4); /* xid */
	CHECK(m[8] == 0 && m[9] == 3 && m[10] == 0x80);		 /* secs, broadcast flag */
	CHECK(memcmp(m + 28, mac, 6) == 0);
	CHECK(m[236] == 99 && m[237] == 130 && m[238] == 83 && m[239] == 99);
	CHECK((o = find_opt(m, n, 53, &len)) && len == 1 && o[0] == PITH_DHCP_REQUEST);
	CHECK((o = find_opt(m, n, 50, &len)) && len == 4 && memcmp(o, "\x0a\x00\x00\x32", 4) == 0);
	CHECK((o = find_opt(m, n, 54, &len)) && len == 4 && memcmp(o, "\x0a\x00\x00\x01", 4) == 0);
	CHECK((o = find_opt(m, n, 55, &len)) && len >= 3);
	n = pith_dhcp_build(m, PITH_DHCP_DISCOVER, 1, mac, 0, 0, 0);
	CHECK(!find_opt(m, n, 50, &len) && !find_opt(m, n, 54, &len));
}

static void test_parse(void)
{
	struct pith_dhcp_lease l;
	uint8_t m[300];
	size_t n = reply(m, PITH_DHCP_OFFER, 77);

	CHECK(pith_dhcp_parse(m, n, 77, mac, &l) == 0);
	CHECK(l.type == PITH_DHCP_OFFER && l.yiaddr == OFFERED && l.server == SERVER);
	CHECK(l.netmask == 0x00ffffffu && l.router == SERVER && l.dns == DNS);
	CHECK(l.lease_s == 3600 && l.mtu == 1500);
	CHECK(pith_dhcp_parse(m, n, 78, mac, &l) == -EINVAL);	/* another xid */
	CHECK(pith_dhcp_parse(m, 239, 77, mac, &l) == -EINVAL); /* truncated */
	m[28] ^= 1;
	CHECK(pith_dhcp_parse(m, n, 77, mac, &l) == -EINVAL); /* another client */
	reply(m, PITH_DHCP_OFFER, 77);
	m[0] = 1;
	CHECK(pith_dhcp_parse(m, n, 77, mac, &l) == -EINVAL); /* a request, not a reply */
	reply(m, PITH_DHCP_OFFER, 77);
	m[236] = 0;
	CHECK(pith_dhcp_parse(m, n, 77, mac, &l) == -EINVAL); /* no magic cookie */
	reply(m, PITH_DHCP_OFFER, 77);
	CHECK(pith_dhcp_parse(m, 246, 77, mac, &l) == -EINVAL); /* option 54 runs past */
	reply(m, PITH_DHCP_OFFER, 77);
	m[242] = PITH_DHCP_DISCOVER;
	CHECK(pith_dhcp_parse(m, n, 77, mac, &l) == -EINVAL); /* not a server's type */
	reply(m, PITH_DHCP_NAK, 77);
	CHECK(pith_dhcp_parse(m, n, 77, mac, &l) == 0 && l.type == PITH_DHCP_NAK);
}

/* ---- The fake server ------------------------------------------------------------------------ */

static int server_naks; /* NAK this many REQUESTs first */
static bool server_on;
static unsigned discovers, requests;
static bool frames_ok = true; /* every client frame: broadcast MAC, 0.0.0.0:68 -> bcast:67 */

static void server_answer(const uint8_t *fr, size_t n)
{
	static uint8_t udp[8 + 300], fo[FRAME_MAX];
	const uint8_t *m = fr + BOOTP, *t;
	uint32_t xid = (uint32_t)m[4] << 24 | m[5] << 16 | m[6] << 8 | m[7], zero = 0, bc = ~0u;
	uint8_t len, type;

	frames_ok &= memcmp(fr, "\xff\xff\xff\xff\xff\xff", 6) == 0;
	frames_ok &= memcmp(fr + 26, &zero, 4) == 0 && memcmp(fr + 30, &bc, 4) == 0;
	frames_ok &= fr[34] == 0 && fr[35] == 68 && fr[36] == 0 && fr[37] == 67;
	t = find_opt(m, n - BOOTP, 53, &len);
	if (!t || !server_on)
		return;
	discovers += t[0] == PITH_DHCP_DISCOVER;
	requests += t[0] == PITH_DHCP_REQUEST;
	type = t[0] == PITH_DHCP_DISCOVER ? PITH_DHCP_OFFER
	       : server_naks > 0	  ? (server_naks--, PITH_DHCP_NAK)
					  : PITH_DHCP_ACK;
	reply(udp + 8, type, xid);
	memcpy(udp, "\x00\x43\x00\x44\x01\x34\x00\x00", 8); /* 67 -> 68, length 308, no csum */
	net_host_rx(fo, frame_ipv4(fo, SERVER, bc, 17, 9, 0, udp, sizeof(udp)));
}

/* Each wait of the client lets 50 ms pass; frames to UDP port 67 get an answer. */
static bool server_poll(uint64_t now)
{
	uint8_t fr[FRAME_MAX];
	size_t n;

	(void)now;
	net_host_now += 50 * MS;
	while ((n = net_host_tx(fr, sizeof(fr))) > 0)
		if (n > BOOTP + 240 && fr[23] == 17 && fr[37] == 67)
			server_answer(fr, n);
	return false;
}

PITH_POLLER(dhcp_test_server, .poll = server_poll);

static void unconfigure(void)
{
	pith_netif.configured = false;
	pith_netif.ip = pith_netif.netmask = pith_netif.gateway = pith_netif.dns = 0;
}

static void test_no_server(void)
{
	uint64_t t0 = net_host_now, rtx = counter("dhcp_retransmits");

	unconfigure();
	server_on = false;
	CHECK(pith_dhcp_configure(2000 * MS) == -ETIMEDOUT);
	CHECK(net_host_now - t0 >= 2000 * MS && net_host_now - t0 < 2200 * MS);
	CHECK(!pith_netif.configured && pith_netif.ip == 0);
	/* 0.5 s, then 1 s: retransmits at 0.5 and 1.5 s */
	CHECKF(counter("dhcp_retransmits") - rtx == 2, "%llu retransmits",
	       (unsigned long long)(counter("dhcp_retransmits") - rtx));
}

static void test_exchange(int naks)
{
	unconfigure();
	server_on = true;
	server_naks = naks;
	discovers = requests = 0;
	CHECK(pith_dhcp_configure(3000 * MS) == 0);
	CHECK(discovers == 1u + naks && requests == 1u + naks);
	CHECK(pith_netif.configured && pith_netif.ip == OFFERED);
	CHECK(pith_netif.netmask == 0x00ffffffu && pith_netif.gateway == SERVER);
	CHECK(pith_netif.dns == DNS);
}

int main(void)
{
	size_t kmem;

	net_host_init();
	test_build();
	test_parse();
	test_exchange(0);
	kmem = net_host_kmem; /* after the packet pool grew to what an exchange needs */
	test_no_server();
	test_exchange(1);
	CHECK(frames_ok);
	CHECK_U64(net_host_kmem, kmem); /* the clients' sockets are gone */
	return test__done();
}
