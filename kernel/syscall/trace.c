/* Syscall tracing (pith run --trace) and the -ENOSYS path; carries the syscall component's note. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "core/note.h"
#include "syscall/syscall.h"
#include "syscall/trace_fmt.h"

PITH_COMPONENT_NOTE(syscall);

int pith_trace_enabled;

struct syscall_info {
	const char *name;
	int nargs;
};

#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) [nr] = {#name, nargs},
static const struct syscall_info syscalls[] = {
#include "syscall/syscalls.def"
};
#undef PITH_SYSCALL_DEF

#define NSYSCALLS (sizeof(syscalls) / sizeof(syscalls[0]))

void pith_syscall_init(const struct pith_boot_info *bi)
{
	pith_trace_enabled = (bi->flags & PITH_BOOT_TRACE) != 0;
}

static void trace_line(long nr, const char *name, int nargs, unsigned kinds, int retkind, long ret,
		       const long *args)
{
	char line[256];
	size_t len =
	    pith_trace_format(line, sizeof(line), nr, name, nargs, kinds, retkind, ret, args);
	struct pith_hc_console call = {.data = (uint64_t)(uintptr_t)line, .len = len, .stream = 2};

	pith_hypercall(PITH_HC_CONSOLE, &call);
}

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, const long *args)
{
	trace_line(nr, syscalls[nr].name, syscalls[nr].nargs, kinds, retkind, ret, args);
}

/* Arguments of a syscall the image lacks print in hex: their types are unknown here. */
#define ALL_HEX 0xfffu

long pith_syscall_enosys(long nr, long a, long b, long c, long d, long e, long f)
{
	if (__builtin_expect(pith_trace_enabled, 0)) {
		const long args[6] = {a, b, c, d, e, f};

		if ((unsigned long)nr < NSYSCALLS && syscalls[nr].name)
			trace_line(nr, syscalls[nr].name, syscalls[nr].nargs, ALL_HEX, PITH_RET_INT,
				   -ENOSYS, args);
		else
			trace_line(nr, NULL, 6, ALL_HEX, PITH_RET_INT, -ENOSYS, args);
	}
	return -ENOSYS;
}
