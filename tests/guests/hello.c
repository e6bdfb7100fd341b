/* Test guest: prints a greeting and its arguments, checks the boot info, and exits with 7. */
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, 0);
GUEST_START();

extern char _start[];

static int bootinfo_ok(const struct pith_boot_info *bi)
{
	return bi->magic == PITH_BOOT_MAGIC && bi->abi_version == PITH_ABI_VERSION &&
	       bi->stack_top == bi->mem_size && bi->heap_start <= bi->heap_end &&
	       bi->heap_end + PITH_PAGE_SIZE < bi->stack_top && bi->tsc_hz > 0 &&
	       bi->realtime_ns > 0 && bi->phnum > 0 && bi->phdr >= PITH_BOOTINFO_BASE &&
	       bi->entry == (uintptr_t)_start && (bi->flags & ~PITH_BOOT_TRACE) == 0;
}

int guest_main(const struct pith_boot_info *bi)
{
	volatile uint8_t *heap = (uint8_t *)(uintptr_t)bi->heap_start;
	volatile uint8_t *stack_low = (uint8_t *)(uintptr_t)(bi->heap_end + PITH_PAGE_SIZE);

	guest_puts(1, "hello from a Pith test guest\n");
	for (uint32_t i = 0; i < bi->argc; i++) {
		guest_puts(1, "arg: ");
		guest_puts(1, guest_arg(bi, i));
		guest_puts(1, "\n");
	}
	heap[0] = 1; /* the heap and the bottom of the stack are writable */
	stack_low[0] = 1;
	guest_puts(2, bootinfo_ok(bi) ? "bootinfo ok\n" : "bootinfo BAD\n");
	if (bi->flags & PITH_BOOT_TRACE)
		guest_puts(2, "trace flag set\n");
	return 7;
}
