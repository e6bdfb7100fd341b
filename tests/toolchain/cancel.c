/* tests/toolchain: read() beside pthread_cancel, so Pith's __syscall_cp_asm is linked in. */
#include <pthread.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[16];

	(void)argv;
	if (argc > 5)
		pthread_cancel(pthread_self());
	return read(0, buf, sizeof buf) < 0;
}
