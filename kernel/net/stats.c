/* `pith run --stats`: the network stack's gauges (its counters are printed by core/counter.c). */
#include "core/core.h"
#include "core/counter.h"
#include "net/lower.h"
#include "net/net.h"

/* Gauges: the state at exit rather than events. */
static void stats_gauges(void)
{
	unsigned pkts, in_use, frags;
	size_t frag_bytes;

	pith_pkt_pool_stats(&pkts, &in_use);
	pith_frag_stats(&frags, &frag_bytes);
	pith_counter_line("gauge_pkt_buffers", pkts);
	pith_counter_line("gauge_pkt_in_use", in_use);
	pith_counter_line("gauge_tx_ring_pending", pith_netif_tx_pending());
	pith_counter_line("gauge_arp_entries", pith_arp_entries());
	pith_counter_line("gauge_frag_datagrams", frags);
	pith_counter_line("gauge_frag_bytes", frag_bytes);
}

void pith_net_stats_print(void)
{
	pith_counters_print();
	stats_gauges();
}

/*
 * Called by netif.c's exit hook: nothing else references this object, and that call is what
 * links it into every image with a network stack. The counters have their own exit hook.
 */
void pith_net_stats_exit(void)
{
	if (pith_boot_info->flags & PITH_BOOT_STATS)
		stats_gauges();
}
