/* The make-demo's greeting builder, in its own file so that the Makefile links two objects. */
#include <stdio.h>

#include "greet.h"

int greet(char *buf, size_t size, const char *name, int count)
{
	return snprintf(buf, size, "Hello, %s! (%d of %d, %.1f%%)", name, count, 3,
			100.0 * count / 3);
}
