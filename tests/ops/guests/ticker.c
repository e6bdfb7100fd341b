/* tests/ops guest: "tick N" every 100 ms, N times (argv[1], default 10), then "ticker done". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	struct timespec ts = {0, 100000000};

	for (int i = 1; i <= n; i++) {
		printf("tick %d\n", i);
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
	printf("ticker done\n");
	return 0;
}
