/* Test program for the compat path: an ordinary static Linux program (no Pith note). */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from a static Linux program: %d args, last %s, %.2f\n", argc, argv[argc - 1],
	       2.5);
	return 5;
}
