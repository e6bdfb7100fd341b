/* Test guest: breaks the hypercall rules in the way argv[1] names; the monitor must stop it. */
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, 0);
GUEST_START();

static void console_at(uint64_t data, uint64_t len)
{
	struct pith_hc_console c = {.data = data, .len = len, .stream = 1};

	hc_call(PITH_HC_CONSOLE, &c);
}

static void out8(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void panic_with(uint64_t msg, uint64_t len)
{
	struct pith_hc_panic p = {.msg = msg, .len = len};

	hc_call(PITH_HC_PANIC, &p);
}

static void hostile(const struct pith_boot_info *bi, const char *how)
{
	static const char msg[] = "assertion failed: the test guest panics on purpose";
	struct pith_hc_console bad_stream = {.data = (uintptr_t)msg, .len = 4, .stream = 3};
	struct pith_hc_wait w = {.timeout_ns = 50000000};
	uint32_t v;

	if (guest_streq(how, "end")) /* runs past the end of guest RAM */
		console_at(bi->mem_size - 8, 16);
	else if (guest_streq(how, "wrap")) /* data + len wraps at 2^64 */
		console_at(0xfffffffffffff000ULL, 0x2000);
	else if (guest_streq(how, "monitor")) /* names the monitor's own pages */
		console_at(0x1000, 16);
	else if (guest_streq(how, "struct")) /* the struct address itself is past RAM */
		hc_call(PITH_HC_CONSOLE, (const void *)(uintptr_t)(bi->mem_size - 4));
	else if (guest_streq(how, "stream"))
		hc_call(PITH_HC_CONSOLE, &bad_stream);
	else if (guest_streq(how, "byte")) /* a 1-byte out to a hypercall port */
		out8(PITH_HC_CONSOLE, 1);
	else if (guest_streq(how, "in")) /* an in from a hypercall port */
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)PITH_HC_EXIT));
	else if (guest_streq(how, "port")) /* open in the bitmap, but not a hypercall */
		out8(PITH_HC_PORT_BASE + PITH_HC_COUNT, 1);
	else if (guest_streq(how, "syscallport-in")) /* open for PVM's syscall stub: in refused */
		__asm__ volatile("inb %1, %b0" : "=a"(v) : "Nd"((uint16_t)PITH_TRAP_PORT_SYSCALL));
	else if (guest_streq(how, "trapport")) /* closed by the bitmap: #GP */
		out8(PITH_TRAP_PORT_BASE + 14, 1);
	else if (guest_streq(how, "cli")) /* IOPL 0: #GP */
		__asm__ volatile("cli");
	else if (guest_streq(how, "panic"))
		panic_with((uintptr_t)msg, sizeof(msg) - 1);
	else if (guest_streq(how, "panic-bad"))
		panic_with(bi->mem_size, 1);
	else if (guest_streq(how, "wait")) { /* sleeps 50 ms, then exits 0 */
		hc_call(PITH_HC_WAIT, &w);
		guest_exit(0);
	} else
		guest_puts(2, "hostile: unknown mode\n");
}

int guest_main(const struct pith_boot_info *bi)
{
	hostile(bi, guest_arg(bi, 1));
	guest_puts(2, "hostile: the monitor let the guest continue\n");
	return 99;
}
