/* The pipe's ring buffer: copies between the ring (in up to two pieces) and iovecs. */
#include <string.h>

#include "fd/fd.h"
#include "pipe/ring.h"

size_t pith_ring_write_iov(struct pith_ring *r, const struct iovec *iov, int iovcnt, size_t n)
{
	uint32_t at = r->head & (r->cap - 1);
	size_t first = n < r->cap - at ? n : r->cap - at;

	pith_iov_from(iov, iovcnt, 0, r->buf + at, first);
	pith_iov_from(iov, iovcnt, first, r->buf, n - first);
	r->head += (uint32_t)n;
	return n;
}

size_t pith_ring_read_iov(struct pith_ring *r, const struct iovec *iov, int iovcnt, size_t n)
{
	uint32_t at = r->tail & (r->cap - 1);
	size_t first = n < r->cap - at ? n : r->cap - at;

	pith_iov_to(iov, iovcnt, 0, r->buf + at, first);
	pith_iov_to(iov, iovcnt, first, r->buf, n - first);
	r->tail += (uint32_t)n;
	return n;
}

char *pith_ring_move(struct pith_ring *r, char *buf, uint32_t newcap)
{
	char *old = r->buf;
	uint32_t used = pith_ring_used(r), at = r->tail & (r->cap - 1);
	uint32_t first = used < r->cap - at ? used : r->cap - at;

	if (used) {
		memcpy(buf, old + at, first);
		memcpy(buf + first, old, used - first);
	}
	r->buf = buf;
	r->cap = newcap;
	r->tail = 0;
	r->head = used;
	return old;
}
