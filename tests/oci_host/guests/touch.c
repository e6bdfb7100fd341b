/* tests/oci_host guest: touch N MiB of fresh memory (argv[1], default 8), print "touched N MiB". */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 8;
	size_t len = (size_t)mib << 20;
	char *p = malloc(len);

	if (!p) {
		printf("malloc of %ld MiB failed\n", mib);
		return 1;
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	printf("touched %ld MiB\n", mib);
	return 0;
}
