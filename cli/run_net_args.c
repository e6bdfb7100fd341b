/* The networking options of `pith run` (--net, -p, --ip, --gw, --dns, --mac, --mtu, --tap-fd). */
#include "run_args.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TAP_NAME_MAX 15 /* IFNAMSIZ - 1 */

static const char port_usage[] = "run: -p needs HOST:GUEST ports (1-65535), e.g. -p 8080:80";

__attribute__((format(printf, 2, 3))) static int fail(struct run_net_args *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->err, n->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A decimal number of len bytes at s in [lo, hi], digits only; -1 if it is not one. */
static long number(const char *s, size_t len, long lo, long hi)
{
	long v = 0;

	if (len == 0 || len > 9)
		return -1;
	for (size_t k = 0; k < len; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	return v >= lo && v <= hi ? v : -1;
}

/* A dotted-quad IPv4 address of len bytes at s, in network order; 0 if it is not one. */
static int ipv4(const char *s, size_t len, uint32_t *addr)
{
	char buf[16];
	struct in_addr a;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return 0;
	*addr = a.s_addr;
	return 1;
}

/* The text of an address in network order, in buf (INET_ADDRSTRLEN bytes). */
static const char *ip_text(uint32_t addr, char *buf)
{
	struct in_addr a = {.s_addr = addr};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* --net tap:NAME | user | none | socket:PATH */
static int take_net(struct run_net_args *n, const char *v)
{
	struct net_config *c = n->cfg;

	n->kind_given = true;
	if (strncmp(v, "tap:", 4) == 0 && v[4]) {
		if (strlen(v + 4) > TAP_NAME_MAX)
			return fail(n, "run: --net %s: a tap name has at most %d characters", v,
				    TAP_NAME_MAX);
		c->kind = NET_TAP;
		c->tap_name = v + 4;
	} else if (strncmp(v, "socket:", 7) == 0 && v[7]) {
		c->kind = NET_STREAM;
		c->socket_path = v + 7;
	} else if (strcmp(v, "user") == 0) {
		c->kind = NET_PASST;
	} else if (strcmp(v, "none") == 0) {
		c->kind = NET_NONE;
	} else {
		return fail(n, "run: --net needs tap:NAME, user, socket:PATH or none, e.g. "
			       "--net tap:pith0");
	}
	return 0;
}

/* The ports of -p: "HOST:GUEST" (len bytes at s). */
static int take_ports(struct run_net_args *n, const char *s, size_t len, struct net_port *p)
{
	const char *colon = memchr(s, ':', len);
	long host, guest;

	if (!colon)
		return fail(n, "%s", port_usage);
	host = number(s, (size_t)(colon - s), 1, 65535);
	guest = number(colon + 1, len - (size_t)(colon + 1 - s), 1, 65535);
	if (host < 0 || guest < 0)
		return fail(n, "%s", port_usage);
	p->host = (uint16_t)host;
	p->guest = (uint16_t)guest;
	return 0;
}

/* A second -p for the same host port and protocol: passt could bind it only once. */
static int check_port_unique(struct run_net_args *n, const struct net_port *p)
{
	const struct net_config *c = n->cfg;

	for (unsigned k = 0; k < c->nports; k++)
		if (c->ports[k].host == p->host && c->ports[k].udp == p->udp)
			return fail(n, "run: -p publishes host port %u/%s twice; give each once",
				    p->host, p->udp ? "udp" : "tcp");
	return 0;
}

/* -p [ADDR:]HOST:GUEST[/tcp|/udp] */
static int take_publish(struct run_net_args *n, const char *v)
{
	struct net_port p = {0};
	const char *slash = strchr(v, '/'), *end = slash ? slash : v + strlen(v);
	const char *first = memchr(v, ':', (size_t)(end - v));

	if (n->cfg->nports >= NET_PORTS_MAX)
		return fail(n, "run: at most %d -p options", NET_PORTS_MAX);
	if (slash && strcmp(slash, "/tcp") != 0 && strcmp(slash, "/udp") != 0)
		return fail(n, "run: -p takes /tcp or /udp after the ports, e.g. -p 5353:53/udp");
	p.udp = slash && strcmp(slash, "/udp") == 0;
	if (first && memchr(first + 1, ':', (size_t)(end - first - 1))) {
		if (!ipv4(v, (size_t)(first - v), &p.host_addr))
			return fail(n, "run: -p ADDR:HOST:GUEST needs an IPv4 address for ADDR, "
				       "e.g. -p 127.0.0.1:8080:80");
		v = first + 1;
	}
	if (take_ports(n, v, (size_t)(end - v), &p) < 0 || check_port_unique(n, &p) < 0)
		return -1;
	n->cfg->ports[n->cfg->nports++] = p;
	return 0;
}

/* --ip A.B.C.D/N */
static int take_ip(struct run_net_args *n, const char *v)
{
	const char *slash = strchr(v, '/');
	long len = slash ? number(slash + 1, strlen(slash + 1), 1, 32) : -1;
	uint32_t a;

	if (len < 0 || !ipv4(v, (size_t)(slash - v), &a) || a == 0 || (ntohl(a) >> 28) >= 14)
		return fail(n, "run: --ip needs an IPv4 address and prefix length, e.g. "
			       "--ip 10.0.7.2/24");
	n->cfg->ip = a;
	n->cfg->prefix_len = (uint8_t)len;
	return 0;
}

/* --gw and --dns: one IPv4 unicast address. */
static int take_addr(struct run_net_args *n, const char *opt, const char *v, uint32_t *out)
{
	uint32_t a;

	if (!ipv4(v, strlen(v), &a) || a == 0 || (ntohl(a) >> 28) >= 14)
		return fail(n, "run: %s needs an IPv4 address, e.g. %s 10.0.7.1", opt, opt);
	*out = a;
	return 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
		return (ch | 0x20) - 'a' + 10;
	return -1;
}

/* --mac xx:xx:xx:xx:xx:xx, unicast and not all zero. */
static int take_mac(struct run_net_args *n, const char *v)
{
	uint8_t m[6], any = 0;

	for (int k = 0; k < 6; k++, v += 3) {
		int hi = hex_digit(v[0]), lo = hi < 0 ? -1 : hex_digit(v[1]);

		if (lo < 0 || v[2] != (k < 5 ? ':' : 0))
			break;
		m[k] = (uint8_t)(hi << 4 | lo);
		any |= m[k];
		if (k == 5 && !(m[0] & 1) && any) {
			memcpy(n->cfg->mac, m, 6);
			return 0;
		}
	}
	return fail(n, "run: --mac needs a unicast MAC address, e.g. --mac 02:00:00:00:00:01");
}

/* --mtu N and --tap-fd N: numbers. */
static int take_number(struct run_net_args *n, const char *opt, const char *v)
{
	long x;

	if (strcmp(opt, "--mtu") == 0) {
		x = number(v, strlen(v), 576, 1500);
		if (x < 0)
			return fail(n, "run: --mtu needs a number from 576 to 1500 (larger "
				       "frames are not supported yet), e.g. --mtu 1400");
		n->cfg->mtu = (uint16_t)x;
		return 0;
	}
	x = number(v, strlen(v), 0, 1 << 20);
	if (x < 0)
		return fail(n, "run: --tap-fd needs the number of an open tap fd, e.g. --tap-fd 3");
	n->cfg->tap_fd = (int)x;
	return 0;
}

/* The value of the networking option opt. */
static int take_value(struct run_net_args *n, const char *opt, const char *v)
{
	if (strcmp(opt, "--net") == 0)
		return take_net(n, v);
	if (strcmp(opt, "--publish") == 0)
		return take_publish(n, v);
	if (strcmp(opt, "--ip") == 0)
		return take_ip(n, v);
	if (strcmp(opt, "--gw") == 0)
		return take_addr(n, opt, v, &n->cfg->gateway);
	if (strcmp(opt, "--dns") == 0)
		return take_addr(n, opt, v, &n->cfg->dns);
	if (strcmp(opt, "--mac") == 0)
		return take_mac(n, v);
	return take_number(n, opt, v);
}

/* What each option says when its value is missing. */
static int missing(struct run_net_args *n, const char *opt)
{
	if (strcmp(opt, "--net") == 0)
		return take_net(n, "");
	if (strcmp(opt, "--publish") == 0)
		return fail(n, "%s", port_usage);
	if (strcmp(opt, "--ip") == 0)
		return take_ip(n, "");
	if (strcmp(opt, "--mac") == 0)
		return take_mac(n, "");
	if (strcmp(opt, "--gw") == 0 || strcmp(opt, "--dns") == 0)
		return take_addr(n, opt, "", &(uint32_t){0});
	return take_number(n, opt, "");
}

int run_net_args__take(struct run_net_args *n, int argc, char **argv, int *i)
{
	static const char *const opts[] = {"--net", "--publish", "--ip",  "--gw",
					   "--dns", "--mac",	 "--mtu", "--tap-fd"};
	char *val = NULL;

	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		const char *sopt = strcmp(opts[k], "--publish") == 0 ? "-p" : NULL;
		int m = run_args__option_value(argc, argv, i, opts[k], sopt, &val);

		if (m > 0)
			return take_value(n, opts[k], val) < 0 ? -1 : 1;
		if (m < 0)
			return missing(n, opts[k]);
	}
	return 0;
}

static const char *kind_name(enum net_kind kind)
{
	static const char *const names[] = {"none", "tap", "user", "socket"};

	return names[kind];
}

/* --tap-fd and -p choose the kind when --net did not; both must agree with --net. */
static int finish_kind(struct run_net_args *n)
{
	struct net_config *c = n->cfg;

	if (c->tap_fd >= 0) {
		if (n->kind_given && c->kind != NET_TAP)
			return fail(n,
				    "run: --tap-fd cannot be used with --net %s; drop one of them",
				    kind_name(c->kind));
		c->kind = NET_TAP;
		n->kind_given = true;
	}
	if (c->nports == 0)
		return 0;
	if (n->kind_given && c->kind != NET_PASST)
		return fail(n,
			    "run: -p publishes ports through user-mode networking, not --net %s; "
			    "drop -p, or use --net user",
			    kind_name(c->kind));
	c->kind = NET_PASST;
	return 0;
}

/* The first address option given without a network, or NULL. */
static const char *orphan_option(const struct net_config *c)
{
	if (c->ip)
		return "--ip";
	if (c->gateway)
		return "--gw";
	if (c->dns)
		return "--dns";
	if (c->mac[0] | c->mac[1] | c->mac[2] | c->mac[3] | c->mac[4] | c->mac[5])
		return "--mac";
	return c->mtu ? "--mtu" : NULL;
}

/* The static address: a host address of its subnet, and a gateway on that subnet. */
static int finish_addresses(struct run_net_args *n)
{
	struct net_config *c = n->cfg;
	uint32_t mask = c->prefix_len ? ~0u << (32 - c->prefix_len) : 0, host = ntohl(c->ip);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (c->gateway && !c->ip)
		return fail(n, "run: --gw needs --ip (without --ip the guest asks DHCP for its "
			       "gateway)");
	if (!c->ip)
		return 0;
	if (c->prefix_len <= 30 && ((host & ~mask) == 0 || (host & ~mask) == ~mask))
		return fail(n,
			    "run: --ip %s/%u is its subnet's network or broadcast address; "
			    "choose a host address",
			    ip_text(c->ip, a), c->prefix_len);
	if (c->gateway && ((ntohl(c->gateway) ^ host) & mask))
		return fail(n,
			    "run: --gw %s is not on the subnet of --ip %s/%u; choose a gateway "
			    "the guest can reach",
			    ip_text(c->gateway, b), ip_text(c->ip, a), c->prefix_len);
	return 0;
}

int run_net_args__finish(struct run_net_args *n)
{
	struct net_config *c = n->cfg;
	const char *orphan;

	if (finish_kind(n) < 0)
		return -1;
	orphan = orphan_option(c);
	if (c->kind == NET_NONE && orphan)
		return fail(n,
			    "run: %s needs a network; add --net tap:NAME, --net user or "
			    "-p HOST:GUEST",
			    orphan);
	if (finish_addresses(n) < 0)
		return -1;
	c->dhcp = c->kind != NET_NONE && c->ip == 0;
	return 0;
}
