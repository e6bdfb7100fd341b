/* Ethernet II framing (IEEE 802.3 / RFC 894): frames in from the NIC, headers on frames out. */
#include <string.h>

#include "net/lower.h"
#include "net/net.h"

PITH_COUNTER(eth_drop_short);
PITH_COUNTER(eth_drop_not_ours);
PITH_COUNTER(eth_drop_unknown_type);
PITH_COUNTER(eth_rx_frames);

static const uint8_t eth_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Ours, or broadcast. Multicast groups are never joined, so other group addresses are not. */
static bool eth_for_us(const uint8_t *dst)
{
	return memcmp(dst, pith_netif.mac, 6) == 0 || memcmp(dst, eth_broadcast, 6) == 0;
}

void pith_eth_input(struct pith_pkt *p)
{
	uint16_t type;

	PITH_COUNT(eth_rx_frames);
	if (p->len < PITH_ETH_HLEN) {
		PITH_COUNT(eth_drop_short);
		return;
	}
	if (!eth_for_us(p->data)) {
		PITH_COUNT(eth_drop_not_ours);
		return;
	}
	type = (uint16_t)(p->data[12] << 8 | p->data[13]);
	pith_pkt_pull(p, PITH_ETH_HLEN);
	if (type == PITH_ETH_P_IP)
		pith_ipv4_input(p);
	else if (type == PITH_ETH_P_ARP)
		pith_arp_input(p);
	else
		PITH_COUNT(eth_drop_unknown_type);
}

void pith_eth_output(struct pith_pkt *p, const uint8_t dst[6], uint16_t type)
{
	uint8_t *h = pith_pkt_push(p, PITH_ETH_HLEN);

	memcpy(h, dst, 6);
	memcpy(h + 6, pith_netif.mac, 6);
	h[12] = (uint8_t)(type >> 8);
	h[13] = (uint8_t)type;
	pith_netif_xmit(p);
}
