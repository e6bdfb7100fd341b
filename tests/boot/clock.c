/* Boot test guest: the clocks (monotonic, realtime) and the accuracy and cost of sleeping. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MONO_READS 1000000
#define SLEEP_NS   50000000LL	/* each sleep: 50 ms */
#define IDLE_NS	   1000000000LL /* idle mode: about 1 s of 5 ms sleeps */

static long long now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_to_ts(long long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};

	return ts;
}

/* Many reads of CLOCK_MONOTONIC: never backwards, and it advances. */
static int check_monotonic(void)
{
	long long first = now_ns(CLOCK_MONOTONIC), prev = first, backwards = 0;
	struct timespec res;

	for (int i = 0; i < MONO_READS; i++) {
		long long t = now_ns(CLOCK_MONOTONIC);

		if (t < prev)
			backwards++;
		prev = t;
	}
	printf("monotonic: %d reads over %lld us, %lld backwards\n", MONO_READS,
	       (prev - first) / 1000, backwards);
	if (clock_getres(CLOCK_MONOTONIC, &res) != 0 || res.tv_sec != 0 || res.tv_nsec <= 0 ||
	    res.tv_nsec > 1000000) {
		printf("monotonic: FAIL clock_getres gave %lld.%09ld\n", (long long)res.tv_sec,
		       res.tv_nsec);
		return 1;
	}
	return backwards != 0 || prev <= first;
}

/* CLOCK_REALTIME, gettimeofday and time agree; the host compares realtime= with its own clock. */
static int check_realtime(void)
{
	struct timeval tv;
	long long rt = now_ns(CLOCK_REALTIME) / 1000000000LL;
	time_t t = time(NULL);

	gettimeofday(&tv, NULL);
	printf("realtime=%lld gettimeofday=%lld time=%lld\n", rt, (long long)tv.tv_sec,
	       (long long)t);
	return tv.tv_sec < rt || tv.tv_sec > rt + 1 || t < rt || t > rt + 1;
}

static int sleep_once(const char *name, int how)
{
	long long start = now_ns(CLOCK_MONOTONIC), elapsed;
	struct timespec rel = ns_to_ts(SLEEP_NS), abs = ns_to_ts(start + SLEEP_NS);
	int rc, bad;

	if (how == 0)
		rc = nanosleep(&rel, NULL);
	else if (how == 1)
		rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL);
	else if (how == 2)
		rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	else
		rc = usleep(SLEEP_NS / 1000);
	elapsed = now_ns(CLOCK_MONOTONIC) - start;
	/* within 10% of the request, as the issue asks */
	bad = rc != 0 || elapsed < SLEEP_NS * 9 / 10 || elapsed > SLEEP_NS * 11 / 10;
	printf("sleep %s(50 ms): rc=%d, %.3f ms %s\n", name, rc, elapsed / 1e6,
	       bad ? "FAIL" : "ok");
	return bad;
}

static int check_sleeps(void)
{
	static const char *const names[] = {"nanosleep", "clock_nanosleep", "clock_nanosleep_abs",
					    "usleep"};
	long long start = now_ns(CLOCK_MONOTONIC);
	int bad = 0;

	for (int how = 0; how < 4; how++)
		bad += sleep_once(names[how], how);
	printf("slept_ns=%lld\n", now_ns(CLOCK_MONOTONIC) - start);
	return bad;
}

/* Sleep in small steps for about a second: the host measures the monitor's CPU time. */
static int idle(void)
{
	long long start = now_ns(CLOCK_MONOTONIC);
	struct timespec step = ns_to_ts(5000000);
	int sleeps = 0;

	while (now_ns(CLOCK_MONOTONIC) - start < IDLE_NS) {
		nanosleep(&step, NULL);
		sleeps++;
	}
	printf("idle: %d sleeps, %lld ms\n", sleeps, (now_ns(CLOCK_MONOTONIC) - start) / 1000000);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "none";

	if (strcmp(mode, "mono") == 0)
		return check_monotonic() | check_realtime();
	if (strcmp(mode, "sleep") == 0)
		return check_sleeps() != 0;
	if (strcmp(mode, "idle") == 0)
		return idle();
	return 0;
}
