/* Host test: alarm/setitimer/getitimer and the POSIX timers with a fake clock and kernel timers. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "sched/sched.h"
#include "signal/internal.h"
#include "signal/signal.h"
#include "test.h"

#define MS 1000000ULL

#define SYSCALLS(X)                                                                                \
	X(alarm)                                                                                   \
	X(setitimer)                                                                               \
	X(getitimer)                                                                               \
	X(timer_create) X(timer_settime) X(timer_gettime) X(timer_getoverrun) X(timer_delete)
#define DECLARE(name) long pith_sys_##name(long a, long b, long c, long d, long e, long f);
SYSCALLS(DECLARE)

#define SYS(name, ...) sys_(pith_sys_##name, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys_(fn, a, b, c, d, e, f, ...)                                                            \
	fn((long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* ---- Stand-ins: clock, tracing, threads, kernel timers, signal generation ------------------ */

static uint64_t now_ns = 5000 * MS;
static const uint64_t realtime_offset = 1700000000ULL * 1000000000ULL;
int pith_trace_enabled;
struct pith_sigproc pith_sigproc;

uint64_t pith_time_monotonic_ns(void)
{
	return now_ns;
}

uint64_t pith_time_realtime_ns(void)
{
	return now_ns + realtime_offset;
}

int pith_time_clock_ns(int clock, uint64_t *ns)
{
	*ns = clock == CLOCK_REALTIME ? pith_time_realtime_ns() : now_ns;
	return 0;
}

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a, long b, long c,
			long d, long e, long f)
{
	(void)nr, (void)kinds, (void)retkind, (void)ret, (void)a, (void)b, (void)c, (void)d,
	    (void)e, (void)f;
}

struct pith_thread {
	int tid;
	struct pith_sigthread sig;
};

static struct pith_thread threads[2] = {{.tid = 1}, {.tid = 2}};

struct pith_thread *pith_thread_find(int tid)
{
	return tid >= 1 && tid <= 2 ? &threads[tid - 1] : NULL;
}

struct pith_sigthread *pith_thread_sig(struct pith_thread *t)
{
	return &t->sig;
}

struct pith_thread *pith_thread_next(struct pith_thread *t)
{
	return !t ? &threads[0] : t == &threads[0] ? &threads[1] : NULL;
}

static int kicks;

bool pith_signal_deliverable(struct pith_thread *t)
{
	return ((t->sig.pending | pith_sigproc.pending) & ~t->sig.mask) != 0;
}

void pith_sig_kick(struct pith_thread *t)
{
	if (pith_signal_deliverable(t))
		kicks++;
}

/* Armed kernel timers (at most a few at once in these tests). */
#define KT_MAX 160
static struct pith_ktimer *armed[KT_MAX];

void pith_ktimer_arm(struct pith_ktimer *t, uint64_t deadline_ns)
{
	pith_ktimer_cancel(t);
	t->deadline = deadline_ns;
	t->armed = true;
	for (int i = 0; i < KT_MAX; i++)
		if (!armed[i]) {
			armed[i] = t;
			return;
		}
	CHECK(!"too many armed kernel timers");
}

void pith_ktimer_cancel(struct pith_ktimer *t)
{
	for (int i = 0; i < KT_MAX; i++)
		if (armed[i] == t)
			armed[i] = NULL;
	t->armed = false;
}

/* The earliest armed timer due by `by`, or -1. */
static int kt_due(uint64_t by)
{
	int best = -1;

	for (int i = 0; i < KT_MAX; i++)
		if (armed[i] && armed[i]->deadline <= by &&
		    (best < 0 || armed[i]->deadline < armed[best]->deadline))
			best = i;
	return best;
}

static void kt_fire(int i, uint64_t at)
{
	struct pith_ktimer *t = armed[i];

	armed[i] = NULL;
	t->armed = false;
	t->fn(t, at);
}

/* Time passes to `to` with every expiry run on time (the scheduler keeps up). */
static void run_until(uint64_t to)
{
	int i;

	while ((i = kt_due(to)) >= 0) {
		now_ns = armed[i]->deadline > now_ns ? armed[i]->deadline : now_ns;
		kt_fire(i, now_ns);
	}
	now_ns = to;
}

/* Time jumps to `to` and the due timers run only then (the scheduler was late). */
static void jump_to(uint64_t to)
{
	int i;

	now_ns = to;
	while ((i = kt_due(to)) >= 0)
		kt_fire(i, to);
}

static int sends_process, sends_thread;

int pith_signal_send_process(int sig, const struct pith_ksiginfo *info)
{
	sends_process++;
	return pith_sig_enqueue(&pith_sigproc, NULL, NULL, sig, info);
}

int pith_signal_send_thread(struct pith_thread *t, int sig, const struct pith_ksiginfo *info)
{
	sends_thread++;
	return pith_sig_enqueue(&pith_sigproc, &t->sig, t, sig, info);
}

/* Delivers (dequeues) one pending signal for thread tid: its number, 0 if none. */
static int deliver(int tid, struct pith_ksiginfo *info)
{
	struct pith_thread *t = pith_thread_find(tid);

	memset(info, 0, sizeof(*info));
	return pith_sig_dequeue(&pith_sigproc, &t->sig, t, ~0ULL, info);
}

static void reset_signals(void)
{
	memset(&pith_sigproc, 0, sizeof(pith_sigproc));
	memset(&threads[0].sig, 0, sizeof(threads[0].sig));
	memset(&threads[1].sig, 0, sizeof(threads[1].sig));
	sends_process = sends_thread = kicks = 0;
}

/* ---- itimer --------------------------------------------------------------------------------- */

static long set_real(long value_us, long interval_us, struct itimerval *old)
{
	struct itimerval v = {.it_value = {value_us / 1000000, value_us % 1000000},
			      .it_interval = {interval_us / 1000000, interval_us % 1000000}};

	return SYS(setitimer, ITIMER_REAL, &v, old);
}

static void test_setitimer_interval(void)
{
	uint64_t start = now_ns;
	struct itimerval old;

	reset_signals();
	CHECK(set_real(10000, 10000, &old) == 0);
	CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
	for (uint64_t t = start; t <= start + 200 * MS; t += MS) /* 1 ms steps, as a busy loop */
		run_until(t);
	CHECK_U64(sends_process, 20);
	CHECK(pith_sigproc.pending & PITH_SIG_BIT(SIGALRM));
	CHECK(pith_sigproc.info[SIGALRM - 1].code == SI_KERNEL);
	CHECK(set_real(0, 0, &old) == 0); /* disarm: old shows the next expiry, 10 ms away */
	CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 10000);
	CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 10000);
	run_until(now_ns + 100 * MS);
	CHECK_U64(sends_process, 20);
}

/* A late expiry reloads past now: the periods missed are dropped (one SIGALRM), as Linux. */
static void test_setitimer_late(void)
{
	uint64_t start = now_ns;
	struct itimerval cur;

	reset_signals();
	CHECK(set_real(10000, 10000, NULL) == 0);
	jump_to(start + 35 * MS);
	CHECK_U64(sends_process, 1);
	CHECK(SYS(getitimer, ITIMER_REAL, &cur) == 0);
	CHECK_U64(cur.it_value.tv_usec, 5000); /* next at start + 40 ms */
	run_until(start + 40 * MS);
	CHECK_U64(sends_process, 2);
	CHECK(set_real(0, 0, NULL) == 0);
}

static void test_getitimer(void)
{
	struct itimerval cur;

	CHECK(set_real(1500000, 250000, NULL) == 0);
	run_until(now_ns + 400 * MS + 999); /* truncated to microseconds, as Linux */
	CHECK(SYS(getitimer, ITIMER_REAL, &cur) == 0);
	CHECK(cur.it_value.tv_sec == 1 && cur.it_value.tv_usec == 99999);
	CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 250000);
	CHECK(SYS(getitimer, ITIMER_VIRTUAL, &cur) == -EINVAL);
	CHECK(SYS(getitimer, ITIMER_PROF, &cur) == -EINVAL);
	CHECK(SYS(getitimer, 3, &cur) == -EINVAL);
	CHECK(set_real(0, 0, NULL) == 0);
	CHECK(SYS(getitimer, ITIMER_REAL, &cur) == 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0 &&
	      cur.it_interval.tv_usec == 0);
}

static void test_setitimer_checks(void)
{
	struct itimerval bad = {.it_value = {1, 1000000}}, neg = {.it_interval = {0, -1}}, cur;
	struct itimerval ok = {.it_value = {2, 0}};

	CHECK(SYS(setitimer, ITIMER_REAL, &bad, NULL) == -EINVAL);
	CHECK(SYS(setitimer, ITIMER_REAL, &neg, NULL) == -EINVAL);
	bad = (struct itimerval){.it_value = {-1, 0}};
	CHECK(SYS(setitimer, ITIMER_REAL, &bad, NULL) == -EINVAL);
	CHECK(SYS(setitimer, ITIMER_VIRTUAL, &ok, NULL) == -EINVAL); /* no CPU-time accounting */
	CHECK(SYS(setitimer, ITIMER_PROF, &ok, NULL) == -EINVAL);
	CHECK(SYS(setitimer, ITIMER_REAL, &ok, NULL) == 0);
	CHECK(SYS(setitimer, ITIMER_REAL, NULL, &cur) == 0); /* NULL disarms, as Linux */
	CHECK(cur.it_value.tv_sec == 2 && cur.it_value.tv_usec == 0);
	CHECK(SYS(getitimer, ITIMER_REAL, &cur) == 0);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
}

/* alarm returns the previous alarm's seconds rounded to nearest, never 0 while one is pending. */
static void test_alarm(void)
{
	reset_signals();
	CHECK(SYS(alarm, 5) == 0);
	run_until(now_ns + 2400 * MS);
	CHECK(SYS(alarm, 5) == 3); /* 2.6 s left */
	run_until(now_ns + 2600 * MS);
	CHECK(SYS(alarm, 5) == 2); /* 2.4 s left */
	run_until(now_ns + 4999 * MS);
	CHECK(SYS(alarm, 5) == 1); /* 1 ms left: never 0 */
	run_until(now_ns + 5000 * MS);
	CHECK_U64(sends_process, 1);
	CHECK(SYS(alarm, 0) == 0); /* it went off: nothing left */
	CHECK(SYS(alarm, 3) == 0);
	CHECK(SYS(alarm, 0) == 3);
	run_until(now_ns + 10000 * MS);
	CHECK_U64(sends_process, 1); /* alarm(0) cancelled it */
}

/* ---- POSIX timers -----------------------------------------------------------------------------
 */

struct ksigevent {
	uint64_t value;
	int32_t signo, notify, tid;
};

static long settime(int id, int flags, uint64_t value_ns, uint64_t interval_ns,
		    struct itimerspec *old)
{
	struct itimerspec v = {.it_value = {value_ns / 1000000000, value_ns % 1000000000},
			       .it_interval = {interval_ns / 1000000000, interval_ns % 1000000000}};

	return SYS(timer_settime, id, flags, &v, old);
}

static uint64_t gettime_left(int id)
{
	struct itimerspec v;

	CHECK(SYS(timer_gettime, id, &v) == 0);
	return (uint64_t)v.it_value.tv_sec * 1000000000 + v.it_value.tv_nsec;
}

/* NULL sevp: SIGALRM to the process, si_value = the id; each expiry delivered on time. */
static void test_timer_default(void)
{
	struct pith_ksiginfo info;
	int id = -1, got = 0;
	uint64_t start = now_ns;

	reset_signals();
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, NULL, &id) == 0);
	CHECK(id >= 0);
	CHECK(settime(id, 0, 5 * MS, 5 * MS, NULL) == 0);
	CHECK_U64(gettime_left(id), 5 * MS);
	for (uint64_t t = start; t <= start + 50 * MS; t += MS) {
		run_until(t);
		while (deliver(1, &info)) {
			got++;
			CHECK(info.signo == SIGALRM && info.code == SI_TIMER);
			CHECK(info.f.timer.tid == id && info.f.timer.overrun == 0);
			CHECK(info.f.timer.value == (uint64_t)id);
		}
	}
	CHECK(got == 10);
	CHECK(SYS(timer_getoverrun, id) == 0);
	CHECK(SYS(timer_delete, id) == 0);
	run_until(now_ns + 50 * MS);
	CHECK(sends_process == 10); /* deleted: no more */
	CHECK(SYS(timer_delete, id) == -EINVAL);
}

/* While its signal waits (blocked), the expiries count as overruns of that one signal. */
static void test_timer_overrun_pending(void)
{
	struct ksigevent ev = {.value = 77, .signo = SIGUSR1, .notify = SIGEV_SIGNAL};
	struct pith_ksiginfo info;
	int id;

	reset_signals();
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, &ev, &id) == 0);
	CHECK(settime(id, 0, 10 * MS, 10 * MS, NULL) == 0);
	run_until(now_ns + 100 * MS); /* 10 expiries, nobody takes the signal */
	CHECK(sends_process == 1);
	CHECK(kicks == 9); /* each later expiry wakes a thread that can take the pending one */
	CHECK(deliver(1, &info) == SIGUSR1);
	CHECK(info.f.timer.overrun == 9 && info.f.timer.value == 77);
	CHECK(SYS(timer_getoverrun, id) == 9);
	run_until(now_ns + 10 * MS);
	CHECK(deliver(1, &info) == SIGUSR1);
	CHECK(info.f.timer.overrun == 0);
	CHECK(SYS(timer_getoverrun, id) == 0);
	CHECK(SYS(timer_delete, id) == 0);
}

/* Periods missed because the expiry ran late are overruns too. */
static void test_timer_overrun_late(void)
{
	struct pith_ksiginfo info;
	int id;

	reset_signals();
	CHECK(SYS(timer_create, CLOCK_BOOTTIME, NULL, &id) == 0);
	CHECK(settime(id, 0, 5 * MS, 5 * MS, NULL) == 0);
	jump_to(now_ns + 23 * MS); /* due at 5, 10, 15, 20 */
	CHECK(deliver(1, &info) == SIGALRM);
	CHECK(info.f.timer.overrun == 3);
	CHECK_U64(gettime_left(id), 2 * MS);
	CHECK(SYS(timer_delete, id) == 0);
}

/* SIGEV_THREAD_ID (musl's SIGEV_THREAD): a queued real-time signal to one thread. */
static void test_timer_thread(void)
{
	struct ksigevent ev = {.signo = 32, .notify = SIGEV_SIGNAL | SIGEV_THREAD_ID, .tid = 2};
	struct pith_ksiginfo info;
	int id, bad;

	reset_signals();
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, &ev, &id) == 0);
	CHECK(settime(id, 0, MS, MS, NULL) == 0);
	run_until(now_ns + 4 * MS);
	CHECK(sends_thread == 1 && sends_process == 0);
	CHECK(deliver(1, &info) == 0); /* not for thread 1 */
	CHECK(deliver(2, &info) == 32);
	CHECK(info.code == SI_TIMER && info.f.timer.tid == id && info.f.timer.overrun == 3);
	CHECK(deliver(2, &info) == 0); /* one instance queued, not four */
	ev.tid = 3;
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, &ev, &bad) == -EINVAL); /* no such thread */
	CHECK(SYS(timer_delete, id) == 0);
}

/* TIMER_ABSTIME on CLOCK_REALTIME converts to a monotonic deadline at arm time. */
static void test_timer_abstime(void)
{
	struct pith_ksiginfo info;
	int id;
	uint64_t start = now_ns;

	reset_signals();
	CHECK(SYS(timer_create, CLOCK_REALTIME, NULL, &id) == 0);
	CHECK(settime(id, TIMER_ABSTIME, pith_time_realtime_ns() + 30 * MS, 0, NULL) == 0);
	CHECK_U64(gettime_left(id), 30 * MS);
	run_until(start + 29 * MS);
	CHECK(deliver(1, &info) == 0);
	run_until(start + 30 * MS);
	CHECK(deliver(1, &info) == SIGALRM);
	CHECK_U64(gettime_left(id), 0); /* one-shot: disarmed */
	CHECK(settime(id, TIMER_ABSTIME, pith_time_realtime_ns() - MS, 0, NULL) == 0); /* past */
	run_until(now_ns);
	CHECK(deliver(1, &info) == SIGALRM);
	CHECK(SYS(timer_delete, id) == 0);
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, NULL, &id) == 0);
	CHECK(settime(id, TIMER_ABSTIME, now_ns + 7 * MS, 0, NULL) == 0);
	CHECK_U64(gettime_left(id), 7 * MS);
	CHECK(SYS(timer_delete, id) == 0);
}

/* SIGEV_NONE: no signal; timer_gettime counts down and follows the period. */
static void test_timer_none(void)
{
	struct ksigevent ev = {.notify = SIGEV_NONE};
	struct itimerspec old;
	int id;

	reset_signals();
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, &ev, &id) == 0);
	CHECK(settime(id, 0, 10 * MS, 4 * MS, NULL) == 0);
	run_until(now_ns + 3 * MS);
	CHECK_U64(gettime_left(id), 7 * MS);
	run_until(now_ns + 9 * MS); /* 12 ms: expired at 10, next at 14 */
	CHECK_U64(gettime_left(id), 2 * MS);
	CHECK(settime(id, 0, 0, 0, &old) == 0);
	CHECK(old.it_value.tv_nsec == (long)(2 * MS) && old.it_interval.tv_nsec == (long)(4 * MS));
	CHECK_U64(gettime_left(id), 0);
	CHECK(sends_process == 0 && sends_thread == 0);
	CHECK(SYS(timer_delete, id) == 0);
}

static void test_timer_checks(void)
{
	struct ksigevent ev = {.signo = SIGUSR1, .notify = SIGEV_SIGNAL};
	struct itimerspec bad = {.it_value = {0, 1000000000}};
	int id, ids[128];

	CHECK(SYS(timer_create, CLOCK_PROCESS_CPUTIME_ID, NULL, &id) == -EINVAL);
	CHECK(SYS(timer_create, CLOCK_THREAD_CPUTIME_ID, NULL, &id) == -EINVAL);
	CHECK(SYS(timer_create, CLOCK_MONOTONIC_RAW, NULL, &id) == -EOPNOTSUPP);
	CHECK(SYS(timer_create, 99, NULL, &id) == -EINVAL);
	ev.signo = 0;
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, &ev, &id) == -EINVAL);
	ev.signo = 65;
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, &ev, &id) == -EINVAL);
	ev.signo = SIGUSR1;
	ev.notify = 7;
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, &ev, &id) == -EINVAL);
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, NULL, &id) == 0);
	CHECK(SYS(timer_settime, id, 0, NULL, NULL) == -EINVAL);
	CHECK(SYS(timer_settime, id, 0, &bad, NULL) == -EINVAL);
	bad = (struct itimerspec){.it_interval = {-1, 0}};
	CHECK(SYS(timer_settime, id, 0, &bad, NULL) == -EINVAL);
	CHECK(SYS(timer_settime, id + 1, 0, &bad, NULL) == -EINVAL);
	CHECK(SYS(timer_gettime, 1000, &bad) == -EINVAL);
	CHECK(SYS(timer_getoverrun, -1) == -EINVAL);
	CHECK(SYS(timer_delete, id) == 0);
	for (int i = 0; i < 128; i++)
		CHECK(SYS(timer_create, CLOCK_MONOTONIC, NULL, &ids[i]) == 0);
	CHECK(SYS(timer_create, CLOCK_MONOTONIC, NULL, &id) == -EAGAIN); /* table full */
	for (int i = 0; i < 128; i++)
		CHECK(SYS(timer_delete, ids[i]) == 0);
}

int main(void)
{
	test_setitimer_interval();
	test_setitimer_late();
	test_getitimer();
	test_setitimer_checks();
	test_alarm();
	test_timer_default();
	test_timer_overrun_pending();
	test_timer_overrun_late();
	test_timer_thread();
	test_timer_abstime();
	test_timer_none();
	test_timer_checks();
	return test__done();
}
