/* The make-demo's main: greets each name given on the command line, or "make" if none. */
#include <stdio.h>

#include "greet.h"

int main(int argc, char **argv)
{
	char line[128];
	const char *name = argc > 1 ? argv[1] : "make";

	for (int i = 1; i <= 3; i++) {
		greet(line, sizeof(line), name, i);
		puts(line);
	}
	return 0;
}
