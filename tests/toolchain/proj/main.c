/* tests/toolchain/proj: the main of the tiny Makefile project built with CC=pith-cc. */
#include "greet.h"

int main(int argc, char **argv)
{
	greet(argc > 1 ? argv[1] : "world", 2.0);
	return 0;
}
