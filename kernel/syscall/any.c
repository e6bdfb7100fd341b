/* pith_syscall_any: musl's syscall(2); references every syscall strongly, so all are linked. */
#include "syscall/table.h"

#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) pith_syscall_fn pith_sys_##name;
#include "syscall/syscalls.def"
#undef PITH_SYSCALL_DEF

/*
 * Strong references to every syscall: linking this object links every component, so the weak
 * entries of pith_syscall's table all resolve and it can serve any number.
 */
#define PITH_SYSCALL_DEF(nr, name, nargs, component, link) pith_sys_##name,
static pith_syscall_fn *const every_syscall[] __attribute__((used)) = {
#include "syscall/syscalls.def"
};
#undef PITH_SYSCALL_DEF

long pith_syscall_any(long nr, long a, long b, long c, long d, long e, long f)
{
	return pith_syscall(nr, a, b, c, d, e, f);
}
