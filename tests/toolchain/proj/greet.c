/* tests/toolchain/proj: prints a greeting with a square root (libm through -lm). */
#include <math.h>
#include <stdio.h>
#include "greet.h"

void greet(const char *who, double x)
{
	printf("hello, %s: sqrt(%g) = %g\n", who, x, sqrt(x));
}
