/* The threads/signals suite's driver: the case table, result lines, helpers, run.sh's modes. */
#include "suite.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Usage: threads                 every case in order, in this process
 *        threads list            the case names, one a line
 *        threads CASE...         the named cases (run.sh runs one per process, under timeout)
 *        threads spin MS         a CPU-bound loop for MS ms, single-threaded (for --stats)
 *        threads term|wait       print "ready", then wait for SIGTERM/SIGINT: term has a handler
 *                                that prints "terminating cleanly" and exits 0, wait has none
 *        threads term-busy|wait-busy  the same, computing instead of sleeping in pause()
 *        threads two             two threads each write a line (for --trace)
 * Cases print "ok N - name", "ok N - name # skip why" or "not ok N - name: why" (N: the
 * case's place in the table, the same in every run); the run ends with "N passed, N failed"
 * and status 1 on any failure.
 */
struct test_case {
	const char *name;
	case_fn *fn;
};

static const struct test_case cases[] = {
    {"create_1000", case_create_1000},
    {"mutex_counter", case_mutex_counter},
    {"prodcons", case_prodcons},
    {"rwlock", case_rwlock},
    {"barrier", case_barrier},
    {"semaphore", case_semaphore},
    {"sem_timedwait", case_sem_timedwait},
    {"once", case_once},
    {"tls", case_tls},
    {"tls_dtor", case_tls_dtor},
    {"detached", case_detached},
    {"c11_threads", case_c11_threads},
    {"pipe_block", case_pipe_block},
    {"udp_block", case_udp_block},
    {"preempt", case_preempt},
    {"cond_timed_mono", case_cond_timed_mono},
    {"cond_timed_real", case_cond_timed_real},
    {"futex_timeout", case_futex_timeout},
    {"raise", case_raise},
    {"kill_self", case_kill_self},
    {"pthread_kill", case_pthread_kill},
    {"sigprocmask", case_sigprocmask},
    {"sigwait", case_sigwait},
    {"sigsuspend", case_sigsuspend},
    {"ppoll_sigmask", case_ppoll_sigmask},
    {"altstack", case_altstack},
    {"eintr", case_eintr},
    {"restart", case_restart},
    {"alarm", case_alarm},
    {"setitimer", case_setitimer},
    {"timer_signal", case_timer_signal},
    {"timer_thread", case_timer_thread},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int passed, failed;

uint64_t now_ns(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

const char *err_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {{0, "0"},		 {EINTR, "EINTR"},
		     {EAGAIN, "EAGAIN"}, {ETIMEDOUT, "ETIMEDOUT"},
		     {EINVAL, "EINVAL"}, {ENOMEM, "ENOMEM"},
		     {ENOSYS, "ENOSYS"}, {EPERM, "EPERM"},
		     {EFAULT, "EFAULT"}, {ESRCH, "ESRCH"},
		     {EBADF, "EBADF"},	 {EAFNOSUPPORT, "EAFNOSUPPORT"}};
	static __thread char buf[24];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

pid_t thread_id(void)
{
	return gettid();
}

int spawn(pthread_t *t, size_t stack, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	int rc;

	if (!stack)
		return pthread_create(t, NULL, fn, arg);
	pthread_attr_init(&a);
	rc = pthread_attr_setstacksize(&a, stack);
	if (rc == 0)
		rc = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return rc;
}

int within_pct(double got_ms, double want_ms, double tol_pct)
{
	return got_ms >= want_ms && got_ms <= want_ms * (1 + tol_pct / 100);
}

static void run_case(size_t i)
{
	char why[WHY_LEN] = "";
	int r = cases[i].fn(why);

	if (r == PASS) {
		printf("ok %zu - %s\n", i + 1, cases[i].name);
		passed++;
	} else if (r == SKIP) {
		printf("ok %zu - %s # skip %s\n", i + 1, cases[i].name, why);
		passed++;
	} else {
		printf("not ok %zu - %s: %s\n", i + 1, cases[i].name, why);
		failed++;
	}
	fflush(stdout);
}

static int run_named(const char *name)
{
	for (size_t i = 0; i < NCASES; i++)
		if (strcmp(cases[i].name, name) == 0) {
			run_case(i);
			return 0;
		}
	printf("not ok 0 - %s: no such case (threads list shows them)\n", name);
	failed++;
	return -1;
}

static int run_mode(int argc, char **argv)
{
	if (strcmp(argv[1], "spin") == 0 && argc == 3)
		return mode_spin((unsigned)atoi(argv[2]));
	if (strcmp(argv[1], "term") == 0 || strcmp(argv[1], "term-busy") == 0)
		return mode_term(1, argv[1][4] != 0);
	if (strcmp(argv[1], "wait") == 0 || strcmp(argv[1], "wait-busy") == 0)
		return mode_term(0, argv[1][4] != 0);
	if (strcmp(argv[1], "two") == 0)
		return mode_two();
	return -1;
}

int main(int argc, char **argv)
{
	int m;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < NCASES; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc >= 2 && (m = run_mode(argc, argv)) >= 0)
		return m;
	if (argc == 1)
		for (size_t i = 0; i < NCASES; i++)
			run_case(i);
	for (int i = 1; i < argc; i++)
		run_named(argv[i]);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
