/* The suite's scheduling cases: blocking I/O beside a busy thread, preemption, timed waits. */
#include "suite.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* From Linux's include/uapi/linux/futex.h (musl-gcc has no kernel headers). */
#define FUTEX_WAIT_PRIVATE	  128
#define FUTEX_WAIT_BITSET_PRIVATE (9 | 128)
#define FUTEX_CLOCK_REALTIME	  256
#define FUTEX_BITSET_MATCH_ANY	  0xffffffffu

/* ---- A thread blocked in read() while another computes ---------------------------------- */

struct blocked_reader {
	int fd;
	char buf[32];
	long n;
	atomic_int done;
};

static void *read_thread(void *arg)
{
	struct blocked_reader *r = arg;

	r->n = read(r->fd, r->buf, sizeof(r->buf) - 1);
	atomic_store(&r->done, 1);
	return NULL;
}

/* Compute for ms milliseconds; the number of loop rounds (the work done). */
static unsigned long busy_ms(unsigned ms)
{
	uint64_t end = mono_ns() + ms * 1000000ull;
	volatile unsigned long x = 0;
	unsigned long rounds = 0;

	while (mono_ns() < end) {
		for (int i = 0; i < 1000; i++)
			x++;
		rounds++;
	}
	return rounds;
}

/*
 * Start a reader on fd, compute 100 ms (the reader must still be blocked), then send "wake"
 * with send_fn and check the reader returns it.
 */
static int block_then_wake(int fd, int (*send_fn)(void *), void *ctx, char *why)
{
	struct blocked_reader r = {.fd = fd};
	pthread_t t;
	unsigned long work;
	int early;

	CHECK0(spawn(&t, 0, read_thread, &r));
	work = busy_ms(100);
	early = atomic_load(&r.done);
	CHECK_SYS(send_fn(ctx));
	CHECK0(pthread_join(t, NULL));
	CHECK(!early, "the reader returned %ld before anything was written", r.n);
	CHECK(work > 0, "the busy thread made no progress while the reader was blocked");
	CHECK(r.n == 4 && memcmp(r.buf, "wake", 4) == 0, "the reader got %ld bytes", r.n);
	return PASS;
}

static int pipe_send(void *ctx)
{
	return (int)write(*(int *)ctx, "wake", 4);
}

int case_pipe_block(char *why)
{
	int p[2], rc;

	CHECK_SYS(pipe(p));
	rc = block_then_wake(p[0], pipe_send, &p[1], why);
	close(p[0]);
	close(p[1]);
	return rc;
}

struct udp_pair {
	int rx, tx;
	struct sockaddr_in to;
};

static int udp_send(void *ctx)
{
	struct udp_pair *u = ctx;

	return (int)sendto(u->tx, "wake", 4, 0, (struct sockaddr *)&u->to, sizeof(u->to));
}

/* A UDP socket bound to 127.0.0.1 (AF_UNIX may be missing in Pith; UDP loopback is not). */
int case_udp_block(char *why)
{
	struct udp_pair u = {.to = {.sin_family = AF_INET}};
	socklen_t len = sizeof(u.to);
	int rc;

	u.to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_SYS(u.rx = socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_SYS(u.tx = socket(AF_INET, SOCK_DGRAM, 0));
	CHECK_SYS(bind(u.rx, (struct sockaddr *)&u.to, sizeof(u.to)));
	CHECK_SYS(getsockname(u.rx, (struct sockaddr *)&u.to, &len));
	rc = block_then_wake(u.rx, udp_send, &u, why);
	close(u.rx);
	close(u.tx);
	return rc;
}

/* ---- Two CPU-bound threads both progress (preemption) ---------------------------------- */

static atomic_int spin_stop;

static void *spinner(void *arg)
{
	volatile unsigned long *n = arg;

	while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
		(*n)++;
	return NULL;
}

int case_preempt(char *why)
{
	static volatile unsigned long n[2];
	pthread_t t[2];
	unsigned long lo, hi;

	for (int i = 0; i < 2; i++)
		CHECK0(spawn(&t[i], 0, spinner, (void *)&n[i]));
	sleep_ms(300);
	atomic_store(&spin_stop, 1);
	for (int i = 0; i < 2; i++)
		CHECK0(pthread_join(t[i], NULL));
	lo = n[0] < n[1] ? n[0] : n[1];
	hi = n[0] < n[1] ? n[1] : n[0];
	CHECK(lo > 0 && lo >= hi / 10,
	      "counters %lu and %lu after 300 ms (want both > 0, within 10x)", n[0], n[1]);
	return PASS;
}

/* ---- Timed waits honoured within 10% ----------------------------------------------------- */

static struct timespec deadline_in(int clock, long ns)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_nsec += ns;
	while (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* A 100 ms pthread_cond_timedwait on clock; its duration in ms, or -1 if it did not time out. */
static double cond_timed_once(int clock)
{
	pthread_condattr_t ca;
	pthread_cond_t c;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	struct timespec dl;
	uint64_t t0;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, clock);
	pthread_cond_init(&c, &ca);
	pthread_mutex_lock(&m);
	t0 = mono_ns();
	dl = deadline_in(clock, 100000000);
	do
		rc = pthread_cond_timedwait(&c, &m, &dl);
	while (rc == 0); /* a spurious wakeup: wait again for the same deadline */
	t0 = mono_ns() - t0;
	pthread_mutex_unlock(&m);
	pthread_cond_destroy(&c);
	pthread_condattr_destroy(&ca);
	return rc == ETIMEDOUT ? t0 / 1e6 : -1;
}

/* Best of 3 (a shared, noisy machine): a systematic error still fails all three. */
static int timed_case(double (*once)(int), int arg, const char *what, char *why)
{
	double ms[3];
	int i;

	for (i = 0; i < 3; i++) {
		ms[i] = once(arg);
		CHECK(ms[i] >= 0, "%s did not time out (ETIMEDOUT)", what);
		if (within_pct(ms[i], 100, 10))
			return PASS;
	}
	CHECK(0, "%s: 100 ms timeouts took %.1f, %.1f, %.1f ms (want 100..110)", what, ms[0], ms[1],
	      ms[2]);
}

int case_cond_timed_mono(char *why)
{
	return timed_case(cond_timed_once, CLOCK_MONOTONIC, "cond_timedwait (CLOCK_MONOTONIC)",
			  why);
}

int case_cond_timed_real(char *why)
{
	return timed_case(cond_timed_once, CLOCK_REALTIME, "cond_timedwait (CLOCK_REALTIME)", why);
}

/* Raw futex waits of 100 ms: 0 relative, 1 absolute monotonic (bitset), 2 absolute realtime. */
static double futex_once(int kind)
{
	static int word;
	struct timespec ts = {0, 100000000};
	uint64_t t0 = mono_ns();
	long rc;

	if (kind == 0)
		rc = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
	else {
		ts = deadline_in(kind == 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME, 100000000);
		rc = syscall(SYS_futex, &word,
			     FUTEX_WAIT_BITSET_PRIVATE | (kind == 2 ? FUTEX_CLOCK_REALTIME : 0), 0,
			     &ts, NULL, FUTEX_BITSET_MATCH_ANY);
	}
	return rc == -1 && errno == ETIMEDOUT ? (mono_ns() - t0) / 1e6 : -1;
}

int case_futex_timeout(char *why)
{
	static const char *what[] = {"FUTEX_WAIT relative", "FUTEX_WAIT_BITSET monotonic",
				     "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME"};
	int word = 1;

	errno = 0;
	CHECK(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 &&
		  errno == EAGAIN,
	      "FUTEX_WAIT on a changed value: %s, want EAGAIN", err_name(errno));
	for (int k = 0; k < 3; k++)
		if (timed_case(futex_once, k, what[k], why) != PASS)
			return FAIL;
	return PASS;
}
