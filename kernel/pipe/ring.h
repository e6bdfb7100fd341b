/* A byte ring buffer with free-running indices (pure logic, testable on the host). */
#ifndef PITH_PIPE_RING_H
#define PITH_PIPE_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* cap is a power of two; head - tail bytes are stored, from buf[tail % cap] on. */
struct pith_ring {
	char *buf;
	uint32_t cap;
	uint32_t head; /* total bytes ever written (wraps at 2^32) */
	uint32_t tail; /* total bytes ever read */
};

static inline uint32_t pith_ring_used(const struct pith_ring *r)
{
	return r->head - r->tail;
}

static inline uint32_t pith_ring_room(const struct pith_ring *r)
{
	return r->cap - pith_ring_used(r);
}

/*
 * Moves the contents into buf (newcap bytes, a power of two >= used), from its start; returns
 * the old buffer for the caller to free.
 */
char *pith_ring_move(struct pith_ring *r, char *buf, uint32_t newcap);

/* Appends n bytes (n <= room) taken from the iovecs; returns n. */
size_t pith_ring_write_iov(struct pith_ring *r, const struct iovec *iov, int iovcnt, size_t n);

/* Removes n bytes (n <= used) into the iovecs; returns n. */
size_t pith_ring_read_iov(struct pith_ring *r, const struct iovec *iov, int iovcnt, size_t n);

#endif
