/* IPv4 reassembly (RFC 791 section 3.2, RFC 815): bounded buffers, 30 s timeout, no overlaps. */
#include <string.h>

#include "mem/mem.h"
#include "net/lower.h"
#include "net/net.h"
#include "time/time.h"
#include "time/wait.h"

#define FRAG_SLOTS	 8		      /* datagrams reassembled at once */
#define FRAG_BYTES_MAX	 (256u * 1024)	      /* all their buffers together */
#define FRAG_PIECES	 64		      /* fragments of one datagram */
#define FRAG_TIMEOUT_NS	 (30ull * 1000000000) /* from the first fragment */
#define FRAG_PAYLOAD_MAX (65535u - 20)	      /* a datagram's data, after its header */
#define FRAG_CHUNK	 4096u		      /* buffers grow in these steps */

PITH_COUNTER(frag_drop_bad_length);
PITH_COUNTER(frag_drop_too_big);
PITH_COUNTER(frag_drop_overlap);
PITH_COUNTER(frag_drop_duplicate);
PITH_COUNTER(frag_drop_too_many);
PITH_COUNTER(frag_drop_no_memory);
PITH_COUNTER(frag_drop_evicted);
PITH_COUNTER(frag_drop_timeout);
PITH_COUNTER(frag_reassembled);

/* Bytes [first, end) of the datagram's data have arrived. */
struct frag_range {
	uint32_t first, end;
};

struct frag_dgram {
	bool used;
	bool have_last; /* the fragment with MF clear arrived: total is known */
	uint8_t proto;
	uint16_t id;
	uint32_t src, dst;
	uint32_t total;	   /* the data's length, once have_last */
	uint32_t received; /* bytes in ranges (disjoint, so complete when == total) */
	uint64_t expires_ns;
	uint64_t seq; /* creation order: the oldest is evicted first */
	uint8_t *buf; /* the data, cap bytes */
	size_t cap;
	uint16_t hdr_len; /* the first fragment's header, once it arrived (else 0) */
	_Alignas(4) uint8_t hdr[60];
	unsigned nr; /* received ranges, sorted by first */
	struct frag_range r[FRAG_PIECES];
};

static struct frag_dgram frag_slots[FRAG_SLOTS];
static size_t frag_bytes; /* sum of the slots' cap */
static uint64_t frag_seq;

void pith_frag_stats(unsigned *datagrams, size_t *bytes)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FRAG_SLOTS; i++)
		n += frag_slots[i].used;
	*datagrams = n;
	*bytes = frag_bytes;
}

static void frag_release(struct frag_dgram *d)
{
	if (d->buf)
		pith_kfree(d->buf, d->cap);
	frag_bytes -= d->cap;
	memset(d, 0, sizeof(*d));
}

/* RFC 791: fragments of one datagram share source, destination, protocol and identification. */
static struct frag_dgram *frag_find(const struct pith_iphdr *h)
{
	for (unsigned i = 0; i < FRAG_SLOTS; i++) {
		struct frag_dgram *d = &frag_slots[i];

		if (d->used && d->id == h->id && d->src == h->src && d->dst == h->dst &&
		    d->proto == h->proto)
			return d;
	}
	return NULL;
}

/* A free slot, or the oldest datagram's (dropped): a flood of fragments cannot pin them all. */
static struct frag_dgram *frag_new(const struct pith_iphdr *h)
{
	struct frag_dgram *d = &frag_slots[0];

	for (unsigned i = 0; i < FRAG_SLOTS && d->used; i++)
		if (!frag_slots[i].used || frag_slots[i].seq < d->seq)
			d = &frag_slots[i];
	if (d->used) {
		PITH_COUNT(frag_drop_evicted);
		frag_release(d);
	}
	d->used = true;
	d->seq = ++frag_seq;
	d->id = h->id;
	d->src = h->src;
	d->dst = h->dst;
	d->proto = h->proto;
	d->expires_ns = pith_time_monotonic_ns() + FRAG_TIMEOUT_NS;
	return d;
}

/*
 * Where [first, end) goes among the received ranges: its index, or -1 if it overlaps one (RFC
 * 5722's rule, applied to IPv4: the whole datagram is dropped), -2 if it is an exact duplicate
 * (only the copy is dropped). The gaps between ranges are RFC 815's hole list.
 */
static int frag_slot_for(const struct frag_dgram *d, uint32_t first, uint32_t end)
{
	unsigned i = 0;

	while (i < d->nr && d->r[i].end <= first)
		i++;
	if (i < d->nr && d->r[i].first == first && d->r[i].end == end)
		return -2;
	if (i < d->nr && d->r[i].first < end)
		return -1;
	return (int)i;
}

/* The buffer holds at least need bytes; false (counted) if the byte budget is spent. */
static bool frag_reserve(struct frag_dgram *d, size_t need)
{
	size_t cap = (need + FRAG_CHUNK - 1) / FRAG_CHUNK * FRAG_CHUNK;
	uint8_t *b;

	if (need <= d->cap)
		return true;
	if (frag_bytes - d->cap + cap > FRAG_BYTES_MAX || !(b = pith_kmalloc(cap))) {
		PITH_COUNT(frag_drop_no_memory);
		return false;
	}
	if (d->buf) {
		memcpy(b, d->buf, d->cap);
		pith_kfree(d->buf, d->cap);
	}
	frag_bytes += cap - d->cap;
	d->buf = b;
	d->cap = cap;
	return true;
}

/* The last fragment fixes the length: it must not cut off data that already arrived. */
static bool frag_set_total(struct frag_dgram *d, uint32_t total)
{
	if (d->have_last ? d->total != total : d->nr && d->r[d->nr - 1].end > total)
		return false;
	d->have_last = true;
	d->total = total;
	return true;
}

/* Records [first, first + len) and copies its data; false if the datagram must be dropped. */
static bool frag_add(struct frag_dgram *d, uint32_t first, const uint8_t *data, size_t len)
{
	uint32_t end = first + (uint32_t)len;
	int i = frag_slot_for(d, first, end);

	if (i == -2) {
		PITH_COUNT(frag_drop_duplicate);
		return true;
	}
	if (i < 0 || (d->have_last && end > d->total)) {
		PITH_COUNT(frag_drop_overlap);
		return false;
	}
	if (d->nr == FRAG_PIECES) {
		PITH_COUNT(frag_drop_too_many);
		return false;
	}
	if (!frag_reserve(d, d->have_last ? d->total : end))
		return false;
	memmove(&d->r[i + 1], &d->r[i], (d->nr - (unsigned)i) * sizeof(d->r[0]));
	d->r[i] = (struct frag_range){first, end};
	d->nr++;
	d->received += (uint32_t)len;
	memcpy(d->buf + first, data, len);
	return true;
}

/* One fragment into d; false if the datagram must be dropped (counted). */
static bool frag_take(struct frag_dgram *d, uint32_t first, const uint8_t *data, size_t len,
		      bool more)
{
	if (!more && !frag_set_total(d, first + (uint32_t)len)) {
		PITH_COUNT(frag_drop_overlap);
		return false;
	}
	return frag_add(d, first, data, len);
}

static void frag_deliver(struct frag_dgram *d)
{
	const struct pith_iphdr *h = (const void *)d->hdr;
	struct pith_ip_info ip = {.src = h->src,
				  .dst = h->dst,
				  .proto = h->proto,
				  .ttl = h->ttl,
				  .tos = h->tos,
				  .hdr = d->hdr,
				  .hdr_len = d->hdr_len};
	struct pith_pkt p = {.data = d->buf, .len = d->total, .buf = d->buf};

	PITH_COUNT(frag_reassembled);
	pith_ipv4_deliver(&p, &ip);
}

/* RFC 791 section 3.1: fragments other than the last carry a multiple of 8 bytes. */
static bool frag_shape_ok(uint32_t first, size_t len, bool more)
{
	if (len == 0 || (more && len % 8)) {
		PITH_COUNT(frag_drop_bad_length);
		return false;
	}
	if (first + len > FRAG_PAYLOAD_MAX) {
		PITH_COUNT(frag_drop_too_big);
		return false;
	}
	return true;
}

void pith_frag_input(const struct pith_iphdr *h, const uint8_t *data, size_t len)
{
	uint16_t frag = pith_ntohs(h->frag);
	uint32_t first = (uint32_t)(frag & PITH_IP_OFFMASK) * 8;
	bool more = frag & PITH_IP_MF;
	struct frag_dgram *d;

	if (!frag_shape_ok(first, len, more))
		return;
	d = frag_find(h);
	if (!d)
		d = frag_new(h);
	if (!frag_take(d, first, data, len, more)) {
		frag_release(d);
		return;
	}
	if (first == 0) {
		d->hdr_len = (uint16_t)((h->ver_ihl & 0xf) * 4);
		memcpy(d->hdr, h, d->hdr_len);
	}
	if (d->have_last && d->received == d->total && d->hdr_len) {
		frag_deliver(d);
		frag_release(d);
	}
}

/* RFC 791 section 3.2: an incomplete datagram is dropped when its timer runs out. */
static bool frag_poll(uint64_t now)
{
	for (unsigned i = 0; i < FRAG_SLOTS; i++) {
		if (frag_slots[i].used && now >= frag_slots[i].expires_ns) {
			PITH_COUNT(frag_drop_timeout);
			frag_release(&frag_slots[i]);
		}
	}
	return false;
}

static uint64_t frag_deadline(void)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < FRAG_SLOTS; i++)
		if (frag_slots[i].used && frag_slots[i].expires_ns < next)
			next = frag_slots[i].expires_ns;
	return next;
}

PITH_POLLER(frag, .poll = frag_poll, .deadline = frag_deadline);
