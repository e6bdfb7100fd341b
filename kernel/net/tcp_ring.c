/* TCP's byte rings: the send queue and the receive queue, grown on demand up to the buffer size. */
#include <string.h>

#include "mem/mem.h"
#include "net/tcp.h"

#define TCP_RING_FIRST 16384u

static uint32_t ring_cap_for(uint32_t need)
{
	uint32_t cap = TCP_RING_FIRST;

	while (cap < need)
		cap <<= 1;
	return cap;
}

/* Makes room for `need` bytes from head: a bigger buffer with the old bytes moved over. */
static int ring_grow(struct tcp_ring *r, uint32_t need)
{
	uint32_t cap = ring_cap_for(need);
	uint8_t *buf = pith_kmalloc(cap);

	if (!buf)
		return -1;
	if (r->cap) {
		tcp_ring_read_at(r, 0, buf, r->cap);
		pith_kfree(r->buf, r->cap);
	}
	r->buf = buf;
	r->cap = cap;
	r->head = 0;
	return 0;
}

/* Writes n bytes at offset off from head (the length grows only if they extend it). Returns 0,
   or -1 if that would pass lim or memory ran out. */
int tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const void *src, uint32_t n, uint32_t lim)
{
	uint32_t end = off + n, pos, first;

	if (end > lim || end < off)
		return -1;
	if (end > r->cap && ring_grow(r, end) < 0)
		return -1;
	pos = (r->head + off) & (r->cap - 1);
	first = tcp_min32(n, r->cap - pos);
	memcpy(r->buf + pos, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
	if (end > r->len)
		r->len = end;
	return 0;
}

void tcp_ring_read_at(const struct tcp_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint32_t pos, first;

	if (!n)
		return;
	pos = (r->head + off) & (r->cap - 1);
	first = tcp_min32(n, r->cap - pos);
	memcpy(dst, r->buf + pos, first);
	memcpy((uint8_t *)dst + first, r->buf, n - first);
}

void tcp_ring_consume(struct tcp_ring *r, uint32_t n)
{
	r->len -= n;
	r->head = (r->head + n) & (r->cap - 1);
}

void tcp_ring_free(struct tcp_ring *r)
{
	if (r->cap)
		pith_kfree(r->buf, r->cap);
	memset(r, 0, sizeof(*r));
}

uint32_t tcp_ring_to_iov(const struct tcp_ring *r, const struct iovec *iov, int iovcnt, uint32_t n)
{
	uint32_t pos, first;

	n = tcp_min32(n, r->len);
	if (!n)
		return 0;
	pos = r->head;
	first = tcp_min32(n, r->cap - pos);
	pith_iov_to(iov, iovcnt, 0, r->buf + pos, first);
	if (n > first)
		pith_iov_to(iov, iovcnt, first, r->buf, n - first);
	return n;
}

/* Appends up to n bytes from the iovecs, as many as fit under lim. */
uint32_t tcp_ring_from_iov(struct tcp_ring *r, const struct iovec *iov, int iovcnt, uint32_t n,
			   uint32_t lim)
{
	uint32_t pos, first, done = 0;

	n = tcp_min32(n, lim > r->len ? lim - r->len : 0);
	if (!n)
		return 0;
	if (r->len + n > r->cap && ring_grow(r, r->len + n) < 0)
		return 0;
	pos = (r->head + r->len) & (r->cap - 1);
	first = tcp_min32(n, r->cap - pos);
	done += pith_iov_from(iov, iovcnt, 0, r->buf + pos, first);
	if (n > first)
		done += pith_iov_from(iov, iovcnt, first, r->buf, n - first);
	r->len += done;
	return done;
}
