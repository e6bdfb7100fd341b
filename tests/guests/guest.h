/* Helpers for the monitor's freestanding test guests: entry, ABI note, hypercalls, strings. */
#ifndef TESTS_GUESTS_GUEST_H
#define TESTS_GUESTS_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#define GUEST_STR_(x) #x
#define GUEST_STR(x)  GUEST_STR_(x)

/*
 * The Pith ABI note (abi.h): name "Pith", type PITH_NOTE_ABI, desc struct pith_note_abi with
 * the given ABI version and compat entry symbol (0 for none). It must be an SHT_NOTE section.
 */
#define GUEST_NOTE(version, compat_entry)                                                          \
	__asm__(".pushsection .note.pith,\"a\",@note\n"                                            \
		".balign 4\n"                                                                      \
		".long 5, 16, " GUEST_STR(PITH_NOTE_ABI) "\n"                                      \
							 ".asciz \"Pith\"\n"                       \
							 ".balign 4\n"                             \
							 ".long " GUEST_STR(                       \
							     version) ", 0\n"                      \
								      ".quad " #compat_entry "\n"  \
								      ".popsection")

/* _start: RDI = boot info, RSP = stack top; call guest_main(bi), whose result is the exit status.
 */
#define GUEST_START()                                                                              \
	__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"                          \
		"xor %ebp, %ebp\ncall guest_main\nmov %eax, %edi\ncall guest_exit\nud2\n"          \
		".size _start, .-_start\n")

int guest_main(const struct pith_boot_info *bi);

static inline void hc_call(uint16_t port, const void *arg)
{
	__asm__ volatile("outl %0, %1" : : "a"((uint32_t)(uintptr_t)arg), "Nd"(port) : "memory");
}

static inline size_t guest_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline int guest_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static inline void guest_write(uint32_t stream, const void *buf, size_t len)
{
	struct pith_hc_console c = {.data = (uintptr_t)buf, .len = len, .stream = stream};

	hc_call(PITH_HC_CONSOLE, &c);
}

static inline void guest_puts(uint32_t stream, const char *s)
{
	guest_write(stream, s, guest_strlen(s));
}

__attribute__((noreturn, used)) static void guest_exit(int status)
{
	struct pith_hc_exit e = {.status = status};

	hc_call(PITH_HC_EXIT, &e);
	for (;;)
		__asm__ volatile("pause");
}

/* argv[i] from the boot info's string block (argv first, then envp). */
static inline const char *guest_arg(const struct pith_boot_info *bi, uint32_t i)
{
	const char *s = (const char *)(uintptr_t)bi->strings;

	if (i >= bi->argc)
		return "";
	while (i--)
		s += guest_strlen(s) + 1;
	return s;
}

#endif
