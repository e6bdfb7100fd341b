/* Futexes (futex(2)): per-address FIFO wait queues for WAIT, WAKE, REQUEUE, WAKE_OP and forms. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/counter.h"
#include "core/kstate.h"
#include "proc/futex.h"
#include "sched/sched.h"
#include "time/time.h"

/*
 * Every futex is private (one address space), so a futex is its address. Waiters live on the
 * waiting thread's stack while it is blocked; they are chained in the bucket of their address,
 * in arrival order, so wake-ups are FIFO among the waiters of one address. The kernel is never
 * re-entered concurrently (switches happen only inside pith_sched_block), so no locks: a wait
 * checks the word, enqueues itself and blocks with nothing in between that could wake it.
 */
struct futex_waiter {
	struct futex_waiter *next, *prev;
	uint32_t *uaddr; /* the futex it waits on (changed by a requeue) */
	uint32_t bitset;
	struct pith_thread *thread;
	bool woken; /* dequeued by a wake: its wait returns 0 whatever else happened */
};

struct futex_bucket {
	struct futex_waiter *head, *tail;
};

#define FUTEX_HASH_BITS 6

static struct futex_bucket futex_table[1u << FUTEX_HASH_BITS];

PITH_COUNTER(futex_waits);
PITH_COUNTER(futex_wakes);

static struct futex_bucket *bucket_of(const uint32_t *uaddr)
{
	uint64_t h = ((uintptr_t)uaddr >> 2) * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing */

	return &futex_table[h >> (64 - FUTEX_HASH_BITS)];
}

static void enqueue(struct futex_waiter *w)
{
	struct futex_bucket *b = bucket_of(w->uaddr);

	w->next = NULL;
	w->prev = b->tail;
	if (b->tail)
		b->tail->next = w;
	else
		b->head = w;
	b->tail = w;
}

static void dequeue(struct futex_waiter *w)
{
	struct futex_bucket *b = bucket_of(w->uaddr);

	if (w->prev)
		w->prev->next = w->next;
	else
		b->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		b->tail = w->prev;
	w->next = w->prev = NULL;
}

static void wake_waiter(struct futex_waiter *w)
{
	dequeue(w);
	w->woken = true;
	PITH_COUNT(futex_wakes);
	pith_sched_wakeup(w->thread);
}

/* One block on r's futex; 0 (woken), -ETIMEDOUT, -EINTR, or 1: a spurious return. */
static int wait_once(const struct pith_futex_req *r)
{
	struct futex_waiter w = {.uaddr = r->uaddr, .bitset = r->bitset};
	int ret;

	w.thread = pith_thread_current();
	enqueue(&w);
	ret = pith_sched_block(r->deadline, PITH_BLOCK_INTR);
	if (w.woken)
		return 0; /* as Linux: a waiter already dequeued by a wake reports the wake */
	dequeue(&w);
	return ret ? ret : 1;
}

/* FUTEX_WAIT(_BITSET): Linux's futex_wait, value check first, then the (expired?) timeout. */
static long futex_wait(const struct pith_futex_req *r)
{
	PITH_COUNT(futex_waits);
	for (;;) {
		int ret;

		if (pith_futex_load(r->uaddr) != r->val)
			return -EAGAIN;
		if (r->deadline != UINT64_MAX && pith_time_monotonic_ns() >= r->deadline)
			return -ETIMEDOUT;
		ret = wait_once(r);
		if (ret == -EINTR)
			return pith_futex_interrupted(r);
		if (ret <= 0)
			return ret;
		/* spurious: check the word again, as Linux's futex_wait does */
	}
}

/*
 * FUTEX_WAKE(_BITSET): wakes waiters of r->uaddr whose bitset meets r->bitset, oldest first.
 * As Linux's futex_wake, the count is an int and the loop stops once ++woken >= count, so a
 * count of 0 or a negative one wakes one waiter.
 */
static int wake_matching(uint32_t *uaddr, uint32_t bitset, int nr_wake)
{
	struct futex_waiter *w = bucket_of(uaddr)->head, *next;
	int woken = 0;

	for (; w; w = next) {
		next = w->next;
		if (w->uaddr != uaddr || !(w->bitset & bitset))
			continue;
		wake_waiter(w);
		if (++woken >= nr_wake)
			break;
	}
	return woken;
}

static long futex_wake(const struct pith_futex_req *r)
{
	return wake_matching(r->uaddr, r->bitset, (int)r->val);
}

/*
 * FUTEX_WAKE_OP, as Linux's futex_wake_op: the operation on *uaddr2, then up to val waiters of
 * uaddr woken and, if the comparison of uaddr2's old value held, up to val2 of uaddr2's.
 */
static long futex_wake_op(const struct pith_futex_req *r)
{
	int cmp = pith_futex_wake_op_apply(r), woken;

	if (cmp < 0)
		return cmp;
	woken = wake_matching(r->uaddr, PITH_FUTEX_BITSET_ANY, (int)r->val);
	if (cmp)
		woken += wake_matching(r->uaddr2, PITH_FUTEX_BITSET_ANY, r->val2);
	return woken;
}

/* Appends the chain first..(next links) to uaddr's queue, in order. */
static void requeue_chain(struct futex_waiter *first, uint32_t *uaddr)
{
	struct futex_waiter *next;

	for (; first; first = next) {
		next = first->next;
		first->uaddr = uaddr;
		enqueue(first);
	}
}

/*
 * FUTEX_REQUEUE and FUTEX_CMP_REQUEUE, as Linux's futex_requeue: wake up to val waiters of
 * uaddr, move up to val2 more to uaddr2 (keeping their order), return how many were woken or
 * moved. The moved ones are collected first so that a requeue onto the same address (or bucket)
 * never meets them again.
 */
static long futex_requeue(const struct pith_futex_req *r)
{
	struct futex_waiter *w = bucket_of(r->uaddr)->head, *next, *moved = NULL, **tail = &moved;
	int nr_wake = (int)r->val, count = 0;

	if (r->cmd == PITH_FUTEX_CMP_REQUEUE && pith_futex_load(r->uaddr) != r->val3)
		return -EAGAIN;
	for (; w && count - nr_wake < r->val2; w = next) {
		next = w->next;
		if (w->uaddr != r->uaddr)
			continue;
		if (++count <= nr_wake) {
			wake_waiter(w);
			continue;
		}
		dequeue(w);
		*tail = w;
		tail = &w->next;
	}
	requeue_chain(moved, r->uaddr2);
	return count;
}

long pith_sched_futex(uint32_t *uaddr, int op, uint32_t val, uint64_t timeout_or_val2,
		      uint32_t *uaddr2, uint32_t val3)
{
	struct pith_futex_req r;
	int err = pith_futex_decode(&r, uaddr, op, val, timeout_or_val2, uaddr2, val3);

	if (err)
		return err;
	switch (r.cmd) {
	case PITH_FUTEX_WAIT:
	case PITH_FUTEX_WAIT_BITSET:
		return futex_wait(&r);
	case PITH_FUTEX_WAKE:
	case PITH_FUTEX_WAKE_BITSET:
		return futex_wake(&r);
	case PITH_FUTEX_WAKE_OP:
		return futex_wake_op(&r);
	default:
		return futex_requeue(&r);
	}
}
