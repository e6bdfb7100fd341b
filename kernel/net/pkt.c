/* Transmit packets: a bounded pool of PITH_PKT_BUF_SIZE buffers from kernel memory. */
#include "core/core.h"
#include "mem/mem.h"
#include "net/net.h"
#include "net/lower.h"

/* At most this many transmit packets exist at once (ring + ARP/TCP queues); 2 KiB each. */
#define PKT_POOL_MAX 1024

PITH_COUNTER(netif_drop_no_tx_buffer);

static struct pith_pkt *pkt_free_list;
static unsigned pkt_total; /* packets allocated from kernel memory (free or in use) */
static unsigned pkt_in_use;

static struct pith_pkt *pkt_new(void)
{
	struct pith_pkt *p = pith_kmalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->buf = pith_kmalloc(PITH_PKT_BUF_SIZE);
	if (!p->buf) {
		pith_kfree(p, sizeof(*p));
		return NULL;
	}
	pkt_total++;
	return p;
}

static struct pith_pkt *pkt_take(void)
{
	struct pith_pkt *p = pkt_free_list;

	if (p) {
		pkt_free_list = p->next;
		return p;
	}
	if (pkt_total < PKT_POOL_MAX)
		return pkt_new();
	return NULL;
}

struct pith_pkt *pith_pkt_alloc(void)
{
	struct pith_pkt *p = pkt_take();

	if (!p && pith_netif_reclaim() > 0)
		p = pkt_take();
	if (!p) {
		PITH_COUNT(netif_drop_no_tx_buffer);
		return NULL;
	}
	pkt_in_use++;
	p->data = p->buf + PITH_PKT_HEADROOM;
	p->len = 0;
	p->flags = 0;
	p->next = NULL;
	return p;
}

void pith_pkt_free(struct pith_pkt *p)
{
	if (!p)
		return;
	PITH_ASSERT(pkt_in_use > 0);
	pkt_in_use--;
	p->next = pkt_free_list;
	pkt_free_list = p;
}

void *pith_pkt_put(struct pith_pkt *p, size_t n)
{
	uint8_t *end = p->data + p->len;

	PITH_ASSERT_MSG(n <= (size_t)(p->buf + PITH_PKT_BUF_SIZE - end), "packet overflow");
	p->len += n;
	return end;
}

void *pith_pkt_push(struct pith_pkt *p, size_t n)
{
	PITH_ASSERT_MSG(n <= (size_t)(p->data - p->buf), "packet headroom exhausted");
	p->data -= n;
	p->len += n;
	return p->data;
}

void pith_pkt_pull(struct pith_pkt *p, size_t n)
{
	PITH_ASSERT(n <= p->len);
	p->data += n;
	p->len -= n;
}

void pith_pkt_pool_stats(unsigned *total, unsigned *in_use)
{
	*total = pkt_total;
	*in_use = pkt_in_use;
}
