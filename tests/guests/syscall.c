/* Test guest: makes Linux syscalls with the `syscall` instruction; its compat entry answers. */
#include "compat_entry.h"
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, guest_compat_entry);
GUEST_START();
GUEST_COMPAT_ENTRY();

#define SYS_write      1
#define SYS_getpid     39
#define SYS_exit_group 231
#define ENOSYS	       38

long guest_syscall(long nr, long a, long b, long c, long d)
{
	(void)d;
	if (nr == SYS_write) {
		guest_write((uint32_t)a, (const void *)b, (size_t)c);
		return c;
	}
	if (nr == SYS_exit_group)
		guest_exit((int)a);
	return -ENOSYS;
}

/* A raw syscall that also checks RDI, RSI, RDX and R12 survive it, as on Linux. */
static long sys3(long n, long a, long b, long c, int *preserved)
{
	long r, a2 = a, b2 = b, c2 = c;
	register long r12 __asm__("r12") = 0x1234;

	__asm__ volatile("syscall"
			 : "=a"(r), "+D"(a2), "+S"(b2), "+d"(c2), "+r"(r12)
			 : "a"(n)
			 : "rcx", "r11", "memory");
	*preserved = a2 == a && b2 == b && c2 == c && r12 == 0x1234;
	return r;
}

int guest_main(const struct pith_boot_info *bi)
{
	static const char msg[] = "hello through the syscall instruction\n";
	int ok, failures = 0;

	(void)bi;
	if (sys3(SYS_write, 1, (long)msg, sizeof(msg) - 1, &ok) != sizeof(msg) - 1 || !ok)
		failures++;
	if (sys3(SYS_getpid, 0, 0, 0, &ok) != -ENOSYS || !ok)
		failures++;
	guest_puts(2, failures ? "syscall: registers or results wrong\n" : "syscall: ok\n");
	sys3(SYS_exit_group, failures ? 1 : 3, 0, 0, &ok);
	return 98;
}
