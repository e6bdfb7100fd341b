/* Boot test guest: a hostile console hypercall naming memory outside guest RAM (argv[1]: how). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* From include/pith/abi.h, spelled out on purpose: this program plays a hostile guest. */
#define HC_CONSOLE 0x500

struct hc_console {
	uint64_t data;
	uint64_t len;
	uint32_t stream;
	uint32_t reserved;
};

static void hypercall(uint16_t port, uint64_t gpa)
{
	__asm__ volatile("outl %0, %1" : : "a"((uint32_t)gpa), "d"(port) : "memory");
}

static void console(uint64_t data, uint64_t len)
{
	static struct hc_console call;

	call.data = data;
	call.len = len;
	call.stream = 1;
	hypercall(HC_CONSOLE, (uint64_t)(uintptr_t)&call);
}

int main(int argc, char **argv)
{
	static const char good[] = "badhc: a valid console hypercall works\n";
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "ok") == 0)
		console((uint64_t)(uintptr_t)good, sizeof(good) - 1);
	else if (strcmp(mode, "data") == 0)
		console(0x40000000, 16); /* past the end of a 16 MiB guest */
	else if (strcmp(mode, "wrap") == 0)
		console(0xfffffffffffff000ull, 0x2000); /* data + len wraps past 2^64 */
	else if (strcmp(mode, "monitor") == 0)
		console(0x1000, 64); /* the monitor's own page tables */
	else if (strcmp(mode, "struct") == 0)
		hypercall(HC_CONSOLE, 0x3ff00000); /* the struct itself outside RAM */
	else
		return 2;
	if (strcmp(mode, "ok") == 0)
		return 0;
	fprintf(stderr, "badhc: the monitor accepted the bad hypercall '%s'\n", mode);
	return 3;
}
