/* Prints the host's TSC rate in kHz, which QEMU's TCG passes through to the guest's rdtsc. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double tsckhz__now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* TSC ticks over one interval of about 50 ms of CLOCK_MONOTONIC_RAW, in kHz. */
static double tsckhz__sample(void)
{
	struct timespec pause = {0, 50 * 1000 * 1000};
	double t0 = tsckhz__now_ns();
	uint64_t c0 = __rdtsc();

	nanosleep(&pause, NULL);
	uint64_t c1 = __rdtsc();
	double t1 = tsckhz__now_ns();
	return (double)(c1 - c0) / (t1 - t0) * 1e6;
}

/* The median of three samples: one preemption of this process does not skew it. */
int main(void)
{
	double s[3];

	for (int i = 0; i < 3; i++)
		s[i] = tsckhz__sample();
	double lo = s[0] < s[1] ? s[0] : s[1], hi = s[0] < s[1] ? s[1] : s[0];
	double mid = s[2] < lo ? lo : s[2] > hi ? hi : s[2];
	printf("%.0f\n", mid);
	return 0;
}
