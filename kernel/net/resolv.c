/* /etc/resolv.conf and /etc/hosts, synthesized from the network configuration for musl. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vfs/vfs.h"
#include "net/net.h"

/* Referenced by socket.c so that every image with sockets links this file. */
const char pith_resolv_linked;

/* Appends s to buf (n bytes used of cap); the new length. Never overflows. */
static size_t put_str(char *buf, size_t cap, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len > cap - n)
		len = cap - n;
	memcpy(buf + n, s, len);
	return n + len;
}

/* Appends a dotted-quad address (network order). */
static size_t put_ip(char *buf, size_t cap, size_t n, uint32_t addr)
{
	uint32_t h = pith_ntohl(addr);
	char s[16], *p = s;

	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned b = (h >> shift) & 0xff;

		if (b >= 100)
			*p++ = (char)('0' + b / 100);
		if (b >= 10)
			*p++ = (char)('0' + b / 10 % 10);
		*p++ = (char)('0' + b % 10);
		if (shift)
			*p++ = '.';
	}
	*p = 0;
	return put_str(buf, cap, n, s);
}

/* resolv.conf(5): the DNS server from the boot info or DHCP; empty without one (musl then
   asks 127.0.0.1). The network starts first: musl reads this before its first socket. */
static size_t resolv_fill(char *buf, size_t cap)
{
	size_t n = 0;

	pith_net_start();
	if (pith_netif.configured && pith_netif.dns) {
		n = put_str(buf, cap, n, "nameserver ");
		n = put_ip(buf, cap, n, pith_netif.dns);
		n = put_str(buf, cap, n, "\n");
	}
	return n;
}

/* hosts(5): the loopback names. */
static size_t hosts_fill(char *buf, size_t cap)
{
	return put_str(buf, cap, 0,
		       "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
}

PITH_SYNTH_FILE(resolv_conf, "/etc/resolv.conf", resolv_fill);
PITH_SYNTH_FILE(hosts, "/etc/hosts", hosts_fill);
