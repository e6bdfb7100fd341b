/* Host tests of the futex (kernel/sched/futex.c, kernel/proc/futex_args.c) on a fake scheduler. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kstate.h"
#include "proc/futex.h"
#include "sched/sched.h"
#include "test.h"

/*
 * The fake scheduler runs "threads" as a chain of nested calls: thread i calls futex; when it
 * blocks, pith_sched_block runs thread i+1 (its waiter stays queued on its stack frame); after
 * the last thread, the scenario's `then` runs as the waking thread. Then each block returns,
 * innermost first: 0 if pith_sched_wakeup woke that thread, else its scripted result. That is
 * what a real scheduler does, with a fixed interleaving.
 */
struct pith_thread {
	int id;
	int woken; /* pith_sched_wakeup calls */
};

#define MAX_THREADS 8

struct waiter {
	uint32_t *uaddr;
	int op;
	uint32_t val;
	uint64_t timeout; /* struct timespec * */
	uint32_t val3;
	int block_result;  /* what its block returns when not woken */
	int block_result2; /* the same, for a second block (after a spurious return) */
	long result;	   /* the futex call's */
	int blocks;	   /* pith_sched_block calls */
	uint64_t deadline; /* the last block's */
	unsigned flags;
};

static struct pith_thread threads[MAX_THREADS + 1]; /* [MAX_THREADS]: the waker */
static struct pith_thread *current = &threads[MAX_THREADS];
static struct waiter chain[MAX_THREADS];
static int chain_len;
static void (*chain_then)(void);
static int wake_log[64], wake_log_len;

struct pith_thread *pith_thread_current(void)
{
	return current;
}

void pith_sched_wakeup(struct pith_thread *t)
{
	t->woken++;
	if (wake_log_len < 64)
		wake_log[wake_log_len++] = t->id;
}

static void run_thread(int i);

int pith_sched_block(uint64_t deadline_ns, unsigned flags)
{
	struct pith_thread *self = current;
	struct waiter *w = &chain[self->id];

	w->deadline = deadline_ns;
	w->flags = flags;
	if (++w->blocks > 1)
		return self->woken ? 0 : w->block_result2;
	run_thread(self->id + 1);
	current = self;
	return self->woken ? 0 : w->block_result;
}

static void run_thread(int i)
{
	if (i == chain_len) {
		current = &threads[MAX_THREADS];
		if (chain_then)
			chain_then();
		return;
	}
	current = &threads[i];
	chain[i].result = pith_sched_futex(chain[i].uaddr, chain[i].op, chain[i].val,
					   chain[i].timeout, NULL, chain[i].val3);
	if (!chain[i].blocks)
		run_thread(i + 1); /* it did not block: the next one runs all the same */
}

/* Runs the scenario: chain[0..n) set up by the caller, `then` as the waker. */
static void run_chain(int n, void (*then)(void))
{
	for (int i = 0; i <= MAX_THREADS; i++)
		threads[i] = (struct pith_thread){.id = i};
	for (int i = 0; i < n; i++) {
		chain[i].result = 12345;
		chain[i].blocks = 0;
	}
	chain_len = n;
	chain_then = then;
	wake_log_len = 0;
	run_thread(0);
	current = &threads[MAX_THREADS];
}

/* A waiter of FUTEX_WAIT_PRIVATE on uaddr expecting val, woken (result 0) unless told. */
static struct waiter plain_wait(uint32_t *uaddr, uint32_t val)
{
	return (struct waiter){.uaddr = uaddr,
			       .op = FUTEX_WAIT | FUTEX_PRIVATE_FLAG,
			       .val = val,
			       .block_result = -ETIMEDOUT,
			       .block_result2 = -ETIMEDOUT};
}

/* ---- Fake clocks, user memory and io_wait ---------------------------------------------- */

static uint64_t mono_now = 1000000000000ull;		/* 1000 s after boot */
static const uint64_t rt_boot = 1700000000000000000ull; /* realtime at boot */
static int io_waits;
static uint64_t io_wait_deadline;

uint64_t pith_time_monotonic_ns(void)
{
	return mono_now;
}

uint64_t pith_time_realtime_ns(void)
{
	return rt_boot + mono_now;
}

/* Declared int as sched makes it; the one-thread futex ignores the result. */
int pith_io_wait(uint64_t deadline_ns)
{
	io_waits++;
	io_wait_deadline = deadline_ns;
	mono_now += 300000000; /* each wait passes 0.3 s */
	return 0;
}

/* Addresses below 64 KiB are "unmapped". */
bool pith_user_readable(const void *p, size_t len)
{
	return (uintptr_t)p >= 65536 && len < 65536;
}

bool pith_user_writable(const void *p, size_t len)
{
	return pith_user_readable(p, len);
}

#define PRIV(cmd) ((cmd) | FUTEX_PRIVATE_FLAG)
#define TS(p)	  ((uint64_t)(uintptr_t)(p))

static uint32_t word_a, word_b;

static long wake(uint32_t *uaddr, uint32_t n)
{
	return pith_sched_futex(uaddr, PRIV(FUTEX_WAKE), n, 0, NULL, 0);
}

/* ---- WAIT and WAKE ----------------------------------------------------------------------- */

static long then_wake_result;

static void then_wake_all(void)
{
	then_wake_result = wake(&word_a, INT_MAX);
}

static void test_wait_wake_all(void)
{
	word_a = 7;
	for (int i = 0; i < 3; i++)
		chain[i] = plain_wait(&word_a, 7);
	run_chain(3, then_wake_all);
	CHECK_U64(then_wake_result, 3);
	for (int i = 0; i < 3; i++) {
		CHECK_U64(chain[i].result, 0);
		CHECK_U64(chain[i].blocks, 1);
		CHECK_U64(chain[i].deadline, UINT64_MAX);
		CHECK(chain[i].flags == PITH_BLOCK_INTR);
	}
	CHECK_U64(wake(&word_a, INT_MAX), 0); /* the queue is empty again */
}

static long fifo_results[4];

/* Wakes one at a time: the oldest waiter first. */
static void then_wake_one_by_one(void)
{
	for (int i = 0; i < 4; i++)
		fifo_results[i] = wake(&word_a, 1);
}

static void test_fifo(void)
{
	word_a = 1;
	for (int i = 0; i < 3; i++)
		chain[i] = plain_wait(&word_a, 1);
	run_chain(3, then_wake_one_by_one);
	CHECK_U64(fifo_results[0], 1);
	CHECK_U64(fifo_results[1], 1);
	CHECK_U64(fifo_results[2], 1);
	CHECK_U64(fifo_results[3], 0);
	CHECK_U64(wake_log_len, 3);
	for (int i = 0; i < 3 && i < wake_log_len; i++)
		CHECKF(wake_log[i] == i, "wake %d woke thread %d", i, wake_log[i]);
}

static long count_results[3];

/* As Linux: WAKE with 2 wakes 2; with 0 (or a negative int) it wakes one all the same. */
static void then_wake_counts(void)
{
	count_results[0] = wake(&word_a, 2);
	count_results[1] = wake(&word_a, 0);
	count_results[2] = wake(&word_a, 0xffffffffu);
}

static void test_wake_counts(void)
{
	word_a = 3;
	for (int i = 0; i < 5; i++)
		chain[i] = plain_wait(&word_a, 3);
	run_chain(5, then_wake_counts);
	CHECK_U64(count_results[0], 2);
	CHECK_U64(count_results[1], 1);
	CHECK_U64(count_results[2], 1);
	CHECK_U64(chain[4].result, (uint64_t)-ETIMEDOUT); /* never woken: its block timed out */
	CHECK_U64(wake(&word_a, INT_MAX), 0);		  /* and it left the queue */
}

static void then_wake_b(void)
{
	then_wake_result = wake(&word_b, INT_MAX);
}

/* A wake of another address wakes nobody here, even in the same bucket. */
static void test_wake_other_address(void)
{
	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	run_chain(1, then_wake_b);
	CHECK_U64(then_wake_result, 0);
	CHECK_U64(chain[0].result, (uint64_t)-ETIMEDOUT);
}

static void test_eagain(void)
{
	word_a = 5;
	chain[0] = plain_wait(&word_a, 4);
	run_chain(1, NULL);
	CHECK_U64(chain[0].result, (uint64_t)-EAGAIN);
	CHECK_U64(chain[0].blocks, 0);
}

/* ---- Bitsets ------------------------------------------------------------------------------ */

static long bitset_results[3];

static void then_wake_bitsets(void)
{
	int op = PRIV(FUTEX_WAKE_BITSET);

	bitset_results[0] = pith_sched_futex(&word_a, op, INT_MAX, 0, NULL, 0x4);
	bitset_results[1] = pith_sched_futex(&word_a, op, INT_MAX, 0, NULL, 0x2);
	bitset_results[2] = pith_sched_futex(&word_a, op, INT_MAX, 0, NULL, 0x1);
}

static void test_bitsets(void)
{
	word_a = 0;
	for (int i = 0; i < 3; i++) {
		chain[i] = plain_wait(&word_a, 0);
		chain[i].op = PRIV(FUTEX_WAIT_BITSET);
	}
	chain[0].val3 = 0x1;
	chain[1].val3 = 0x2 | 0x4;
	chain[2].val3 = 0x2;
	run_chain(3, then_wake_bitsets);
	CHECK_U64(bitset_results[0], 1); /* 0x4: thread 1 only */
	CHECK_U64(bitset_results[1], 1); /* 0x2: thread 2 (1 is gone) */
	CHECK_U64(bitset_results[2], 1); /* 0x1: thread 0 */
	CHECK_U64(wake_log_len, 3);
	CHECK(wake_log[0] == 1 && wake_log[1] == 2 && wake_log[2] == 0);
}

/* A plain WAKE matches every bitset (FUTEX_BITSET_MATCH_ANY). */
static void test_plain_wake_matches_bitset_waiter(void)
{
	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].op = PRIV(FUTEX_WAIT_BITSET);
	chain[0].val3 = 0x80000000u;
	run_chain(1, then_wake_all);
	CHECK_U64(then_wake_result, 1);
	CHECK_U64(chain[0].result, 0);
}

/* ---- REQUEUE and CMP_REQUEUE --------------------------------------------------------------- */

static long requeue_result, after_results[2];

static void then_requeue(void)
{
	/* wake 1 of word_a, move up to 2 to word_b, leave the 4th on word_a */
	requeue_result = pith_sched_futex(&word_a, PRIV(FUTEX_REQUEUE), 1, 2, &word_b, 0);
	after_results[0] = wake(&word_b, 1); /* the older of the moved ones: thread 1 */
	after_results[1] = wake(&word_a, INT_MAX);
	wake(&word_b, INT_MAX);
}

static void test_requeue(void)
{
	word_a = 0;
	for (int i = 0; i < 4; i++)
		chain[i] = plain_wait(&word_a, 0);
	run_chain(4, then_requeue);
	CHECK_U64(requeue_result, 3); /* woken + moved, as Linux's futex_requeue */
	CHECK_U64(after_results[0], 1);
	CHECK_U64(after_results[1], 1);
	CHECK_U64(wake_log_len, 4);
	CHECK(wake_log[0] == 0 && wake_log[1] == 1 && wake_log[2] == 3 && wake_log[3] == 2);
	for (int i = 0; i < 4; i++)
		CHECK_U64(chain[i].result, 0);
}

static long cmp_results[3];

static void then_cmp_requeue(void)
{
	int op = PRIV(FUTEX_CMP_REQUEUE);

	cmp_results[0] = pith_sched_futex(&word_a, op, 0, INT_MAX, &word_b, 99); /* *a is 8 */
	cmp_results[1] = pith_sched_futex(&word_a, op, 0, INT_MAX, &word_b, 8);
	cmp_results[2] = wake(&word_b, INT_MAX);
}

static void test_cmp_requeue(void)
{
	word_a = 8;
	for (int i = 0; i < 3; i++)
		chain[i] = plain_wait(&word_a, 8);
	run_chain(3, then_cmp_requeue);
	CHECK_U64(cmp_results[0], (uint64_t)-EAGAIN);
	CHECK_U64(cmp_results[1], 3); /* none woken, all three moved */
	CHECK_U64(cmp_results[2], 3);
	CHECK(wake_log[0] == 0 && wake_log[1] == 1 && wake_log[2] == 2);
}

static long same_result;

/* Requeue onto the same futex: each waiter is counted once and stays (in order). */
static void then_requeue_same(void)
{
	same_result = pith_sched_futex(&word_a, PRIV(FUTEX_REQUEUE), 0, INT_MAX, &word_a, 0);
	then_wake_result = wake(&word_a, 1);
}

static void test_requeue_same_address(void)
{
	word_a = 0;
	for (int i = 0; i < 3; i++)
		chain[i] = plain_wait(&word_a, 0);
	run_chain(3, then_requeue_same);
	CHECK_U64(same_result, 3);
	CHECK_U64(then_wake_result, 1);
	CHECK(wake_log_len == 1 && wake_log[0] == 0);
}

static void test_requeue_errors(void)
{
	int op = PRIV(FUTEX_REQUEUE);

	CHECK_U64(pith_sched_futex(&word_a, op, 0x80000000u, 1, &word_b, 0), (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(&word_a, op, 1, 0x80000000u, &word_b, 0), (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(&word_a, op, 1, 1, (uint32_t *)((char *)&word_b + 1), 0),
		  (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(&word_a, op, 1, 1, (uint32_t *)0x1000, 0), (uint64_t)-EFAULT);
	CHECK_U64(pith_sched_futex(&word_a, op, 1, 1, &word_b, 0), 0); /* nobody waits */
}

/* ---- WAKE_OP ------------------------------------------------------------------------------ */

static long wake_op_results[2];
static uint32_t word_b_after[2];

/* <linux/futex.h>'s FUTEX_OP, in unsigned arithmetic (the macro shifts a signed int). */
static uint32_t enc_op(unsigned op, int oparg, unsigned cmp, int cmparg)
{
	return (op & 0xfu) << 28 | (cmp & 0xfu) << 24 | ((uint32_t)oparg & 0xfffu) << 12 |
	       ((uint32_t)cmparg & 0xfffu);
}

static long wake_op(uint32_t n1, uint32_t n2, uint32_t enc)
{
	return pith_sched_futex(&word_a, PRIV(FUTEX_WAKE_OP), n1, n2, &word_b, enc);
}

static void then_wake_op(void)
{
	/* *b += 3 (5 -> 8); old 5 == 5: one of a's and one of b's */
	wake_op_results[0] = wake_op(1, 1, enc_op(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5));
	word_b_after[0] = word_b;
	/* *b = 0; old 8 > 100 fails: one of a's only */
	wake_op_results[1] = wake_op(1, 1, enc_op(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 100));
	word_b_after[1] = word_b;
}

static void test_wake_op(void)
{
	word_a = 0;
	word_b = 5;
	for (int i = 0; i < 4; i++)
		chain[i] = plain_wait(i < 2 ? &word_a : &word_b, i < 2 ? 0 : 5);
	run_chain(4, then_wake_op);
	CHECK_U64(wake_op_results[0], 2);
	CHECK_U64(word_b_after[0], 8);
	CHECK_U64(wake_op_results[1], 1);
	CHECK_U64(word_b_after[1], 0);
	CHECK(wake_log_len == 3 && wake_log[0] == 0 && wake_log[1] == 2 && wake_log[2] == 1);
	CHECK_U64(chain[3].result, (uint64_t)-ETIMEDOUT);
}

static void test_wake_op_arithmetic(void)
{
	int shift_or = FUTEX_OP_OR | (FUTEX_OP_OPARG_SHIFT << 0);

	word_b = 1;
	CHECK_U64(wake_op(1, 1, enc_op(shift_or, 4, FUTEX_OP_CMP_NE, 0)), 0); /* nobody waits */
	CHECK_U64(word_b, 17);
	CHECK_U64(wake_op(1, 1, enc_op(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_U64(word_b, 16);
	CHECK_U64(wake_op(1, 1, enc_op(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_U64(word_b, 0xef);
	CHECK_U64(wake_op(1, 1, enc_op(FUTEX_OP_SET, -2, FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_U64(word_b, 0xfffffffe); /* the 12-bit argument is sign-extended */
	/* an unknown operation changes nothing; an unknown comparison comes after the change */
	CHECK_U64(wake_op(1, 1, enc_op(6, 1, FUTEX_OP_CMP_EQ, 0)), (uint64_t)-ENOSYS);
	CHECK_U64(word_b, 0xfffffffe);
	CHECK_U64(wake_op(1, 1, enc_op(FUTEX_OP_SET, 3, 7, 0)), (uint64_t)-ENOSYS);
	CHECK_U64(word_b, 3);
	CHECK_U64(pith_sched_futex(&word_a, PRIV(FUTEX_WAKE_OP), 1, 1, (uint32_t *)0x3000, 0),
		  (uint64_t)-EFAULT);
}

/* ---- Timeouts ------------------------------------------------------------------------------ */

static void test_relative_timeout(void)
{
	struct timespec ts = {.tv_sec = 2, .tv_nsec = 500};

	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].timeout = TS(&ts);
	run_chain(1, NULL);
	CHECK_U64(chain[0].result, (uint64_t)-ETIMEDOUT);
	CHECK_U64(chain[0].deadline, mono_now + 2000000500ull);
}

static void test_absolute_monotonic(void)
{
	struct timespec ts = {.tv_sec = 1500, .tv_nsec = 7};

	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].op = PRIV(FUTEX_WAIT_BITSET);
	chain[0].val3 = PITH_FUTEX_BITSET_ANY;
	chain[0].timeout = TS(&ts);
	run_chain(1, NULL);
	CHECK_U64(chain[0].deadline, 1500000000007ull);
}

static void test_absolute_realtime(void)
{
	uint64_t want = mono_now + 3000000000ull, rt = rt_boot + want;
	struct timespec ts = {.tv_sec = (time_t)(rt / 1000000000),
			      .tv_nsec = (long)(rt % 1000000000)};

	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].op = PRIV(FUTEX_WAIT_BITSET) | FUTEX_CLOCK_REALTIME;
	chain[0].val3 = PITH_FUTEX_BITSET_ANY;
	chain[0].timeout = TS(&ts);
	run_chain(1, NULL);
	CHECK_U64(chain[0].deadline, want);
	CHECK_U64(chain[0].result, (uint64_t)-ETIMEDOUT);
}

/* An expired deadline: -ETIMEDOUT without blocking, but a changed word wins (-EAGAIN). */
static void test_expired(void)
{
	struct timespec past = {.tv_sec = 1, .tv_nsec = 0};

	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].op = PRIV(FUTEX_WAIT_BITSET);
	chain[0].val3 = 1;
	chain[0].timeout = TS(&past);
	run_chain(1, NULL);
	CHECK_U64(chain[0].result, (uint64_t)-ETIMEDOUT);
	CHECK_U64(chain[0].blocks, 0);
	chain[0].val = 1;
	run_chain(1, NULL);
	CHECK_U64(chain[0].result, (uint64_t)-EAGAIN);
}

static void test_bad_timespecs(void)
{
	struct timespec neg = {.tv_sec = -1}, big = {.tv_nsec = 1000000000}, nneg = {.tv_nsec = -1};
	int op = PRIV(FUTEX_WAIT);

	word_a = 0;
	CHECK_U64(pith_sched_futex(&word_a, op, 0, TS(&neg), NULL, 0), (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(&word_a, op, 0, TS(&big), NULL, 0), (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(&word_a, op, 0, TS(&nneg), NULL, 0), (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(&word_a, op, 0, 0x2000, NULL, 0), (uint64_t)-EFAULT);
	/* the timespec is checked before the word, as Linux's sys_futex does */
	CHECK_U64(pith_sched_futex(NULL, op, 0, TS(&neg), NULL, 0), (uint64_t)-EINVAL);
}

/* ---- Signals and spurious returns ---------------------------------------------------------- */

static void test_interrupted(void)
{
	struct timespec rel = {.tv_sec = 5}, abs = {.tv_sec = 99999};

	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].block_result = -EINTR;
	run_chain(1, NULL);
	CHECK_U64(chain[0].result, (uint64_t)-PITH_ERESTARTSYS); /* no timeout: restartable */
	chain[0].timeout = TS(&rel);
	run_chain(1, NULL);
	CHECK_U64(chain[0].result, (uint64_t)-EINTR); /* a relative timeout cannot restart */
	chain[0].op = PRIV(FUTEX_WAIT_BITSET);
	chain[0].val3 = 1;
	chain[0].timeout = TS(&abs);
	run_chain(1, NULL);
	CHECK_U64(chain[0].result, (uint64_t)-PITH_ERESTARTSYS);
	CHECK_U64(wake(&word_a, INT_MAX), 0);
}

/* A woken waiter reports the wake even when its block also saw a signal. */
static void test_woken_wins(void)
{
	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].block_result = -EINTR;
	run_chain(1, then_wake_all);
	CHECK_U64(chain[0].result, 0);
}

static void then_change_word(void)
{
	word_a = 1;
}

/* A block that returns 0 without a wake: the word is checked again (now -EAGAIN). */
static void test_spurious(void)
{
	word_a = 0;
	chain[0] = plain_wait(&word_a, 0);
	chain[0].block_result = 0;
	run_chain(1, then_change_word);
	CHECK_U64(chain[0].result, (uint64_t)-EAGAIN);
	CHECK_U64(chain[0].blocks, 1);
	word_a = 0;
	chain[0].block_result2 = -ETIMEDOUT;
	run_chain(1, NULL); /* the word stays: it blocks again, then times out */
	CHECK_U64(chain[0].blocks, 2);
	CHECK_U64(chain[0].result, (uint64_t)-ETIMEDOUT);
	CHECK_U64(wake(&word_a, INT_MAX), 0);
}

/* ---- Bad arguments ------------------------------------------------------------------------- */

static void test_bad_arguments(void)
{
	uint32_t *odd = (uint32_t *)((char *)&word_a + 2);

	CHECK_U64(pith_sched_futex(odd, PRIV(FUTEX_WAIT), 0, 0, NULL, 0), (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(odd, PRIV(FUTEX_WAKE), 1, 0, NULL, 0), (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(NULL, PRIV(FUTEX_WAIT), 0, 0, NULL, 0), (uint64_t)-EFAULT);
	CHECK_U64(pith_sched_futex((uint32_t *)0x100, FUTEX_WAKE, 1, 0, NULL, 0),
		  (uint64_t)-EFAULT);
	CHECK_U64(pith_sched_futex(&word_a, PRIV(FUTEX_WAIT_BITSET), 0, 0, NULL, 0),
		  (uint64_t)-EINVAL);
	CHECK_U64(pith_sched_futex(&word_a, PRIV(FUTEX_WAKE_BITSET), 1, 0, NULL, 0),
		  (uint64_t)-EINVAL);
	/* FUTEX_CLOCK_REALTIME only with a wait (futex(2): also plain FUTEX_WAIT since 4.5) */
	CHECK_U64(pith_sched_futex(&word_a, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, 0, NULL, 0),
		  (uint64_t)-ENOSYS);
	word_a = 1;
	CHECK_U64(pith_sched_futex(&word_a, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, 0, NULL, 0),
		  (uint64_t)-EAGAIN);
	int unsupported[] = {FUTEX_FD,
			     FUTEX_LOCK_PI,
			     FUTEX_UNLOCK_PI,
			     FUTEX_TRYLOCK_PI,
			     FUTEX_WAIT_REQUEUE_PI,
			     FUTEX_CMP_REQUEUE_PI,
			     FUTEX_LOCK_PI2,
			     14,
			     127};
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		CHECKF(pith_sched_futex(&word_a, PRIV(unsupported[i]), 0, 0, &word_b, 0) == -ENOSYS,
		       "op %d is not -ENOSYS", unsupported[i]);
}

/* ---- proc's one-thread futex -------------------------------------------------------------- */

static long one_thread(uint32_t *uaddr, int op, uint32_t val, uint64_t t, uint32_t *u2, uint32_t v3)
{
	struct pith_futex_req r;
	int err = pith_futex_decode(&r, uaddr, op, val, t, u2, v3);

	return err ? err : pith_futex_one_thread(&r);
}

static void test_one_thread(void)
{
	struct timespec ts = {.tv_sec = 1};
	uint64_t start = mono_now;

	word_a = 4;
	CHECK_U64(one_thread(&word_a, PRIV(FUTEX_WAKE), 1, 0, NULL, 0), 0);
	CHECK_U64(one_thread(&word_a, PRIV(FUTEX_WAIT), 3, TS(&ts), NULL, 0), (uint64_t)-EAGAIN);
	CHECK_U64(one_thread(&word_a, PRIV(FUTEX_CMP_REQUEUE), 1, 1, &word_b, 3),
		  (uint64_t)-EAGAIN);
	CHECK_U64(one_thread(&word_a, PRIV(FUTEX_CMP_REQUEUE), 1, 1, &word_b, 4), 0);
	CHECK_U64(one_thread(&word_a, PRIV(FUTEX_WAIT_BITSET), 4, 0, NULL, 0), (uint64_t)-EINVAL);
	io_waits = 0;
	CHECK_U64(one_thread(&word_a, PRIV(FUTEX_WAIT), 4, TS(&ts), NULL, 0), (uint64_t)-ETIMEDOUT);
	CHECK_U64(io_waits, 4); /* 0.3 s per wait until 1 s passed */
	CHECK_U64(io_wait_deadline, start + 1000000000ull);
	CHECK(mono_now >= start + 1000000000ull);
}

int main(void)
{
	test_wait_wake_all();
	test_fifo();
	test_wake_counts();
	test_wake_other_address();
	test_eagain();
	test_bitsets();
	test_plain_wake_matches_bitset_waiter();
	test_requeue();
	test_cmp_requeue();
	test_requeue_same_address();
	test_requeue_errors();
	test_wake_op();
	test_wake_op_arithmetic();
	test_relative_timeout();
	test_absolute_monotonic();
	test_absolute_realtime();
	test_expired();
	test_bad_timespecs();
	test_interrupted();
	test_woken_wins();
	test_spurious();
	test_bad_arguments();
	test_one_thread();
	return test__done();
}
