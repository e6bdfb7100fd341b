/* futex(2) arguments decoded and checked once, for proc's one-thread futex and sched's futex.c. */
#ifndef PITH_PROC_FUTEX_H
#define PITH_PROC_FUTEX_H

#include <stdint.h>

/* The operations Pith implements (values of Linux's FUTEX_* commands, <linux/futex.h>). */
enum {
	PITH_FUTEX_WAIT = 0,
	PITH_FUTEX_WAKE = 1,
	PITH_FUTEX_REQUEUE = 3,
	PITH_FUTEX_CMP_REQUEUE = 4,
	PITH_FUTEX_WAKE_OP = 5,
	PITH_FUTEX_WAIT_BITSET = 9,
	PITH_FUTEX_WAKE_BITSET = 10,
};

#define PITH_FUTEX_PRIVATE_FLAG	  128
#define PITH_FUTEX_CLOCK_REALTIME 256
#define PITH_FUTEX_BITSET_ANY	  0xffffffffu

/* One futex call, decoded: what each operation needs, with Linux's types. */
struct pith_futex_req {
	int cmd;	   /* PITH_FUTEX_WAIT..., the private and clock flags removed */
	uint32_t *uaddr;   /* 4-aligned and readable */
	uint32_t val;	   /* WAIT: expected value; WAKE, REQUEUE: how many to wake */
	uint32_t bitset;   /* WAIT, WAKE: never 0 (ANY for the plain forms) */
	uint64_t deadline; /* WAIT: CLOCK_MONOTONIC ns, UINT64_MAX: none */
	int relative;	   /* WAIT: the timeout was relative (an interrupted wait cannot restart) */
	uint32_t *uaddr2;  /* REQUEUE: 4-aligned and readable; WAKE_OP: and writable */
	int val2;	   /* REQUEUE: how many to move; WAKE_OP: how many to wake on uaddr2 */
	uint32_t val3;	   /* CMP_REQUEUE: the expected *uaddr; WAKE_OP: the encoded operation */
};

/*
 * Checks and decodes futex(uaddr, op, val, timeout_or_val2, uaddr2, val3) as Linux does, in
 * Linux's order: 0, or -ENOSYS (unknown or PI operation, FUTEX_CLOCK_REALTIME with an op that
 * takes no timeout), -EFAULT (unreadable timeout or futex word), -EINVAL (bad timespec, bitset
 * 0, misaligned address, negative counts). Reads no futex word: see pith_futex_load.
 */
int pith_futex_decode(struct pith_futex_req *r, uint32_t *uaddr, int op, uint32_t val,
		      uint64_t timeout_or_val2, uint32_t *uaddr2, uint32_t val3);

/* *uaddr (already checked by decode), read once. */
static inline uint32_t pith_futex_load(const uint32_t *uaddr)
{
	return __atomic_load_n(uaddr, __ATOMIC_RELAXED);
}

/*
 * The result of an interrupted wait: Linux restarts FUTEX_WAIT after a SA_RESTART handler
 * (signal(7)), from the same absolute expiry; Pith can restart only what needs no saved
 * state (no timeout, or WAIT_BITSET's absolute one), and returns -EINTR otherwise.
 */
long pith_futex_interrupted(const struct pith_futex_req *r);

/*
 * FUTEX_WAKE_OP's operation on *r->uaddr2 (futex(2): FUTEX_OP_SET, ADD, OR, ANDN, XOR, with
 * FUTEX_OP_ARG_SHIFT), done atomically; then its comparison of the old value: 1 if the waiters
 * of uaddr2 are to be woken too, 0 if not, -ENOSYS for an unknown operation or comparison.
 */
int pith_futex_wake_op_apply(const struct pith_futex_req *r);

/* proc's futex without the sched component: one thread, nobody to wake a waiter. */
long pith_futex_one_thread(const struct pith_futex_req *r);

/*
 * The futex of the sched component (kernel/sched/futex.c), its pith_sched_ops->futex: wait
 * queues, blocking through pith_sched_block (interruptible). Thread exit with a
 * clear_child_tid calls it with PITH_FUTEX_WAKE, 1.
 */
long pith_sched_futex(uint32_t *uaddr, int op, uint32_t val, uint64_t timeout_or_val2,
		      uint32_t *uaddr2, uint32_t val3);

#endif
