/* Boot test guest: breaks a kernel invariant on purpose, so a kernel assertion must fail. */
#include <stddef.h>

/*
 * The console component's internal output function asserts that its callers checked the fd.
 * Every kernel symbol is linked into the image, so a test can call it directly with a bad fd:
 * the PITH_ASSERT in it fails and the kernel panics through the monitor's crash report.
 */
void pith_console_out(int fd, const void *buf, size_t len);

int main(void)
{
	pith_console_out(7, "x", 1);
	return 0;
}
