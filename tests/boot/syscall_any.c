/* Boot test guest: syscall(2) with a runtime number reaches a syscall nothing else links. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct utsname u;
	long nr = argc > 1 ? strtol(argv[1], NULL, 10) : -1; /* a number the compiler cannot see */

	if (syscall(nr, &u) != 0) {
		perror("syscall");
		return 1;
	}
	printf("sysname=%s\n", u.sysname);
	return 0;
}
