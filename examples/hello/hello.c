/* The hello example: an ordinary C program that `pith build` turns into a bootable image. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	const char *greeting = getenv("GREETING");
	double approx_pi = 355.0 / 113.0;

	printf("Hello from Pith! 355/113 = %.6f\n", approx_pi);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	if (greeting)
		printf("GREETING = %s\n", greeting);
	return 0;
}
