/* Test guest: causes the CPU exception that argv[1] names (default: a NULL dereference). */
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, 0);
GUEST_START();

static const char rodata[] = "read-only";
static volatile int stop_recursion; /* never set: the recursion runs into the guard page */

__attribute__((noinline)) static int deref(volatile int *p)
{
	return *p + 1;
}

__attribute__((noinline)) static int recurse(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (stop_recursion)
		return n;
	return recurse(n + 1) + pad[0];
}

__attribute__((noinline)) static int crash(const char *how)
{
	static uint8_t data_code[8] = {0xc3}; /* `ret`, in a writable NX page */

	if (guest_streq(how, "write-rodata"))
		*(volatile char *)rodata = 'x';
	else if (guest_streq(how, "write-text"))
		*(volatile uint8_t *)(uintptr_t)&crash = 0x90;
	else if (guest_streq(how, "exec-data"))
		((void (*)(void))(uintptr_t)data_code)();
	else if (guest_streq(how, "stack-overflow"))
		return recurse(0);
	else if (guest_streq(how, "ud2"))
		__builtin_trap();
	else if (guest_streq(how, "int3"))
		__asm__ volatile("int3");
	else if (guest_streq(how, "unmapped"))
		return deref((volatile int *)0x300000000ULL);
	return deref((volatile int *)0);
}

__attribute__((noinline)) static int middle(const char *how)
{
	return crash(how) + 1;
}

int guest_main(const struct pith_boot_info *bi)
{
	return middle(guest_arg(bi, 1)) + 1;
}
