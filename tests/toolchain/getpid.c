/* tests/toolchain: a program whose only syscall is getpid(), a constant-number syscall. */
#include <unistd.h>

int main(void)
{
	return (int)getpid() & 0x7f;
}
