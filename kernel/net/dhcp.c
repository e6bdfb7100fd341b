/* The DHCP client (RFC 2131 section 3.1): DISCOVER, OFFER, REQUEST, ACK, then pith_netif. */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/dhcp.h"
#include "net/net.h"
#include "net/socket.h"
#include "random/random.h"
#include "time/time.h"
#include "time/wait.h"

PITH_COUNTER(dhcp_offers);
PITH_COUNTER(dhcp_acks);
PITH_COUNTER(dhcp_naks);
PITH_COUNTER(dhcp_retransmits);
PITH_COUNTER(dhcp_drop_bad_reply);

#define RTO_FIRST_NS 500000000ull /* 0.5 s, doubling: RFC 2131 section 4.1 asks 4 s, too long */
#define RTO_MAX_NS   4000000000ull

/* One DHCP exchange in progress. */
struct dhcp {
	struct pith_file *f;
	uint32_t xid;
	uint64_t start_ns, deadline_ns;
};

static const struct pith_sock_ops *ops(const struct dhcp *d)
{
	return d->f->ops->sock;
}

/* Sends one message to 255.255.255.255:67 from 0.0.0.0:68 (section 4.1). */
static void dhcp_send(struct dhcp *d, uint8_t type, uint32_t req_ip, uint32_t server)
{
	uint8_t msg[PITH_DHCP_MSG_MAX];
	uint64_t secs = (pith_time_monotonic_ns() - d->start_ns) / 1000000000u;
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = pith_htons(PITH_DHCP_SERVER_PORT),
				 .sin_addr.s_addr = 0xffffffffu};
	struct iovec iov = {msg, pith_dhcp_build(msg, type, d->xid, pith_netif.mac, req_ip, server,
						 secs > 0xffff ? 0xffff : (uint16_t)secs)};

	ops(d)->sendmsg(d->f, &iov, 1, iov.iov_len, &to, 0);
}

/* The next reply of one of the wanted types (bit 1 << type) already queued; -EAGAIN if none. */
static int dhcp_recv(struct dhcp *d, unsigned want, struct pith_dhcp_lease *l)
{
	uint8_t msg[PITH_DHCP_MSG_MAX];
	struct iovec iov = {msg, sizeof(msg)};
	int msg_flags = 0;
	long n;

	while ((n = ops(d)->recvmsg(d->f, &iov, 1, sizeof(msg), NULL, 0, &msg_flags)) >= 0) {
		if (pith_dhcp_parse(msg, n, d->xid, pith_netif.mac, l) == 0 &&
		    (want & (1u << l->type)))
			return 0;
		PITH_COUNT(dhcp_drop_bad_reply); /* another client's, malformed or unexpected */
	}
	return -EAGAIN;
}

/* Sends a message and waits for a wanted reply, retransmitting with exponential backoff
   (section 4.1); -ETIMEDOUT at the deadline. */
static int dhcp_exchange(struct dhcp *d, uint8_t type, uint32_t req_ip, uint32_t server,
			 unsigned want, struct pith_dhcp_lease *l)
{
	uint64_t rto = RTO_FIRST_NS, next;

	dhcp_send(d, type, req_ip, server);
	next = pith_time_monotonic_ns() + rto;
	for (;;) {
		uint64_t now;

		if (dhcp_recv(d, want, l) == 0)
			return 0;
		now = pith_time_monotonic_ns();
		if (now >= d->deadline_ns)
			return -ETIMEDOUT;
		if (now >= next) {
			PITH_COUNT(dhcp_retransmits);
			dhcp_send(d, type, req_ip, server);
			rto = rto * 2 > RTO_MAX_NS ? RTO_MAX_NS : rto * 2;
			next = now + rto;
		}
		pith_io_wait(next < d->deadline_ns ? next : d->deadline_ns);
	}
}

/* Section 4.4.1's natural mask when the server gives none (classful, as most clients do). */
static uint32_t default_mask(uint32_t ip)
{
	uint32_t h = pith_ntohl(ip);

	return pith_htonl(h < 0x80000000u   ? 0xff000000u
			  : h < 0xc0000000u ? 0xffff0000u
					    : 0xffffff00u);
}

static void dhcp_apply(const struct pith_dhcp_lease *l)
{
	pith_netif.ip = l->yiaddr;
	pith_netif.netmask = l->netmask ? l->netmask : default_mask(l->yiaddr);
	pith_netif.gateway = l->router;
	pith_netif.dns = l->dns;
	if (l->mtu >= 576 && l->mtu < pith_netif.mtu)
		pith_netif.mtu =
		    l->mtu; /* RFC 2132 section 5.1: 68 is legal, below 576 is ignored */
	pith_netif.configured = true;
}

/* SELECTING then REQUESTING (section 4.4.1); a NAK starts over. */
static int dhcp_run(struct dhcp *d)
{
	struct pith_dhcp_lease offer, ack;
	int err;

	for (;;) {
		err = dhcp_exchange(d, PITH_DHCP_DISCOVER, 0, 0, 1u << PITH_DHCP_OFFER, &offer);
		if (err < 0)
			return err;
		PITH_COUNT(dhcp_offers);
		err = dhcp_exchange(d, PITH_DHCP_REQUEST, offer.yiaddr, offer.server,
				    1u << PITH_DHCP_ACK | 1u << PITH_DHCP_NAK, &ack);
		if (err < 0)
			return err;
		if (ack.type == PITH_DHCP_ACK) {
			PITH_COUNT(dhcp_acks);
			dhcp_apply(&ack);
			return 0;
		}
		PITH_COUNT(dhcp_naks);
		d->xid++;
	}
}

/* A UDP socket on 0.0.0.0:68 that may send broadcasts. */
static int dhcp_socket(struct pith_file **f)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = pith_htons(PITH_DHCP_CLIENT_PORT)};
	int one = 1, err = pith_udp_socket(f);

	if (err < 0)
		return err;
	err = (*f)->ops->sock->setsockopt(*f, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	if (err == 0)
		err = (*f)->ops->sock->bind(*f, &a);
	if (err < 0)
		pith_file_put(*f);
	return err;
}

int pith_dhcp_configure(uint64_t timeout_ns)
{
	struct dhcp d;
	int err = dhcp_socket(&d.f);

	if (err < 0)
		return err;
	pith_random_bytes(&d.xid, sizeof(d.xid));
	d.start_ns = pith_time_monotonic_ns();
	d.deadline_ns = d.start_ns + timeout_ns;
	err = dhcp_run(&d);
	pith_file_put(d.f);
	return err;
}
