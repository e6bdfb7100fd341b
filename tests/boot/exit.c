/* Boot test guest: ends with status argv[1], by `return`, exit() or _exit() as argv[2] says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void say_bye(void)
{
	puts("atexit handler ran");
}

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;
	const char *how = argc > 2 ? argv[2] : "return";

	atexit(say_bye);
	printf("exiting with %d by %s\n", status, how);
	if (strcmp(how, "exit") == 0)
		exit(status);
	if (strcmp(how, "_exit") == 0) {
		fflush(stdout);
		_exit(status);
	}
	return status;
}
