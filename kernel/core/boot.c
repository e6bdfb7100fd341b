/* Boot (the core component): validate the boot info, start the components, enter the program. */
#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/initstack.h"
#include "core/note.h"
#include "random/random.h"
#include "syscall/syscall.h"

const struct pith_boot_info *pith_boot_info;
uint64_t pith_user_end;

void pith_boot(const struct pith_boot_info *bi) __attribute__((noreturn));
void pith_compat_entry(void);
__attribute__((noreturn)) void pith_enter_program(uint64_t entry, uint64_t *sp);

/* musl's crt1 entry: weak, so the compat kernel (no crt1) links without it. */
extern void _start(void) __attribute__((weak));

/* Components that not every image links: started only if present. */
extern void pith_mem_init(const struct pith_boot_info *bi) __attribute__((weak));
extern void pith_time_init(const struct pith_boot_info *bi) __attribute__((weak));

/* The image's ABI note: the monitor checks the version and learns the compat-syscall entry. */
struct abi_note {
	uint32_t namesz, descsz, type;
	char name[PITH_NOTE_PAD4(sizeof(PITH_NOTE_NAME))];
	struct pith_note_abi desc; /* at offset 20: the note format aligns to 4 bytes only */
} __attribute__((packed));

PITH_NOTE_SECTION static const struct abi_note pith_note_abi = {
    .namesz = sizeof(PITH_NOTE_NAME),
    .descsz = sizeof(struct pith_note_abi),
    .type = PITH_NOTE_ABI,
    .name = PITH_NOTE_NAME,
    .desc = {PITH_ABI_VERSION, 0, (uint64_t)(uintptr_t)&pith_compat_entry},
};

PITH_COMPONENT_NOTE(core);

static int page_aligned(uint64_t x)
{
	return (x & (PITH_PAGE_SIZE - 1)) == 0;
}

static void boot_validate(const struct pith_boot_info *bi)
{
	PITH_ASSERT_MSG((uintptr_t)bi == PITH_BOOTINFO_BASE && bi->magic == PITH_BOOT_MAGIC,
			"boot: no boot info at PITH_BOOTINFO_BASE (bad magic)");
	PITH_ASSERT_MSG(bi->abi_version == PITH_ABI_VERSION,
			"boot: the monitor's ABI version differs from the image's");
	PITH_ASSERT_MSG(bi->mem_size >= PITH_MEM_MIN && bi->mem_size <= PITH_MEM_MAX,
			"boot: guest memory size out of range");
	PITH_ASSERT_MSG(page_aligned(bi->heap_start) && page_aligned(bi->heap_end) &&
			    bi->heap_start >= PITH_IMAGE_BASE && bi->heap_start <= bi->heap_end,
			"boot: bad heap bounds");
	PITH_ASSERT_MSG(bi->stack_top % 16 == 0 && bi->stack_top <= bi->mem_size &&
			    bi->heap_end + PITH_PAGE_SIZE < bi->stack_top,
			"boot: bad stack bounds");
	PITH_ASSERT_MSG(bi->strings >= PITH_BOOTINFO_BASE && bi->strings <= PITH_BOOTINFO_END &&
			    bi->strings_len <= PITH_BOOTINFO_END - bi->strings,
			"boot: argument strings outside the boot info area");
	PITH_ASSERT_MSG(bi->phdr >= PITH_BOOTINFO_BASE && bi->phdr <= bi->mem_size &&
			    bi->phdr % 8 == 0 && bi->phnum <= (bi->mem_size - bi->phdr) / 56,
			"boot: program headers outside guest RAM");
	PITH_ASSERT_MSG(bi->tsc_hz != 0, "boot: TSC frequency is zero");
	PITH_ASSERT_MSG(!(bi->flags & PITH_BOOT_COMPAT) || bi->entry != 0,
			"boot: compat boot without a program entry");
}

static void init_components(const struct pith_boot_info *bi)
{
	pith_syscall_init(bi);
	if (pith_time_init)
		pith_time_init(bi);
	pith_random_init(bi);
	if (pith_mem_init)
		pith_mem_init(bi);
	pith_run_init_hooks();
}

static size_t fill_auxv(const struct pith_boot_info *bi, struct pith_auxv *aux)
{
	const struct pith_auxv v[] = {
	    {PITH_AT_PHDR, bi->phdr},	{PITH_AT_PHENT, 56},
	    {PITH_AT_PHNUM, bi->phnum}, {PITH_AT_PAGESZ, PITH_PAGE_SIZE},
	    {PITH_AT_BASE, 0},		{PITH_AT_FLAGS, 0},
	    {PITH_AT_ENTRY, bi->entry}, {PITH_AT_UID, 0},
	    {PITH_AT_EUID, 0},		{PITH_AT_GID, 0},
	    {PITH_AT_EGID, 0},		{PITH_AT_HWCAP, pith_cpuid(1, 0).edx},
	    {PITH_AT_CLKTCK, 100},	{PITH_AT_SECURE, 0},
	};
	size_t n = sizeof(v) / sizeof(v[0]);

	for (size_t i = 0; i < n; i++)
		aux[i] = v[i];
	return n;
}

static uint64_t *build_initial_stack(const struct pith_boot_info *bi)
{
	struct pith_auxv aux[PITH_INITSTACK_MAX_AUX];
	uint8_t random[16];
	struct pith_initstack in = {
	    .bottom = (uint8_t *)(uintptr_t)(bi->heap_end + PITH_PAGE_SIZE),
	    .top = (uint8_t *)(uintptr_t)bi->stack_top,
	    .strings = (const char *)(uintptr_t)bi->strings,
	    .strings_len = bi->strings_len,
	    .argc = bi->argc,
	    .envc = bi->envc,
	    .random = random,
	    .aux = aux,
	};

	in.naux = fill_auxv(bi, aux);
	pith_random_bytes(random, sizeof(random));
	uint64_t *sp = pith_initstack_build(&in);

	PITH_ASSERT_MSG(sp != NULL, "boot: arguments and environment do not fit on the stack "
				    "(or do not match argc + envc)");
	return sp;
}

void pith_boot(const struct pith_boot_info *bi)
{
	boot_validate(bi);
	pith_boot_info = bi;
	pith_user_end = bi->mem_size;
	int err = pith_user_map_init(&pith_user_map, bi);

	PITH_ASSERT_MSG(err == 0, "boot: an image segment lies outside the image area, or the "
				  "image has too many segments");
	init_components(bi);
	uint64_t *sp = build_initial_stack(bi);
	uint64_t entry = (bi->flags & PITH_BOOT_COMPAT) ? bi->entry : (uint64_t)(uintptr_t)_start;

	PITH_ASSERT_MSG(entry != 0, "boot: this kernel has no program to start (compat kernel "
				    "booted without PITH_BOOT_COMPAT)");
	pith_enter_program(entry, sp);
}
