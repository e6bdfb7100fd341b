/* The threads/signals suite's shared declarations: the case table, result reporting, helpers. */
#ifndef THREADS_SUITE_H
#define THREADS_SUITE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* gettid: before any system header (pith build sets none) */
#endif

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A case returns PASS, FAIL (after writing why) or SKIP (after writing the reason). It runs in
 * a fresh process when the suite is driven by run.sh (one case per run: a hang or a crash costs
 * one case), or in sequence with the others when the program is run without arguments.
 */
enum { PASS = 0, FAIL = 1, SKIP = 2 };
#define WHY_LEN 300
typedef int case_fn(char *why);

/* Fail the case with a message when cond is false (why: the case's message buffer). */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			snprintf(why, WHY_LEN, __VA_ARGS__);                                       \
			return FAIL;                                                               \
		}                                                                                  \
	} while (0)

/* Fail when a pthread-style call (returns 0 or an error number) fails. */
#define CHECK0(call)                                                                               \
	do {                                                                                       \
		int rc_ = (call);                                                                  \
		CHECK(rc_ == 0, "%s: %s", #call, err_name(rc_));                                   \
	} while (0)

/* Fail when a libc call returns -1. */
#define CHECK_SYS(call)                                                                            \
	do {                                                                                       \
		errno = 0;                                                                         \
		long rc_ = (long)(call);                                                           \
		CHECK(rc_ != -1, "%s: -1 (%s)", #call, err_name(errno));                           \
	} while (0)

/* ---- Helpers (suite.c) ------------------------------------------------------------------- */

uint64_t now_ns(int clock);  /* clock_gettime in ns */
uint64_t mono_ns(void);	     /* CLOCK_MONOTONIC in ns */
void sleep_ms(unsigned ms);  /* nanosleep, resumed after EINTR */
const char *err_name(int e); /* "EINTR" etc., or the number */
pid_t thread_id(void);	     /* the kernel's thread id (gettid) */
/* pthread_create with a given stack size (0: the default); 0 or an error number. */
int spawn(pthread_t *t, size_t stack, void *(*fn)(void *), void *arg);
/* Within tol_pct percent above want_ms (never below it): 1 if so. */
int within_pct(double got_ms, double want_ms, double tol_pct);

/* ---- Cases (one file per family) --------------------------------------------------------- */

/* sync.c */
case_fn case_create_1000, case_mutex_counter, case_prodcons, case_rwlock, case_barrier;
case_fn case_semaphore, case_sem_timedwait, case_once, case_tls, case_tls_dtor, case_detached;
case_fn case_c11_threads;
/* sched.c */
case_fn case_pipe_block, case_udp_block, case_preempt, case_cond_timed_mono;
case_fn case_cond_timed_real, case_futex_timeout;
/* signals.c */
case_fn case_raise, case_kill_self, case_pthread_kill, case_sigprocmask, case_sigwait;
case_fn case_sigsuspend, case_ppoll_sigmask, case_altstack, case_eintr, case_restart;
/* timers.c */
case_fn case_alarm, case_setitimer, case_timer_signal, case_timer_thread;

/* Modes for run.sh (modes.c; suite.c runs them for `threads MODE`): see the comment there. */
int mode_spin(unsigned ms);
int mode_term(int handle, int busy);
int mode_two(void);

#endif
