/* pith_syscall_any: musl's syscall(2); references every syscall strongly, so all are linked. */
#include "syscall/table.h"

#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) pith_syscall_fn pith_sys_##name;
#include "syscall/syscalls.def"
#undef PITH_SYSCALL_DEF

#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) [nr] = pith_sys_##name,
static pith_syscall_fn *const table[] = {
#include "syscall/syscalls.def"
};
#undef PITH_SYSCALL_DEF

long pith_syscall_any(long nr, long a, long b, long c, long d, long e, long f)
{
	return pith_syscall_table_call(table, sizeof(table) / sizeof(table[0]), nr, a, b, c, d, e,
				       f);
}
