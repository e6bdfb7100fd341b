/* The suite's timer cases: alarm, setitimer(ITIMER_REAL), timer_create (signal and thread). */
#include "suite.h"

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
	atomic_int calls;
	int code, value;
} tick;

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	tick.code = si->si_code;
	tick.value = si->si_value.sival_int;
	atomic_fetch_add(&tick.calls, 1);
}

static int handle_tick(int sig)
{
	struct sigaction sa = {.sa_sigaction = on_tick, .sa_flags = SA_SIGINFO};

	memset(&tick, 0, sizeof(tick));
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* Sleep in 1 ms steps until the handler ran n times or ms passed; the ms waited. */
static double wait_ticks(int n, unsigned ms)
{
	uint64_t t0 = mono_ns(), end = t0 + ms * 1000000ull;
	struct timespec one = {0, 1000000};

	while (atomic_load(&tick.calls) < n && mono_ns() < end)
		nanosleep(&one, NULL); /* EINTR when a tick arrives: fine */
	return (mono_ns() - t0) / 1e6;
}

int case_alarm(char *why)
{
	uint64_t t0;
	double ms;
	int rc, e;
	unsigned left;

	alarm(5);
	left = alarm(0);
	CHECK(left == 5, "alarm(0) after alarm(5) returned %u, want 5", left);
	CHECK_SYS(handle_tick(SIGALRM));
	t0 = mono_ns();
	alarm(1);
	errno = 0;
	rc = pause();
	e = errno;
	ms = (mono_ns() - t0) / 1e6;
	signal(SIGALRM, SIG_DFL);
	CHECK(rc == -1 && e == EINTR, "pause returned %d (%s), want -1 EINTR", rc, err_name(e));
	CHECK(atomic_load(&tick.calls) == 1 && tick.code == SI_KERNEL,
	      "%d handler calls with si_code %d, want 1 with SI_KERNEL (%d)",
	      atomic_load(&tick.calls), tick.code, SI_KERNEL);
	CHECK(ms >= 990 && ms < 1200, "alarm(1) fired after %.1f ms", ms);
	return PASS;
}

int case_setitimer(char *why)
{
	struct itimerval it = {{0, 10000}, {0, 10000}}, off = {{0, 0}, {0, 0}}, now;
	double ms;
	int n;

	CHECK_SYS(handle_tick(SIGALRM));
	CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
	ms = wait_ticks(10, 2000);
	CHECK_SYS(setitimer(ITIMER_REAL, &off, NULL));
	n = atomic_load(&tick.calls);
	CHECK_SYS(getitimer(ITIMER_REAL, &now));
	signal(SIGALRM, SIG_DFL);
	CHECK(n == 10 || n == 11, "%d handler calls in %.1f ms, want 10 in about 100 ms", n, ms);
	CHECK(ms >= 99 && ms < 200, "10 ticks of 10 ms took %.1f ms", ms);
	CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0,
	      "getitimer after disarming shows %ld.%06ld s", (long)now.it_value.tv_sec,
	      (long)now.it_value.tv_usec);
	return PASS;
}

int case_timer_signal(char *why)
{
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	struct itimerspec once = {{0, 0}, {0, 20000000}}, every = {{0, 10000000}, {0, 10000000}};
	timer_t tm;
	double ms;

	sev.sigev_value.sival_int = 1234;
	CHECK_SYS(handle_tick(SIGUSR1));
	CHECK_SYS(timer_create(CLOCK_MONOTONIC, &sev, &tm));
	CHECK_SYS(timer_settime(tm, 0, &once, NULL));
	ms = wait_ticks(1, 2000);
	CHECK(atomic_load(&tick.calls) == 1, "one-shot 20 ms timer: %d calls after %.1f ms",
	      atomic_load(&tick.calls), ms);
	CHECK(ms >= 19 && ms < 100, "the 20 ms timer fired after %.1f ms", ms);
	CHECK(tick.code == SI_TIMER && tick.value == 1234,
	      "si_code %d si_value %d, want %d and 1234", tick.code, tick.value, SI_TIMER);
	CHECK_SYS(timer_settime(tm, 0, &every, NULL));
	ms = wait_ticks(6, 2000);
	CHECK_SYS(timer_delete(tm));
	signal(SIGUSR1, SIG_DFL);
	CHECK(atomic_load(&tick.calls) >= 6, "periodic 10 ms timer: %d calls in %.1f ms",
	      atomic_load(&tick.calls) - 1, ms);
	return PASS;
}

static struct {
	sem_t done;
	int value, tid;
} notified;

static void on_notify(union sigval v)
{
	notified.value = v.sival_int;
	notified.tid = thread_id();
	sem_post(&notified.done);
}

int case_timer_thread(char *why)
{
	struct sigevent sev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_notify};
	struct itimerspec once = {{0, 0}, {0, 20000000}};
	struct timespec dl;
	timer_t tm;
	int rc;

	sev.sigev_value.sival_int = 77;
	CHECK_SYS(sem_init(&notified.done, 0, 0));
	CHECK_SYS(timer_create(CLOCK_MONOTONIC, &sev, &tm));
	CHECK_SYS(timer_settime(tm, 0, &once, NULL));
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 2;
	while ((rc = sem_timedwait(&notified.done, &dl)) == -1 && errno == EINTR)
		;
	CHECK(rc == 0, "the notify function was not called within 2 s (%s)", err_name(errno));
	CHECK_SYS(timer_delete(tm));
	CHECK(notified.value == 77 && notified.tid != thread_id(),
	      "notified with %d in tid %d (want 77, in a thread other than main %d)",
	      notified.value, notified.tid, thread_id());
	return PASS;
}
