/* futex(2) argument checks and timeouts (shared with sched's futex.c); the one-thread futex. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/kstate.h"
#include "proc/futex.h"
#include "time/time.h"
#include "time/wait.h"

#define NS_PER_SEC 1000000000ULL

/*
 * Weak: musl's exit path wakes futexes, so every program links this file, but only a program
 * that reads the clock (musl's timed waits do) can ask for a timeout: a program that never
 * does (one that just returns) need not link the time component.
 */
#pragma weak pith_time_monotonic_ns
#pragma weak pith_time_realtime_ns
#pragma weak pith_io_wait

/* a + b, UINT64_MAX (no deadline) on overflow. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* An absolute CLOCK_REALTIME time as a CLOCK_MONOTONIC deadline (Pith's realtime never jumps). */
static uint64_t realtime_to_monotonic(uint64_t rt)
{
	uint64_t now_rt = pith_time_realtime_ns(), now = pith_time_monotonic_ns();

	return rt <= now_rt ? now : add_sat(now, rt - now_rt);
}

/*
 * The wait's monotonic deadline from the user's timespec (futex(2): FUTEX_WAIT's timeout is
 * relative, measured on CLOCK_MONOTONIC; FUTEX_WAIT_BITSET's is absolute, on CLOCK_REALTIME
 * with FUTEX_CLOCK_REALTIME, CLOCK_MONOTONIC otherwise). Errors as Linux's futex_init_timeout.
 */
static int wait_deadline(struct pith_futex_req *r, const struct timespec *uts, int op)
{
	struct timespec ts;
	uint64_t ns;

	r->deadline = UINT64_MAX;
	if (!uts)
		return 0;
	if (!pith_user_readable(uts, sizeof(*uts)))
		return -EFAULT;
	if (!pith_time_monotonic_ns)
		return -ENOSYS; /* a timeout from a program that never reads the clock (see above) */
	memcpy(&ts, uts, sizeof(ts));
	if (ts.tv_sec < 0 || (unsigned long)ts.tv_nsec >= NS_PER_SEC)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec >= UINT64_MAX / NS_PER_SEC
		 ? UINT64_MAX
		 : add_sat((uint64_t)ts.tv_sec * NS_PER_SEC, (uint64_t)ts.tv_nsec);
	if (r->cmd == PITH_FUTEX_WAIT) {
		r->relative = 1;
		r->deadline = add_sat(pith_time_monotonic_ns(), ns);
	} else if (op & PITH_FUTEX_CLOCK_REALTIME) {
		r->deadline = realtime_to_monotonic(ns);
	} else {
		r->deadline = ns;
	}
	return 0;
}

/* Linux's get_futex_key for a private futex: a 4-aligned word the caller may access. */
static int check_word(const uint32_t *uaddr)
{
	if ((uintptr_t)uaddr % sizeof(uint32_t))
		return -EINVAL;
	return pith_user_readable(uaddr, sizeof(uint32_t)) ? 0 : -EFAULT;
}

static int decode_wait(struct pith_futex_req *r, int op, uint64_t timeout, uint32_t val3)
{
	int err = wait_deadline(r, (const struct timespec *)(uintptr_t)timeout, op);

	if (err)
		return err;
	r->bitset = r->cmd == PITH_FUTEX_WAIT ? PITH_FUTEX_BITSET_ANY : val3;
	if (!r->bitset)
		return -EINVAL;
	return check_word(r->uaddr);
}

static int decode_wake(struct pith_futex_req *r, uint32_t val3)
{
	r->bitset = r->cmd == PITH_FUTEX_WAKE ? PITH_FUTEX_BITSET_ANY : val3;
	if (!r->bitset)
		return -EINVAL;
	return check_word(r->uaddr);
}

/* Linux's futex_requeue takes both counts as int and refuses negative ones. */
static int decode_requeue(struct pith_futex_req *r)
{
	int err;

	if ((int)r->val < 0 || r->val2 < 0)
		return -EINVAL;
	err = check_word(r->uaddr);
	return err ? err : check_word(r->uaddr2);
}

/* Linux's futex_wake_op: both words checked, the second one written. */
static int decode_wake_op(struct pith_futex_req *r)
{
	int err = check_word(r->uaddr);

	if (!err)
		err = check_word(r->uaddr2);
	if (!err && !pith_user_writable(r->uaddr2, sizeof(uint32_t)))
		err = -EFAULT;
	return err;
}

int pith_futex_decode(struct pith_futex_req *r, uint32_t *uaddr, int op, uint32_t val,
		      uint64_t timeout_or_val2, uint32_t *uaddr2, uint32_t val3)
{
	memset(r, 0, sizeof(*r));
	r->cmd = op & ~(PITH_FUTEX_PRIVATE_FLAG | PITH_FUTEX_CLOCK_REALTIME);
	r->uaddr = uaddr;
	r->val = val;
	r->uaddr2 = uaddr2;
	r->val2 = (int)(uint32_t)timeout_or_val2;
	r->val3 = val3;
	switch (r->cmd) {
	case PITH_FUTEX_WAIT:
	case PITH_FUTEX_WAIT_BITSET:
		return decode_wait(r, op, timeout_or_val2, val3);
	}
	/* FUTEX_CLOCK_REALTIME goes only with the waits (and PI ops Pith does not have). */
	if (op & PITH_FUTEX_CLOCK_REALTIME)
		return -ENOSYS;
	switch (r->cmd) {
	case PITH_FUTEX_WAKE:
	case PITH_FUTEX_WAKE_BITSET:
		return decode_wake(r, val3);
	case PITH_FUTEX_REQUEUE:
	case PITH_FUTEX_CMP_REQUEUE:
		return decode_requeue(r);
	case PITH_FUTEX_WAKE_OP:
		return decode_wake_op(r);
	default:
		return -ENOSYS; /* FUTEX_FD (gone) and the PI operations: not in Pith */
	}
}

/* The 12-bit signed fields of FUTEX_WAKE_OP's encoded operation (futex(2)). */
static int sign_extend12(uint32_t v)
{
	return (int)((v & 0xfff) ^ 0x800) - 0x800;
}

/* *uaddr = op(*uaddr, arg) atomically; the old value, or -ENOSYS for an unknown op. */
static int64_t atomic_op(uint32_t *uaddr, unsigned op, uint32_t arg)
{
	switch (op) {
	case 0: /* FUTEX_OP_SET */
		return __atomic_exchange_n(uaddr, arg, __ATOMIC_SEQ_CST);
	case 1: /* FUTEX_OP_ADD */
		return __atomic_fetch_add(uaddr, arg, __ATOMIC_SEQ_CST);
	case 2: /* FUTEX_OP_OR */
		return __atomic_fetch_or(uaddr, arg, __ATOMIC_SEQ_CST);
	case 3: /* FUTEX_OP_ANDN */
		return __atomic_fetch_and(uaddr, ~arg, __ATOMIC_SEQ_CST);
	case 4: /* FUTEX_OP_XOR */
		return __atomic_fetch_xor(uaddr, arg, __ATOMIC_SEQ_CST);
	default:
		return -ENOSYS;
	}
}

/* FUTEX_OP_CMP_EQ, NE, LT, LE, GT, GE on the signed old value; -ENOSYS for another. */
static int compare(unsigned cmp, int old, int arg)
{
	switch (cmp) {
	case 0:
		return old == arg;
	case 1:
		return old != arg;
	case 2:
		return old < arg;
	case 3:
		return old <= arg;
	case 4:
		return old > arg;
	case 5:
		return old >= arg;
	default:
		return -ENOSYS;
	}
}

int pith_futex_wake_op_apply(const struct pith_futex_req *r)
{
	uint32_t enc = r->val3;
	unsigned op = (enc >> 28) & 7, cmp = (enc >> 24) & 15;
	int oparg = sign_extend12(enc >> 12), cmparg = sign_extend12(enc);
	int64_t old;

	if (enc & (1u << 31)) /* FUTEX_OP_OPARG_SHIFT: the argument is a shift (Linux masks it) */
		oparg = (int)(1u << (oparg & 31));
	old = atomic_op(r->uaddr2, op, (uint32_t)oparg);
	if (old < 0)
		return (int)old;
	return compare(cmp, (int)(uint32_t)old, cmparg); /* as Linux: after the operation */
}

long pith_futex_interrupted(const struct pith_futex_req *r)
{
	return r->relative ? -EINTR : -PITH_ERESTARTSYS;
}

/* FUTEX_WAIT with nobody to wake it: Linux sleeps until the timeout, or forever. */
static long wait_alone(const struct pith_futex_req *r)
{
	if (pith_futex_load(r->uaddr) != r->val)
		return -EAGAIN;
	while (!pith_io_wait) { /* no timeout (see above) and no waker: forever, in the monitor */
		struct pith_hc_wait call = {.timeout_ns = UINT64_MAX};

		pith_hypercall(PITH_HC_WAIT, &call);
	}
	while (pith_time_monotonic_ns() < r->deadline)
		pith_io_wait(r->deadline);
	return -ETIMEDOUT;
}

long pith_futex_one_thread(const struct pith_futex_req *r)
{
	switch (r->cmd) {
	case PITH_FUTEX_WAIT:
	case PITH_FUTEX_WAIT_BITSET:
		return wait_alone(r);
	case PITH_FUTEX_CMP_REQUEUE:
		return pith_futex_load(r->uaddr) != r->val3 ? -EAGAIN : 0;
	case PITH_FUTEX_WAKE_OP: {
		int ret = pith_futex_wake_op_apply(r);

		return ret < 0 ? ret : 0;
	}
	default:
		return 0; /* wakes and requeues: no waiter */
	}
}
