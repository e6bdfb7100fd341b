/* tests/toolchain: a program calling read(), a cancellation point (runtime syscall number). */
#include <unistd.h>

int main(void)
{
	char buf[16];

	return read(0, buf, sizeof buf) < 0;
}
