/* Host test: the scheduler's run queue (FIFO), sleep queue and kernel-timer queue (by deadline). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sched/internal.h"
#include "test.h"

static struct pith_thread *thread(int tid, uint64_t deadline)
{
	struct pith_thread *t = calloc(1, sizeof(*t));

	t->tid = tid;
	t->deadline = deadline;
	return t;
}

static void test_runq_fifo(void)
{
	struct pith_runq q = {0};
	struct pith_thread *t[5];

	CHECK(pith_runq_empty(&q));
	CHECK(pith_runq_pop(&q) == NULL);
	for (int i = 0; i < 5; i++) {
		t[i] = thread(i + 1, UINT64_MAX);
		pith_runq_push(&q, t[i]);
	}
	CHECK(!pith_runq_empty(&q));
	for (int i = 0; i < 3; i++)
		CHECK(pith_runq_pop(&q) == t[i]);
	pith_runq_push(&q, t[0]); /* a preempted thread goes to the end */
	CHECK(pith_runq_pop(&q) == t[3]);
	CHECK(pith_runq_pop(&q) == t[4]);
	CHECK(pith_runq_pop(&q) == t[0]);
	CHECK(pith_runq_empty(&q));
	CHECK(q.tail == NULL);
	pith_runq_push(&q, t[1]); /* usable again after running empty */
	CHECK(pith_runq_pop(&q) == t[1]);
	for (int i = 0; i < 5; i++)
		free(t[i]);
}

static void test_sleepq_order(void)
{
	struct pith_sleepq q = {0};
	uint64_t d[8] = {50, 10, 30, 10, 70, 30, 5, 100};
	struct pith_thread *t[8];

	CHECK_U64(pith_sleepq_first(&q), UINT64_MAX);
	for (int i = 0; i < 8; i++) {
		t[i] = thread(i + 1, d[i]);
		pith_sleepq_insert(&q, t[i]);
	}
	CHECK_U64(pith_sleepq_first(&q), 5);
	CHECK(pith_sleepq_pop_due(&q, 4) == NULL); /* nothing due yet */
	CHECK(pith_sleepq_pop_due(&q, 10) == t[6]);
	CHECK(pith_sleepq_pop_due(&q, 10) == t[1]); /* equal deadlines: the order they slept */
	CHECK(pith_sleepq_pop_due(&q, 10) == t[3]);
	CHECK(pith_sleepq_pop_due(&q, 10) == NULL);
	CHECK(pith_sleepq_remove(&q, t[5])); /* woken before its deadline */
	CHECK(!pith_sleepq_remove(&q, t[5]));
	CHECK(pith_sleepq_pop_due(&q, 1000) == t[2]);
	CHECK(pith_sleepq_remove(&q, t[7])); /* the last one */
	CHECK(pith_sleepq_pop_due(&q, 1000) == t[0]);
	CHECK(pith_sleepq_pop_due(&q, 1000) == t[4]);
	CHECK(pith_sleepq_pop_due(&q, UINT64_MAX) == NULL);
	CHECK_U64(pith_sleepq_first(&q), UINT64_MAX);
	for (int i = 0; i < 8; i++)
		free(t[i]);
}

static int fired[8], nfired;

static void record(struct pith_ktimer *t, uint64_t now)
{
	(void)now;
	fired[nfired++] = (int)(t->deadline);
}

static void test_ktimer_order(void)
{
	struct pith_ktimerq q = {0};
	struct pith_ktimer k[5] = {
	    {.deadline = 300, .fn = record}, {.deadline = 100, .fn = record},
	    {.deadline = 200, .fn = record}, {.deadline = 100, .fn = record},
	    {.deadline = 400, .fn = record},
	};
	struct pith_ktimer *t;

	for (int i = 0; i < 5; i++)
		pith_ktimerq_insert(&q, &k[i]);
	CHECK(k[0].armed && k[4].armed);
	CHECK_U64(pith_ktimerq_first(&q), 100);
	pith_ktimerq_remove(&q, &k[2]); /* cancelled */
	CHECK(!k[2].armed);
	pith_ktimerq_remove(&q, &k[2]); /* cancelling twice is harmless */
	while ((t = pith_ktimerq_pop_due(&q, 300)))
		t->fn(t, 300);
	CHECK_U64(nfired, 3);
	CHECK(fired[0] == 100 && fired[1] == 100 && fired[2] == 300);
	CHECK(!k[1].armed && !k[3].armed && !k[0].armed);
	CHECK(k[4].armed);
	CHECK_U64(pith_ktimerq_first(&q), 400);
	k[1].deadline = 350; /* re-armed from a callback, as an interval timer does */
	pith_ktimerq_insert(&q, &k[1]);
	CHECK(pith_ktimerq_pop_due(&q, 1000) == &k[1]);
	CHECK(pith_ktimerq_pop_due(&q, 1000) == &k[4]);
	CHECK(pith_ktimerq_pop_due(&q, 1000) == NULL);
}

int main(void)
{
	test_runq_fifo();
	test_sleepq_order();
	test_ktimer_order();
	return test__done();
}
