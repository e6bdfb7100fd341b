/* bench/threads.sh's program: thread create+join rate, handoffs, condvar round trips, yields. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np: before any header (pith build sets none) */
#endif

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Usage: threadbench FIGURE [N]   prints "FIGURE VALUE" (one measurement), or exits 1.
 *   create_join_per_s   N (default 5000) pthread_create + pthread_join in a row, default attrs
 *   pingpong_per_s      N (default 100000) strict alternations between two threads through two
 *                       semaphores (each handoff: one sem_post, one sem_wait that had to wait)
 *   condvar_rt_us       N (default 20000) round trips main -> worker -> main through one mutex
 *                       and two condition variables (a turn flag), microseconds per round trip
 *   yield_ns            two threads each call sched_yield N (default 100000) times, both pinned to
 *                       the same CPU where that is possible (natively: a switch per yield, as on
 *                       Pith's one vCPU); nanoseconds per yield
 */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *nothing(void *arg)
{
	return arg;
}

static double create_join(long n)
{
	pthread_t t;
	double t0 = now_s();

	for (long i = 0; i < n; i++)
		if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0)
			return -1;
	return n / (now_s() - t0);
}

static sem_t ping, pong;
static long rounds;

static void *ponger(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		sem_wait(&ping);
		sem_post(&pong);
	}
	return arg;
}

static double pingpong(long n)
{
	pthread_t t;
	double t0;

	rounds = n;
	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	if (pthread_create(&t, NULL, ponger, NULL) != 0)
		return -1;
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		sem_post(&ping);
		sem_wait(&pong);
	}
	t0 = now_s() - t0;
	pthread_join(t, NULL);
	return 2 * n / t0; /* two handoffs per round */
}

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t to_worker = PTHREAD_COND_INITIALIZER, to_main = PTHREAD_COND_INITIALIZER;
static int turn; /* 0: main's, 1: the worker's */

static void *cv_worker(void *arg)
{
	pthread_mutex_lock(&cm);
	for (long i = 0; i < rounds; i++) {
		while (turn != 1)
			pthread_cond_wait(&to_worker, &cm);
		turn = 0;
		pthread_cond_signal(&to_main);
	}
	pthread_mutex_unlock(&cm);
	return arg;
}

static double condvar_rt(long n)
{
	pthread_t t;
	double t0;

	rounds = n;
	if (pthread_create(&t, NULL, cv_worker, NULL) != 0)
		return -1;
	t0 = now_s();
	pthread_mutex_lock(&cm);
	for (long i = 0; i < n; i++) {
		turn = 1;
		pthread_cond_signal(&to_worker);
		while (turn != 0)
			pthread_cond_wait(&to_main, &cm);
	}
	pthread_mutex_unlock(&cm);
	t0 = now_s() - t0;
	pthread_join(t, NULL);
	return t0 / n * 1e6;
}

static void *yielder(void *arg)
{
	for (long i = 0; i < rounds; i++)
		sched_yield();
	return arg;
}

/* Pin the calling thread to the first CPU it may use; errors ignored (not everywhere). */
static void pin_first_cpu(void)
{
	cpu_set_t s;

	if (sched_getaffinity(0, sizeof(s), &s) != 0)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &s)) {
			CPU_ZERO(&s);
			CPU_SET(c, &s);
			sched_setaffinity(0, sizeof(s), &s);
			return;
		}
}

static double yield_cost(long n)
{
	pthread_t t;
	double t0;

	rounds = n;
	pin_first_cpu(); /* the new thread inherits it */
	t0 = now_s();
	if (pthread_create(&t, NULL, yielder, NULL) != 0)
		return -1;
	yielder(NULL);
	pthread_join(t, NULL);
	return (now_s() - t0) / (2.0 * n) * 1e9;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		double (*fn)(long);
		long n;
	} figs[] = {{"create_join_per_s", create_join, 5000},
		    {"pingpong_per_s", pingpong, 100000},
		    {"condvar_rt_us", condvar_rt, 20000},
		    {"yield_ns", yield_cost, 100000}};

	for (size_t i = 0; argc >= 2 && i < sizeof(figs) / sizeof(figs[0]); i++) {
		if (strcmp(argv[1], figs[i].name) != 0)
			continue;
		double v = figs[i].fn(argc >= 3 ? atol(argv[2]) : figs[i].n);
		if (v < 0) {
			fprintf(stderr, "threadbench: %s: pthread_create failed\n", argv[1]);
			return 1;
		}
		printf("%s %.3f\n", argv[1], v);
		return 0;
	}
	fprintf(stderr, "usage: threadbench create_join_per_s|pingpong_per_s|condvar_rt_us|"
			"yield_ns [N]\n");
	return 2;
}
