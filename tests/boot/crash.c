/* Boot test guest: crashes in a named function, chosen by argv[1] (null, stack, text, data). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

struct big {
	char pad[0x7b8];
	int field; /* at 0x7b8: the faulting address of the NULL dereference */
};

static struct big *volatile null_big;	     /* NULL, but the compiler cannot know it */
static unsigned char data_code[64] = {0xc3}; /* `ret`, in writable no-execute .data */
static volatile int depth_limit = -1;	     /* never reached: recursion is unbounded */

/* Tell the host which address is about to be misused (plain write(2): no stdio buffering). */
static void announce(const char *what, const void *addr)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "%s at %p\n", what, addr);

	write(2, line, (size_t)n);
}

NOINLINE static int deref_null(void)
{
	return null_big->field;
}

NOINLINE static int recurse_forever(int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	if (depth == depth_limit)
		return 0;
	return recurse_forever(depth + 1) + frame[0];
}

NOINLINE static void victim(void)
{
	puts("victim ran");
}

NOINLINE static void write_text(void (*fn)(void))
{
	volatile unsigned char *code = (volatile unsigned char *)(uintptr_t)fn;

	announce("writing to text", (const void *)(uintptr_t)fn);
	code[0] = 0xc3;
}

NOINLINE static void jump_data(void)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)data_code;

	announce("calling data", data_code);
	fn();
	announce("returned from data", data_code);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "null") == 0)
		return deref_null();
	if (strcmp(mode, "stack") == 0)
		return recurse_forever(0);
	if (strcmp(mode, "text") == 0)
		write_text(victim);
	if (strcmp(mode, "data") == 0)
		jump_data();
	fprintf(stderr, "crash: mode '%s' did not crash\n", mode);
	return 3;
}
