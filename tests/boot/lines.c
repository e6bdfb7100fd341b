/* Boot test guest: prints "line 1" .. "line N" on stdout (argv[1]: N, default 100000). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;

	for (long i = 1; i <= n; i++)
		printf("line %ld\n", i);
	return 0;
}
