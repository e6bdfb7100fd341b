/* `pith run --stats`: every non-zero counter of the pith_counters section, and a few gauges. */
#include <stddef.h>
#include <string.h>

#include "console/console.h"
#include "core/core.h"
#include "net/lower.h"
#include "net/net.h"

/* Weak: an image whose objects declare no counter has no such section. */
extern const struct pith_counter __start_pith_counters[] __attribute__((weak));
extern const struct pith_counter __stop_pith_counters[] __attribute__((weak));

/* Appends the decimal digits of v at p; returns the new end. */
static char *stats_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* One line, `pith: stats: <name> <value>`, to stderr. */
static void stats_line(const char *name, uint64_t value)
{
	static const char prefix[] = "pith: stats: ";
	char line[sizeof(prefix) + 96 + 24];
	size_t n = strlen(name);
	char *p = line;

	if (n > 96)
		n = 96;
	memcpy(p, prefix, sizeof(prefix) - 1);
	p += sizeof(prefix) - 1;
	memcpy(p, name, n);
	p += n;
	*p++ = ' ';
	p = stats_u64(p, value);
	*p++ = '\n';
	pith_console_out(2, line, (size_t)(p - line));
}

/* Gauges: the state at exit rather than events. */
static void stats_gauges(void)
{
	unsigned pkts, in_use, frags;
	size_t frag_bytes;

	pith_pkt_pool_stats(&pkts, &in_use);
	pith_frag_stats(&frags, &frag_bytes);
	stats_line("gauge_pkt_buffers", pkts);
	stats_line("gauge_pkt_in_use", in_use);
	stats_line("gauge_tx_ring_pending", pith_netif_tx_pending());
	stats_line("gauge_arp_entries", pith_arp_entries());
	stats_line("gauge_frag_datagrams", frags);
	stats_line("gauge_frag_bytes", frag_bytes);
}

void pith_net_stats_print(void)
{
	for (const struct pith_counter *c = __start_pith_counters; c && c < __stop_pith_counters;
	     c++)
		if (*c->value)
			stats_line(c->name, *c->value);
	stats_gauges();
}

/*
 * Called by netif.c's exit hook: nothing else references this object, and that call is what
 * links it into every image with a network stack.
 */
void pith_net_stats_exit(void)
{
	if (pith_boot_info->flags & PITH_BOOT_STATS)
		pith_net_stats_print();
}
