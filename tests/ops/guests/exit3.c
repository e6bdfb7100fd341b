/* tests/ops guest: prints two lines on stdout and one on stderr, exits 3. */
#include <stdio.h>
int main(void)
{
	printf("line one\n");
	fflush(stdout);
	fprintf(stderr, "to stderr\n");
	printf("line two\n");
	return 3;
}
