/* Boot test guest: overflows a stack buffer; built with -fstack-protector-strong. */
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static void smash_buffer(const char *s)
{
	char buf[8];

	strcpy(buf, s); /* deliberately too long: the canary check fails on return */
	printf("%s\n", buf);
}

int main(int argc, char **argv)
{
	smash_buffer(argc > 1 ? argv[1] : "far too long for an eight-byte buffer");
	return 0;
}
