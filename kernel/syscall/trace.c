/* Syscall tracing (pith run --trace) and the -ENOSYS path; carries the syscall component's note. */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "core/note.h"
#include "syscall/syscall.h"
#include "syscall/trace_fmt.h"

PITH_COMPONENT_NOTE(syscall);

int pith_trace_enabled;

/* The syscalls Pith has, in number order (a dense list: tracing is the rare path). */
struct syscall_info {
	uint16_t nr;
	uint8_t nargs;
	const char *name;
};

#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) {nr, nargs, #name},
static const struct syscall_info syscalls[] = {
#include "syscall/syscalls.def"
};
#undef PITH_SYSCALL_DEF

static const struct syscall_info *syscall_info(long nr)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (syscalls[i].nr == nr)
			return &syscalls[i];
	return NULL;
}

void pith_syscall_init(const struct pith_boot_info *bi)
{
	pith_trace_enabled = (bi->flags & PITH_BOOT_TRACE) != 0;
}

/* The highest thread id so far (kernel/sched): weak, so tracing links no scheduler. */
extern int pith_sched_max_tid __attribute__((weak));

/* "[tid N] " once a second thread has existed: single-threaded traces stay as they were. */
static size_t tid_prefix(char *line, size_t cap)
{
	if (!&pith_sched_max_tid || pith_sched_max_tid < 2)
		return 0;
	return pith_trace_tid_prefix(line, cap, pith_current_tid());
}

static void trace_line(long nr, const char *name, int nargs, unsigned kinds, int retkind, long ret,
		       const long *args)
{
	char line[256];
	size_t len = tid_prefix(line, sizeof(line));

	len += pith_trace_format(line + len, sizeof(line) - len, nr, name, nargs, kinds, retkind,
				 ret, args);
	struct pith_hc_console call = {.data = (uint64_t)(uintptr_t)line, .len = len, .stream = 2};

	pith_hypercall(PITH_HC_CONSOLE, &call);
}

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a, long b, long c,
			long d, long e, long f)
{
	const struct syscall_info *info = syscall_info(nr);
	const long args[6] = {a, b, c, d, e, f};

	trace_line(nr, info->name, info->nargs, kinds, retkind, ret, args);
}

/* Arguments of a syscall the image lacks print in hex: their types are unknown here. */
#define ALL_HEX 0xfffu

long pith_syscall_enosys(long nr, long a, long b, long c, long d, long e, long f)
{
	if (__builtin_expect(pith_trace_enabled, 0)) {
		const long args[6] = {a, b, c, d, e, f};
		const struct syscall_info *info = syscall_info(nr);

		trace_line(nr, info ? info->name : NULL, info ? info->nargs : 6, ALL_HEX,
			   PITH_RET_INT, -ENOSYS, args);
	}
	return -ENOSYS;
}
