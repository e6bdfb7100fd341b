/* tests/ops guest: ignores SIGTERM and sleeps forever (pith stop must SIGKILL it). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	signal(SIGTERM, SIG_IGN);
	printf("ignoring SIGTERM\n");
	fflush(stdout);
	for (;;)
		sleep(1);
}
