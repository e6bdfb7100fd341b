/* pith_syscall: the runtime dispatcher; on_use syscalls are weak references, always ones strong. */
#include "syscall/table.h"

#define PITH_DECL_always(name)				   pith_syscall_fn pith_sys_##name;
#define PITH_DECL_on_use(name)				   pith_syscall_fn pith_sys_##name __attribute__((weak));
#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) PITH_DECL_##link(name)
#include "syscall/syscalls.def"
#undef PITH_SYSCALL_DEF

#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) [nr] = pith_sys_##name,
static pith_syscall_fn *const table[] = {
#include "syscall/syscalls.def"
};
#undef PITH_SYSCALL_DEF

long pith_syscall(long nr, long a, long b, long c, long d, long e, long f)
{
	return pith_syscall_table_call(table, sizeof(table) / sizeof(table[0]), nr, a, b, c, d, e,
				       f);
}
