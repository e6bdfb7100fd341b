/* run.sh's modes of the suite program: a CPU-bound loop, SIGTERM handling, a two-thread run. */
#include "suite.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Single-threaded CPU loop for ms (the clock read every 2^20 rounds only); prints the rounds. */
int mode_spin(unsigned ms)
{
	uint64_t end = mono_ns() + ms * 1000000ull;
	volatile unsigned long n = 0;

	do {
		for (int i = 0; i < (1 << 20); i++)
			n++;
	} while (mono_ns() < end);
	printf("spun %lu\n", (unsigned long)n);
	return 0;
}

static void on_term(int sig)
{
	static const char msg[] = "terminating cleanly\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(0);
}

/*
 * Print "ready", then wait for a signal: busy (a CPU loop, no syscalls) or idle (pause). With
 * handle, SIGTERM and SIGINT run on_term; without, their default action ends the program.
 */
int mode_term(int handle, int busy)
{
	struct sigaction sa = {.sa_handler = on_term};
	volatile unsigned long n = 0;

	sigemptyset(&sa.sa_mask);
	if (handle && (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)) {
		perror("sigaction");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		if (busy)
			n++;
		else
			pause();
}

static void *say(void *arg)
{
	if (write(1, arg, strlen(arg)) < 0)
		return (void *)1;
	return NULL;
}

/* Two threads each write a line (pith run --trace shows both thread ids). */
int mode_two(void)
{
	pthread_t t;
	void *ret = NULL;

	if (spawn(&t, 0, say, "from the second thread\n") != 0 || pthread_join(t, &ret) != 0)
		return 2;
	say("from the main thread\n");
	return ret ? 1 : 0;
}
