/* Test guest: a minimal stand-in for Pith's compat kernel, to test the two-image compat path. */
/*
 * It builds a Linux initial stack for the program the boot info names, jumps to it, and answers
 * the handful of syscalls a static musl hello makes.
 */
#include "compat_entry.h"
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, guest_compat_entry);
GUEST_START();
GUEST_COMPAT_ENTRY();

#define ENOSYS	    38
#define ENOTTY	    25
#define ARCH_SET_FS 0x1002
#define AT_PHDR	    3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_ENTRY    9
#define AT_RANDOM   25

struct iovec_ {
	const void *base;
	size_t len;
};

static long sys_writev(long fd, const struct iovec_ *iov, long n)
{
	long total = 0;

	for (long i = 0; i < n; i++) {
		guest_write((uint32_t)fd, iov[i].base, iov[i].len);
		total += (long)iov[i].len;
	}
	return total;
}

long guest_syscall(long nr, long a, long b, long c, long d)
{
	(void)d;
	switch (nr) {
	case 1:
		guest_write((uint32_t)a, (const void *)b, (size_t)c);
		return c;
	case 16:
		return -ENOTTY; /* ioctl */
	case 20:
		return sys_writev(a, (const struct iovec_ *)b, c); /* writev */
	case 158:						   /* arch_prctl */
		if (a != ARCH_SET_FS)
			return -22;
		__asm__ volatile("wrfsbase %0" : : "r"(b));
		return 0;
	case 218:
		return 1; /* set_tid_address */
	case 60:
	case 231:
		guest_exit((int)a);
	}
	return -ENOSYS;
}

/* argc, argv, NULL, envp, NULL, auxv: what a Linux program's _start expects at RSP. */
static uint64_t *initial_stack(const struct pith_boot_info *bi, uint64_t *v)
{
	const char *s = (const char *)(uintptr_t)bi->strings;
	uint64_t *p = v;

	*p++ = bi->argc;
	for (uint32_t i = 0; i < bi->argc + bi->envc; i++) {
		if (i == bi->argc)
			*p++ = 0;
		*p++ = (uintptr_t)s;
		s += guest_strlen(s) + 1;
	}
	if (bi->envc == 0)
		*p++ = 0;
	*p++ = 0;
	const uint64_t aux[] = {AT_PHDR,  bi->phdr,  AT_PHENT,	56,
				AT_PHNUM, bi->phnum, AT_PAGESZ, 4096,
				AT_ENTRY, bi->entry, AT_RANDOM, (uintptr_t)bi->seed,
				0,	  0};
	for (unsigned i = 0; i < sizeof(aux) / sizeof(aux[0]); i++)
		*p++ = aux[i];
	return v;
}

int guest_main(const struct pith_boot_info *bi)
{
	_Alignas(16) uint64_t v[512];

	if (!(bi->flags & PITH_BOOT_COMPAT) || bi->argc + bi->envc > 400) {
		guest_puts(2, "mini-compat-kernel: not started in compat mode\n");
		return 97;
	}
	__asm__ volatile("mov %0, %%rsp\nxor %%edx, %%edx\nxor %%ebp, %%ebp\njmp *%1"
			 :
			 : "S"(initial_stack(bi, v)), "c"(bi->entry)
			 : "memory");
	__builtin_unreachable();
}
