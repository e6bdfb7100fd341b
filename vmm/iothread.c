/* Start-up of the monitor's I/O threads: the handshake that puts their seccomp filter on first. */
#include "iothread.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Shared by iothread__start and the new thread until the thread writes wake_fd (then no more). */
struct iothread_start {
	iothread_filter_fn filter;
	iothread_loop_fn loop;
	void *arg;
	int wake_fd;
	bool verbose;
	int rc;
	char err[256];
};

static void *iothread__main(void *p)
{
	struct iothread_start *s = p;
	iothread_loop_fn loop = s->loop;
	void *arg = s->arg;
	uint64_t one = 1;
	int rc;

	rc = s->filter(arg, s->verbose, s->err, sizeof(s->err));
	s->rc = rc;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* From here on s belongs to iothread__start again (it is on that caller's stack). */
	if (write(s->wake_fd, &one, sizeof(one)) < 0 || rc < 0)
		return NULL; /* no filter: the thread leaves, iothread__start reports it */
	loop(arg);
	return NULL;
}

/* The wake eventfd is written once by the new thread when its filter is on (or failed). */
static int iothread__await(int wake_fd)
{
	struct pollfd p = {.fd = wake_fd, .events = POLLIN};
	uint64_t v;

	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return -1;
	return read(wake_fd, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

/* pthread_create with every signal blocked in the new thread: 0 or an error number. */
static int iothread__create(struct iothread_start *s)
{
	sigset_t all, old;
	pthread_t t;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t, NULL, iothread__main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		pthread_detach(t);
	return rc;
}

int iothread__start(iothread_filter_fn filter, iothread_loop_fn loop, void *arg, int wake_fd,
		    const char *name, bool verbose, char *err, size_t errlen)
{
	struct iothread_start s = {.filter = filter,
				   .loop = loop,
				   .arg = arg,
				   .wake_fd = wake_fd,
				   .verbose = verbose,
				   .rc = -1};
	int rc;

	snprintf(s.err, sizeof(s.err), "%s did not start", name);
	rc = iothread__create(&s);
	if (rc) {
		snprintf(err, errlen, "cannot start %s: %s; check ulimit -u", name, strerror(rc));
		return -1;
	}
	if (iothread__await(wake_fd) < 0 || s.rc < 0) {
		snprintf(err, errlen, "%s", s.err);
		return -1;
	}
	return 0;
}
