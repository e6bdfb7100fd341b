/* The suite's signal cases: raise, kill, pthread_kill, masks, sigwait, sigsuspend, EINTR, ... */
#include "suite.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the last handler call saw. */
static struct {
	atomic_int calls;
	int signo, code, pid, self_blocked, tid;
	pthread_t self;
} seen;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	sigset_t now;

	(void)uc;
	sigprocmask(SIG_BLOCK, NULL, &now);
	seen.signo = si->si_signo;
	seen.code = si->si_code;
	seen.pid = si->si_pid;
	seen.self_blocked = sigismember(&now, sig);
	seen.tid = thread_id();
	seen.self = pthread_self();
	atomic_fetch_add(&seen.calls, 1);
}

/* Install on_signal for sig with flags (SA_SIGINFO added); reset what was seen. */
static int handle(int sig, int flags)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | flags};

	memset(&seen, 0, sizeof(seen));
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

static int set_mask(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	return sigprocmask(how, &s, NULL);
}

/* ---- raise: the handler runs before raise returns, with the signal blocked --------------- */

int case_raise(char *why)
{
	CHECK_SYS(handle(SIGUSR1, 0));
	CHECK_SYS(raise(SIGUSR1));
	CHECK(atomic_load(&seen.calls) == 1, "the handler ran %d times before raise returned",
	      atomic_load(&seen.calls));
	CHECK(seen.signo == SIGUSR1 && seen.code == SI_TKILL,
	      "si_signo %d si_code %d, want %d and SI_TKILL (%d)", seen.signo, seen.code, SIGUSR1,
	      SI_TKILL);
	CHECK(seen.self_blocked == 1, "SIGUSR1 was not blocked inside its handler");
	CHECK_SYS(handle(SIGUSR1, SA_NODEFER));
	CHECK_SYS(raise(SIGUSR1));
	CHECK(atomic_load(&seen.calls) == 1 && seen.self_blocked == 0,
	      "with SA_NODEFER: %d calls, signal blocked in the handler: %d",
	      atomic_load(&seen.calls), seen.self_blocked);
	signal(SIGUSR1, SIG_DFL);
	return PASS;
}

/* ---- kill(getpid()): SI_USER from our own pid -------------------------------------------- */

int case_kill_self(char *why)
{
	CHECK_SYS(handle(SIGUSR2, 0));
	CHECK_SYS(kill(getpid(), SIGUSR2));
	CHECK(atomic_load(&seen.calls) == 1, "the handler ran %d times before kill returned",
	      atomic_load(&seen.calls));
	CHECK(seen.code == SI_USER && seen.pid == getpid(), "si_code %d si_pid %d, want %d and %d",
	      seen.code, seen.pid, SI_USER, (int)getpid());
	signal(SIGUSR2, SIG_DFL);
	return PASS;
}

/* ---- pthread_kill: the handler runs in the target thread -------------------------------- */

struct target {
	atomic_int ready;
	int tid;
	pthread_t self;
};

static void *target_thread(void *arg)
{
	struct target *t = arg;
	uint64_t end = mono_ns() + 3000000000u;

	t->tid = thread_id();
	t->self = pthread_self();
	atomic_store(&t->ready, 1);
	while (atomic_load(&seen.calls) == 0 && mono_ns() < end)
		sleep_ms(1);
	return NULL;
}

int case_pthread_kill(char *why)
{
	struct target tg = {0};
	pthread_t t;

	CHECK_SYS(handle(SIGUSR1, 0));
	CHECK0(spawn(&t, 0, target_thread, &tg));
	while (!atomic_load(&tg.ready))
		sleep_ms(1);
	CHECK0(pthread_kill(t, SIGUSR1));
	CHECK0(pthread_join(t, NULL));
	CHECK(atomic_load(&seen.calls) == 1, "the handler ran %d times", atomic_load(&seen.calls));
	CHECK(seen.tid == tg.tid && pthread_equal(seen.self, t),
	      "the handler ran in tid %d, want the target's %d (main is %d)", seen.tid, tg.tid,
	      thread_id());
	signal(SIGUSR1, SIG_DFL);
	return PASS;
}

/* ---- sigprocmask: a blocked signal stays pending and is delivered on unblock ------------- */

int case_sigprocmask(char *why)
{
	sigset_t pend;

	CHECK_SYS(handle(SIGUSR1, 0));
	CHECK_SYS(set_mask(SIG_BLOCK, SIGUSR1));
	CHECK_SYS(raise(SIGUSR1));
	CHECK(atomic_load(&seen.calls) == 0, "the handler ran while the signal was blocked");
	CHECK_SYS(sigpending(&pend));
	CHECK(sigismember(&pend, SIGUSR1) == 1, "sigpending does not show SIGUSR1");
	CHECK_SYS(set_mask(SIG_UNBLOCK, SIGUSR1));
	CHECK(atomic_load(&seen.calls) == 1, "%d handler calls when sigprocmask returned, want 1",
	      atomic_load(&seen.calls));
	CHECK_SYS(sigpending(&pend));
	CHECK(sigismember(&pend, SIGUSR1) == 0, "SIGUSR1 still pending after delivery");
	signal(SIGUSR1, SIG_DFL);
	return PASS;
}

/* ---- sigwait / sigtimedwait -------------------------------------------------------------- */

static void *sigwait_thread(void *arg)
{
	sigset_t s;
	int sig = 0;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	if (sigwait(&s, &sig) != 0)
		sig = -1;
	*(int *)arg = sig;
	return NULL;
}

int case_sigwait(char *why)
{
	sigset_t s;
	struct timespec ts = {0, 50000000};
	pthread_t t;
	int got = 0, sig = 0;

	CHECK_SYS(handle(SIGUSR2, 0));
	CHECK_SYS(set_mask(SIG_BLOCK, SIGUSR2)); /* in every thread: the new one inherits it */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	CHECK_SYS(raise(SIGUSR2));
	CHECK(sigwait(&s, &sig) == 0 && sig == SIGUSR2, "sigwait on a pending signal: %d", sig);
	errno = 0;
	CHECK(sigtimedwait(&s, NULL, &ts) == -1 && errno == EAGAIN,
	      "sigtimedwait with nothing pending: %s, want EAGAIN", err_name(errno));
	CHECK0(spawn(&t, 0, sigwait_thread, &got));
	sleep_ms(50);
	CHECK_SYS(kill(getpid(), SIGUSR2));
	CHECK0(pthread_join(t, NULL));
	CHECK_SYS(set_mask(SIG_UNBLOCK, SIGUSR2));
	CHECK(got == SIGUSR2, "the waiting thread's sigwait gave %d, want %d", got, SIGUSR2);
	CHECK(atomic_load(&seen.calls) == 0, "the handler ran %d times (sigwait takes the signal)",
	      atomic_load(&seen.calls));
	signal(SIGUSR2, SIG_DFL);
	return PASS;
}

/* ---- sigsuspend: waits with a temporary mask, returns EINTR after the handler ---------- */

static void *kill_later(void *arg)
{
	sleep_ms(50);
	kill(getpid(), (int)(intptr_t)arg);
	return NULL;
}

int case_sigsuspend(char *why)
{
	sigset_t none, now;
	pthread_t t;
	int rc, e;

	CHECK_SYS(handle(SIGUSR1, 0));
	CHECK_SYS(set_mask(SIG_BLOCK, SIGUSR1)); /* the sender thread blocks it too */
	CHECK0(spawn(&t, 0, kill_later, (void *)SIGUSR1));
	sigemptyset(&none);
	errno = 0;
	rc = sigsuspend(&none);
	e = errno;
	CHECK0(pthread_join(t, NULL));
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK_SYS(set_mask(SIG_UNBLOCK, SIGUSR1));
	CHECK(rc == -1 && e == EINTR, "sigsuspend returned %d (%s), want -1 EINTR", rc,
	      err_name(e));
	CHECK(atomic_load(&seen.calls) == 1 && seen.tid == thread_id(),
	      "%d handler calls, in tid %d (want 1, in %d)", atomic_load(&seen.calls), seen.tid,
	      thread_id());
	CHECK(sigismember(&now, SIGUSR1) == 1, "sigsuspend did not restore the mask");
	signal(SIGUSR1, SIG_DFL);
	return PASS;
}

/* ---- ppoll's sigmask: a blocked pending signal interrupts a ppoll that unblocks it -------- */

int case_ppoll_sigmask(char *why)
{
	struct timespec ts = {.tv_sec = 2};
	sigset_t none, now;
	uint64_t t0;
	int rc, e;

	CHECK_SYS(handle(SIGUSR1, 0));
	CHECK_SYS(set_mask(SIG_BLOCK, SIGUSR1));
	CHECK_SYS(raise(SIGUSR1)); /* pending, blocked */
	sigemptyset(&none);
	t0 = now_ns(CLOCK_MONOTONIC);
	errno = 0;
	rc = ppoll(NULL, 0, &ts, &none);
	e = errno;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK_SYS(set_mask(SIG_UNBLOCK, SIGUSR1));
	signal(SIGUSR1, SIG_DFL);
	CHECK(rc == -1 && e == EINTR, "ppoll returned %d (%s), want -1 EINTR", rc, err_name(e));
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 < 1000000000ull,
	      "ppoll waited %llu ms for a pending signal",
	      (unsigned long long)((now_ns(CLOCK_MONOTONIC) - t0) / 1000000));
	CHECK(atomic_load(&seen.calls) == 1, "%d handler calls, want 1", atomic_load(&seen.calls));
	CHECK(sigismember(&now, SIGUSR1) == 1, "ppoll did not restore the mask");
	errno = 0;
	ts.tv_sec = 0;
	ts.tv_nsec = 10000000;
	rc = ppoll(NULL, 0, &ts, &none); /* times out: the mask comes back at once */
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(rc == 0, "ppoll with nothing pending returned %d (%s)", rc, err_name(errno));
	CHECK(sigismember(&now, SIGUSR1) == 0, "the mask after a timed-out ppoll changed");
	return PASS;
}

/* ---- sigaltstack catches a stack overflow in a thread ----------------------------------- */

#define ALT_SIZE (64 * 1024)
static struct {
	sigjmp_buf env;
	char *alt;
	volatile uintptr_t handler_sp;
	volatile int depth;
} ovf;

static void on_overflow(int sig, siginfo_t *si, void *uc)
{
	volatile char here;

	(void)sig, (void)si, (void)uc;
	ovf.handler_sp = (uintptr_t)&here;
	siglongjmp(ovf.env, 1);
}

static int recurse(volatile char *prev, int depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	frame[1023] = prev ? prev[0] : 0;
	ovf.depth = depth;
	if (depth > 1000000) /* never: 1 GiB of frames */
		return 0;
	return recurse(frame, depth + 1) + frame[5];
}

static void *overflow_thread(void *arg)
{
	stack_t ss = {.ss_sp = ovf.alt, .ss_size = ALT_SIZE};

	if (sigaltstack(&ss, NULL) != 0)
		return (void *)1;
	if (sigsetjmp(ovf.env, 1) == 0)
		recurse(NULL, 0);
	return arg;
}

int case_altstack(char *why)
{
	struct sigaction sa = {.sa_sigaction = on_overflow, .sa_flags = SA_SIGINFO | SA_ONSTACK};
	uintptr_t lo, hi;
	pthread_t t;
	void *ret;

	CHECK((ovf.alt = malloc(ALT_SIZE)) != NULL, "malloc");
	lo = (uintptr_t)ovf.alt;
	hi = lo + ALT_SIZE;
	sigemptyset(&sa.sa_mask);
	CHECK_SYS(sigaction(SIGSEGV, &sa, NULL));
	CHECK0(spawn(&t, 64 * 1024, overflow_thread, NULL));
	CHECK0(pthread_join(t, &ret));
	signal(SIGSEGV, SIG_DFL);
	free(ovf.alt);
	CHECK(ret == NULL, "sigaltstack failed in the thread");
	CHECK(ovf.handler_sp != 0, "the SIGSEGV handler never ran");
	CHECK(ovf.handler_sp >= lo && ovf.handler_sp < hi,
	      "the handler ran at %#lx, outside the alternate stack %#lx..%#lx",
	      (unsigned long)ovf.handler_sp, (unsigned long)lo, (unsigned long)hi);
	CHECK(ovf.depth > 10 && ovf.depth < 100, "overflowed at depth %d of a 64 KiB stack",
	      ovf.depth);
	return PASS;
}

/* ---- EINTR and SA_RESTART on a read of an empty pipe, interrupted by alarm ------------- */

static void *write_later(void *arg)
{
	sleep_ms(1300);
	if (write(*(int *)arg, "late", 4) != 4)
		return (void *)1;
	return NULL;
}

/* read() on an empty pipe with alarm(1) pending; restart: another thread writes at 1.3 s. */
static int interrupted_read(int restart, char *why)
{
	char buf[8];
	pthread_t t;
	int p[2], e;
	long n;

	CHECK_SYS(pipe(p));
	CHECK_SYS(handle(SIGALRM, restart ? SA_RESTART : 0));
	CHECK_SYS(set_mask(SIG_BLOCK, SIGALRM)); /* the writer never takes it */
	if (restart)
		CHECK0(spawn(&t, 0, write_later, &p[1]));
	CHECK_SYS(set_mask(SIG_UNBLOCK, SIGALRM));
	alarm(1);
	errno = 0;
	n = read(p[0], buf, sizeof(buf));
	e = errno;
	if (restart)
		CHECK0(pthread_join(t, NULL));
	close(p[0]);
	close(p[1]);
	signal(SIGALRM, SIG_DFL);
	CHECK(atomic_load(&seen.calls) == 1, "the SIGALRM handler ran %d times",
	      atomic_load(&seen.calls));
	if (restart)
		CHECK(n == 4 && memcmp(buf, "late", 4) == 0,
		      "with SA_RESTART read returned %ld (%s), want the 4 bytes written later", n,
		      err_name(e));
	else
		CHECK(n == -1 && e == EINTR, "read returned %ld (%s), want -1 EINTR", n,
		      err_name(e));
	return PASS;
}

int case_eintr(char *why)
{
	return interrupted_read(0, why);
}

int case_restart(char *why)
{
	return interrupted_read(1, why);
}
