/* tests/ops guest: waits for SIGTERM, then says so and exits 0 (a graceful pith stop). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void on_term(int sig)
{
	got = sig;
}
int main(void)
{
	struct sigaction sa = {.sa_handler = on_term};

	sigaction(SIGTERM, &sa, NULL);
	printf("waiting for SIGTERM\n");
	fflush(stdout);
	while (!got)
		pause();
	printf("got SIGTERM, exiting cleanly\n");
	return 0;
}
