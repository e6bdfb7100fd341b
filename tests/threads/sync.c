/* The suite's thread and synchronisation cases: create/join, mutexes, condvars, rwlocks, ... */
#include "suite.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

/* ---- 1000 threads alive at once, then joined ------------------------------------------- */

#define MANY 1000
static struct {
	pthread_mutex_t m;
	pthread_cond_t arrived_cv, go_cv;
	int arrived, go;
} crowd = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void *crowd_member(void *arg)
{
	pthread_mutex_lock(&crowd.m);
	crowd.arrived++;
	pthread_cond_signal(&crowd.arrived_cv);
	while (!crowd.go)
		pthread_cond_wait(&crowd.go_cv, &crowd.m);
	pthread_mutex_unlock(&crowd.m);
	return arg;
}

/* Let everyone go and join the first n; the number of wrong return values. */
static int crowd_release(pthread_t *t, int n)
{
	int bad = 0;
	void *ret;

	pthread_mutex_lock(&crowd.m);
	crowd.go = 1;
	pthread_cond_broadcast(&crowd.go_cv);
	pthread_mutex_unlock(&crowd.m);
	for (int i = 0; i < n; i++)
		if (pthread_join(t[i], &ret) != 0 || ret != (void *)(intptr_t)i)
			bad++;
	return bad;
}

int case_create_1000(char *why)
{
	static pthread_t t[MANY];
	int n, rc = 0, alive, bad;

	for (n = 0; n < MANY; n++)
		if ((rc = spawn(&t[n], 64 * 1024, crowd_member, (void *)(intptr_t)n)) != 0)
			break;
	pthread_mutex_lock(&crowd.m);
	while (crowd.arrived < n)
		pthread_cond_wait(&crowd.arrived_cv, &crowd.m);
	alive = crowd.arrived;
	pthread_mutex_unlock(&crowd.m);
	bad = crowd_release(t, n);
	CHECK(n == MANY, "pthread_create #%d (64 KiB stack) failed: %s", n + 1, err_name(rc));
	CHECK(alive == MANY, "%d of %d threads were alive at once", alive, MANY);
	CHECK(bad == 0, "%d joins failed or returned the wrong value", bad);
	return PASS;
}

/* ---- A mutex-protected counter: 8 threads x 1.25e6 increments ----------------------------- */

#define COUNTER_THREADS 8
#define COUNTER_EACH	1250000
static pthread_mutex_t counter_m = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *counter_worker(void *arg)
{
	for (int i = 0; i < COUNTER_EACH; i++) {
		pthread_mutex_lock(&counter_m);
		counter++;
		pthread_mutex_unlock(&counter_m);
	}
	return arg;
}

int case_mutex_counter(char *why)
{
	pthread_t t[COUNTER_THREADS];

	for (int i = 0; i < COUNTER_THREADS; i++)
		CHECK0(spawn(&t[i], 0, counter_worker, NULL));
	for (int i = 0; i < COUNTER_THREADS; i++)
		CHECK0(pthread_join(t[i], NULL));
	CHECK(counter == (long)COUNTER_THREADS * COUNTER_EACH, "counter %ld, want %ld", counter,
	      (long)COUNTER_THREADS * COUNTER_EACH);
	return PASS;
}

/* ---- Producers/consumers through a bounded buffer: 10^6 handoffs -------------------------- */

#define PC_ITEMS 1000000
#define PC_SLOTS 64
static struct {
	pthread_mutex_t m;
	pthread_cond_t not_full, not_empty;
	long buf[PC_SLOTS];
	int head, count;
	long next_item, taken, sum;
} pc = {.m = PTHREAD_MUTEX_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER};

static void *producer(void *arg)
{
	pthread_mutex_lock(&pc.m);
	for (;;) {
		while (pc.count == PC_SLOTS && pc.next_item < PC_ITEMS)
			pthread_cond_wait(&pc.not_full, &pc.m);
		if (pc.next_item == PC_ITEMS)
			break;
		pc.buf[(pc.head + pc.count) % PC_SLOTS] = pc.next_item++;
		pc.count++;
		if (pc.next_item == PC_ITEMS)
			pthread_cond_broadcast(&pc.not_full); /* the other producer ends too */
		pthread_cond_signal(&pc.not_empty);
	}
	pthread_mutex_unlock(&pc.m);
	return arg;
}

static void *consumer(void *arg)
{
	pthread_mutex_lock(&pc.m);
	for (;;) {
		while (pc.count == 0 && pc.taken < PC_ITEMS)
			pthread_cond_wait(&pc.not_empty, &pc.m);
		if (pc.count == 0)
			break;
		pc.sum += pc.buf[pc.head];
		pc.head = (pc.head + 1) % PC_SLOTS;
		pc.count--;
		if (++pc.taken == PC_ITEMS)
			pthread_cond_broadcast(&pc.not_empty); /* the other consumer ends too */
		pthread_cond_signal(&pc.not_full);
	}
	pthread_mutex_unlock(&pc.m);
	return arg;
}

int case_prodcons(char *why)
{
	pthread_t t[4];
	void *(*fn[4])(void *) = {producer, producer, consumer, consumer};
	long want = (long)PC_ITEMS * (PC_ITEMS - 1) / 2;

	for (int i = 0; i < 4; i++)
		CHECK0(spawn(&t[i], 0, fn[i], NULL));
	for (int i = 0; i < 4; i++)
		CHECK0(pthread_join(t[i], NULL));
	CHECK(pc.taken == PC_ITEMS && pc.sum == want, "took %ld items summing %ld, want %d / %ld",
	      pc.taken, pc.sum, PC_ITEMS, want);
	return PASS;
}

/* ---- rwlock: readers together, writers alone -------------------------------------------- */

#define RW_READERS 4
#define RW_WRITERS 2
#define RW_WRITES  2000
static struct {
	pthread_rwlock_t l;
	atomic_int readers_in, writers_in, together, errors;
	long value;
} rw = {.l = PTHREAD_RWLOCK_INITIALIZER};

/* All readers hold the lock at the same time (2 s at most), then many short read sections. */
static void *rw_reader(void *arg)
{
	uint64_t end = mono_ns() + 2000000000u;

	pthread_rwlock_rdlock(&rw.l);
	atomic_fetch_add(&rw.together, 1);
	while (atomic_load(&rw.together) < RW_READERS && mono_ns() < end)
		sleep_ms(1);
	pthread_rwlock_unlock(&rw.l);
	for (int i = 0; i < 5000; i++) {
		pthread_rwlock_rdlock(&rw.l);
		atomic_fetch_add(&rw.readers_in, 1);
		if (atomic_load(&rw.writers_in) != 0)
			atomic_fetch_add(&rw.errors, 1);
		atomic_fetch_sub(&rw.readers_in, 1);
		pthread_rwlock_unlock(&rw.l);
	}
	return arg;
}

static void *rw_writer(void *arg)
{
	for (int i = 0; i < RW_WRITES; i++) {
		pthread_rwlock_wrlock(&rw.l);
		if (atomic_fetch_add(&rw.writers_in, 1) != 0 || atomic_load(&rw.readers_in) != 0)
			atomic_fetch_add(&rw.errors, 1);
		rw.value++;
		atomic_fetch_sub(&rw.writers_in, 1);
		pthread_rwlock_unlock(&rw.l);
	}
	return arg;
}

int case_rwlock(char *why)
{
	pthread_t t[RW_READERS + RW_WRITERS];

	for (int i = 0; i < RW_READERS; i++)
		CHECK0(spawn(&t[i], 0, rw_reader, NULL));
	for (int i = RW_READERS; i < RW_READERS + RW_WRITERS; i++)
		CHECK0(spawn(&t[i], 0, rw_writer, NULL));
	for (int i = 0; i < RW_READERS + RW_WRITERS; i++)
		CHECK0(pthread_join(t[i], NULL));
	CHECK(atomic_load(&rw.together) == RW_READERS, "only %d readers",
	      atomic_load(&rw.together));
	CHECK(rw.value == RW_WRITERS * RW_WRITES, "value %ld, want %d", rw.value,
	      RW_WRITERS * RW_WRITES);
	CHECK(atomic_load(&rw.errors) == 0, "%d sections overlapped a write section",
	      atomic_load(&rw.errors));
	return PASS;
}

/* ---- Barrier: 4 threads, 200 rounds ----------------------------------------------------- */

#define BAR_THREADS 4
#define BAR_ROUNDS  200
static struct {
	pthread_barrier_t b;
	atomic_int round_of[BAR_THREADS], serial, errors;
} bar;

static void *bar_worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int r = 1; r <= BAR_ROUNDS; r++) {
		atomic_store(&bar.round_of[id], r);
		if (pthread_barrier_wait(&bar.b) == PTHREAD_BARRIER_SERIAL_THREAD)
			atomic_fetch_add(&bar.serial, 1);
		for (int j = 0; j < BAR_THREADS; j++)
			if (atomic_load(&bar.round_of[j]) != r)
				atomic_fetch_add(&bar.errors, 1);
		pthread_barrier_wait(&bar.b); /* nobody starts the next round before all checked */
	}
	return arg;
}

int case_barrier(char *why)
{
	pthread_t t[BAR_THREADS];

	CHECK0(pthread_barrier_init(&bar.b, NULL, BAR_THREADS));
	for (int i = 0; i < BAR_THREADS; i++)
		CHECK0(spawn(&t[i], 0, bar_worker, (void *)(intptr_t)i));
	for (int i = 0; i < BAR_THREADS; i++)
		CHECK0(pthread_join(t[i], NULL));
	pthread_barrier_destroy(&bar.b);
	CHECK(atomic_load(&bar.errors) == 0, "%d threads passed a barrier early",
	      atomic_load(&bar.errors));
	CHECK(atomic_load(&bar.serial) == BAR_ROUNDS,
	      "PTHREAD_BARRIER_SERIAL_THREAD returned %d times, want %d", atomic_load(&bar.serial),
	      BAR_ROUNDS);
	return PASS;
}

/* ---- Semaphores ----------------------------------------------------------------------- */

#define SEM_POSTS 100000
static sem_t sem_items;

static void *sem_poster(void *arg)
{
	for (int i = 0; i < SEM_POSTS; i++)
		sem_post(&sem_items);
	return arg;
}

static void *sem_waiter(void *arg)
{
	for (int i = 0; i < SEM_POSTS; i++)
		while (sem_wait(&sem_items) != 0)
			;
	return arg;
}

int case_semaphore(char *why)
{
	pthread_t t[4];
	void *(*fn[4])(void *) = {sem_poster, sem_waiter, sem_poster, sem_waiter};
	int v = -1;

	CHECK_SYS(sem_init(&sem_items, 0, 0));
	for (int i = 0; i < 4; i++)
		CHECK0(spawn(&t[i], 0, fn[i], NULL));
	for (int i = 0; i < 4; i++)
		CHECK0(pthread_join(t[i], NULL));
	CHECK_SYS(sem_getvalue(&sem_items, &v));
	CHECK(v == 0, "sem_getvalue %d after %d posts and waits, want 0", v, 2 * SEM_POSTS);
	errno = 0;
	CHECK(sem_trywait(&sem_items) == -1 && errno == EAGAIN, "sem_trywait on 0: %s, want EAGAIN",
	      err_name(errno));
	sem_post(&sem_items);
	CHECK(sem_trywait(&sem_items) == 0, "sem_trywait after a post failed: %s", err_name(errno));
	sem_destroy(&sem_items);
	return PASS;
}

/* One sem_timedwait of 100 ms on an empty semaphore; its duration in ms, or -1 with why. */
static double sem_timed_once(sem_t *s, char *why)
{
	struct timespec dl;
	uint64_t t0 = mono_ns();
	int rc, e;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 100000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	errno = 0;
	rc = sem_timedwait(s, &dl);
	e = errno;
	if (rc != -1 || e != ETIMEDOUT) {
		snprintf(why, WHY_LEN, "sem_timedwait returned %d (%s), want -1 ETIMEDOUT", rc,
			 err_name(e));
		return -1;
	}
	return (mono_ns() - t0) / 1e6;
}

/* Best of 3 tries (the machine is shared and noisy): a systematic error still fails. */
int case_sem_timedwait(char *why)
{
	sem_t s;
	double ms[3];
	int i;

	CHECK_SYS(sem_init(&s, 0, 0));
	for (i = 0; i < 3; i++) {
		ms[i] = sem_timed_once(&s, why);
		if (ms[i] < 0)
			return FAIL;
		if (within_pct(ms[i], 100, 10))
			break;
	}
	sem_destroy(&s);
	CHECK(i < 3, "100 ms timeouts took %.1f, %.1f, %.1f ms (want 100..110)", ms[0], ms[1],
	      ms[2]);
	return PASS;
}

/* ---- pthread_once: 8 racing threads, one initialisation -------------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_barrier_t once_start;
static atomic_int once_runs, once_seen_early;

static void once_init(void)
{
	sleep_ms(20); /* the others arrive meanwhile and must wait */
	atomic_fetch_add(&once_runs, 1);
}

static void *once_worker(void *arg)
{
	pthread_barrier_wait(&once_start);
	pthread_once(&once, once_init);
	if (atomic_load(&once_runs) != 1)
		atomic_fetch_add(&once_seen_early, 1);
	return arg;
}

int case_once(char *why)
{
	pthread_t t[8];

	CHECK0(pthread_barrier_init(&once_start, NULL, 8));
	for (int i = 0; i < 8; i++)
		CHECK0(spawn(&t[i], 0, once_worker, NULL));
	for (int i = 0; i < 8; i++)
		CHECK0(pthread_join(t[i], NULL));
	CHECK(atomic_load(&once_runs) == 1, "the init function ran %d times",
	      atomic_load(&once_runs));
	CHECK(atomic_load(&once_seen_early) == 0, "%d threads returned before the init finished",
	      atomic_load(&once_seen_early));
	return PASS;
}

/* ---- TLS with initialisers; per-thread independence ------------------------------------- */

static __thread int tls_x = 42;
static __thread char tls_name[16] = "initial";
static __thread long tls_zero;

static void *tls_worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	long bad = 0;

	if (tls_x != 42 || strcmp(tls_name, "initial") != 0 || tls_zero != 0)
		bad = 1;
	tls_x = 1000 + id;
	tls_zero = id;
	snprintf(tls_name, sizeof(tls_name), "t%d", id);
	sleep_ms(10); /* the others write theirs meanwhile */
	if (tls_x != 1000 + id || tls_zero != id || atoi(tls_name + 1) != id)
		bad |= 2;
	return (void *)bad;
}

int case_tls(char *why)
{
	pthread_t t[8];
	void *bad;

	tls_x = 7;
	for (int i = 0; i < 8; i++)
		CHECK0(spawn(&t[i], 0, tls_worker, (void *)(intptr_t)i));
	for (int i = 0; i < 8; i++) {
		CHECK0(pthread_join(t[i], &bad));
		CHECK(!((long)bad & 1),
		      "thread %d did not see the initial values (42, \"initial\", 0)", i);
		CHECK(!((long)bad & 2), "thread %d's values were changed by another thread", i);
	}
	CHECK(tls_x == 7, "the main thread's tls_x is %d, want 7", tls_x);
	return PASS;
}

/* ---- pthread_key_create destructors at thread exit -------------------------------------- */

static pthread_key_t dtor_key;
static atomic_int dtor_calls, dtor_seen[8];

static void dtor(void *v)
{
	atomic_fetch_add(&dtor_calls, 1);
	atomic_fetch_add(&dtor_seen[*(int *)v], 1);
}

static void *dtor_worker(void *arg)
{
	static int ids[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	int id = (int)(intptr_t)arg;

	if (id == 7)
		return NULL; /* no value: no destructor call */
	pthread_setspecific(dtor_key, &ids[id]);
	if (id % 2)
		pthread_exit(NULL); /* destructors run on pthread_exit as on return */
	return NULL;
}

int case_tls_dtor(char *why)
{
	pthread_t t[8];

	CHECK0(pthread_key_create(&dtor_key, dtor));
	for (int i = 0; i < 8; i++)
		CHECK0(spawn(&t[i], 0, dtor_worker, (void *)(intptr_t)i));
	for (int i = 0; i < 8; i++)
		CHECK0(pthread_join(t[i], NULL));
	CHECK(atomic_load(&dtor_calls) == 7, "%d destructor calls, want 7",
	      atomic_load(&dtor_calls));
	for (int i = 0; i < 7; i++)
		CHECK(atomic_load(&dtor_seen[i]) == 1, "thread %d's value was destroyed %d times",
		      i, atomic_load(&dtor_seen[i]));
	pthread_key_delete(dtor_key);
	return PASS;
}

/* ---- 10,000 detached threads in waves of 100 -------------------------------------------- */

#define DET_WAVES 100
#define DET_WAVE  100
static sem_t det_done;
static atomic_int det_ran;

static void *det_worker(void *arg)
{
	atomic_fetch_add(&det_ran, 1);
	sem_post(&det_done);
	return arg;
}

/* Process size in pages from /proc (natively), or -1 where there is none (Pith). */
static long vm_pages(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = -1;

	if (f) {
		if (fscanf(f, "%ld", &pages) != 1)
			pages = -1;
		fclose(f);
	}
	return pages;
}

/*
 * Default-sized stacks (musl: 128 KiB + guard): leaked stacks of 10,000 threads would need
 * 1.3 GiB, more than the 512 MiB the suite gives Pith, so a leak fails pthread_create there;
 * natively the process size must not grow by more than 16 MiB from wave 2 to the end.
 */
int case_detached(char *why)
{
	pthread_attr_t a;
	pthread_t t;
	long base = -1, end;

	CHECK_SYS(sem_init(&det_done, 0, 0));
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (int w = 0; w < DET_WAVES; w++) {
		for (int i = 0; i < DET_WAVE; i++) {
			int rc = pthread_create(&t, &a, det_worker, NULL);
			CHECK(rc == 0, "wave %d thread %d: pthread_create: %s", w, i, err_name(rc));
		}
		for (int i = 0; i < DET_WAVE; i++)
			while (sem_wait(&det_done) != 0)
				;
		if (w == 1)
			base = vm_pages();
	}
	pthread_attr_destroy(&a);
	end = vm_pages();
	CHECK(atomic_load(&det_ran) == DET_WAVES * DET_WAVE, "%d threads ran, want %d",
	      atomic_load(&det_ran), DET_WAVES * DET_WAVE);
	CHECK(base < 0 || end - base < 4096, "the process grew by %ld KiB over the waves",
	      (end - base) * 4);
	return PASS;
}

/* ---- C11 threads: thrd_create/join, mtx, cnd, tss, call_once ---------------------------- */

static mtx_t c11_m;
static cnd_t c11_c;
static int c11_flag, c11_sum;
static tss_t c11_key;
static atomic_int c11_tss_dtors;

static void c11_tss_dtor(void *v)
{
	(void)v;
	atomic_fetch_add(&c11_tss_dtors, 1);
}

static int c11_adder(void *arg)
{
	int id = (int)(intptr_t)arg;

	tss_set(c11_key, &c11_sum);
	for (int i = 0; i < 10000; i++) {
		mtx_lock(&c11_m);
		c11_sum++;
		mtx_unlock(&c11_m);
	}
	return id;
}

static int c11_waiter(void *arg)
{
	mtx_lock(&c11_m);
	while (!c11_flag)
		cnd_wait(&c11_c, &c11_m);
	mtx_unlock(&c11_m);
	return (int)(intptr_t)arg;
}

int case_c11_threads(char *why)
{
	thrd_t t[5];
	int res;

	CHECK(mtx_init(&c11_m, mtx_plain) == thrd_success && cnd_init(&c11_c) == thrd_success &&
		  tss_create(&c11_key, c11_tss_dtor) == thrd_success,
	      "mtx_init/cnd_init/tss_create failed");
	CHECK(thrd_create(&t[4], c11_waiter, (void *)44) == thrd_success, "thrd_create failed");
	for (int i = 0; i < 4; i++)
		CHECK(thrd_create(&t[i], c11_adder, (void *)(intptr_t)i) == thrd_success,
		      "thrd_create failed");
	for (int i = 0; i < 4; i++) {
		CHECK(thrd_join(t[i], &res) == thrd_success && res == i,
		      "thrd_join: result %d, want %d", res, i);
	}
	sleep_ms(10);
	mtx_lock(&c11_m);
	c11_flag = 1;
	cnd_signal(&c11_c);
	mtx_unlock(&c11_m);
	CHECK(thrd_join(t[4], &res) == thrd_success && res == 44, "the cnd_wait thread: %d", res);
	CHECK(c11_sum == 40000, "sum %d, want 40000", c11_sum);
	CHECK(atomic_load(&c11_tss_dtors) == 4, "%d tss destructor calls, want 4",
	      atomic_load(&c11_tss_dtors));
	return PASS;
}
