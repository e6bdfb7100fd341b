/* Boot test guest for the compat path: built with plain `musl-gcc -static` (uses `syscall`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	size_t size = 1 << 20;
	unsigned char *buf = malloc(size);
	struct timespec ts;
	unsigned long sum = 0;

	if (!buf || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 1;
	memset(buf, 3, size);
	for (size_t i = 0; i < size; i++)
		sum += buf[i];
	free(buf);
	printf("compat: argc=%d", argc);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf(" sum=%lu ratio=%.2f\n", sum, 22.0 / 7.0);
	return 7;
}
