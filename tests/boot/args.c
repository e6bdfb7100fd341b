/* Boot test guest: prints argc, every argument and two environment variables, one per line. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

static int count_environ(void)
{
	int n = 0;

	while (environ[n])
		n++;
	return n;
}

int main(int argc, char **argv)
{
	const char *greeting = getenv("GREETING");
	const char *other = getenv("OTHER");

	printf("argc=%d\n", argc);
	printf("argv0_set=%d\n", argv[0] != NULL && argv[0][0] != '\0');
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=<%s>\n", i, argv[i]);
	printf("argv_terminated=%d\n", argv[argc] == NULL);
	printf("GREETING=<%s>\n", greeting ? greeting : "(unset)");
	printf("OTHER=<%s>\n", other ? other : "(unset)");
	printf("envc=%d\n", count_environ());
	fprintf(stderr, "args: this line goes to stderr\n");
	return 0;
}
