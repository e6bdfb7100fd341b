/* The scheduler's lists: the FIFO run queue, the sleep queue and the kernel-timer queue. */
#include <stddef.h>

#include "sched/internal.h"

void pith_runq_push(struct pith_runq *q, struct pith_thread *t)
{
	t->run_next = NULL;
	if (q->tail)
		q->tail->run_next = t;
	else
		q->head = t;
	q->tail = t;
}

struct pith_thread *pith_runq_pop(struct pith_runq *q)
{
	struct pith_thread *t = q->head;

	if (!t)
		return NULL;
	q->head = t->run_next;
	if (!q->head)
		q->tail = NULL;
	t->run_next = NULL;
	return t;
}

/* After every thread with a deadline <= t's: equal deadlines wake in the order they slept. */
void pith_sleepq_insert(struct pith_sleepq *q, struct pith_thread *t)
{
	struct pith_thread **p = &q->head;

	while (*p && (*p)->deadline <= t->deadline)
		p = &(*p)->sleep_next;
	t->sleep_next = *p;
	*p = t;
}

bool pith_sleepq_remove(struct pith_sleepq *q, struct pith_thread *t)
{
	struct pith_thread **p = &q->head;

	while (*p && *p != t)
		p = &(*p)->sleep_next;
	if (!*p)
		return false;
	*p = t->sleep_next;
	t->sleep_next = NULL;
	return true;
}

struct pith_thread *pith_sleepq_pop_due(struct pith_sleepq *q, uint64_t now)
{
	struct pith_thread *t = q->head;

	if (!t || t->deadline > now)
		return NULL;
	q->head = t->sleep_next;
	t->sleep_next = NULL;
	return t;
}

void pith_ktimerq_insert(struct pith_ktimerq *q, struct pith_ktimer *t)
{
	struct pith_ktimer **p = &q->head;

	while (*p && (*p)->deadline <= t->deadline)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->armed = true;
}

void pith_ktimerq_remove(struct pith_ktimerq *q, struct pith_ktimer *t)
{
	struct pith_ktimer **p = &q->head;

	while (*p && *p != t)
		p = &(*p)->next;
	if (*p)
		*p = t->next;
	t->next = NULL;
	t->armed = false;
}

struct pith_ktimer *pith_ktimerq_pop_due(struct pith_ktimerq *q, uint64_t now)
{
	struct pith_ktimer *t = q->head;

	if (!t || t->deadline > now)
		return NULL;
	q->head = t->next;
	t->next = NULL;
	t->armed = false;
	return t;
}
