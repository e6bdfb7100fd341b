/* The dispatch-table type and lookup of pith_syscall. */
#ifndef PITH_SYSCALL_TABLE_H
#define PITH_SYSCALL_TABLE_H

#include <stddef.h>

#include "syscall/syscall.h"

typedef long pith_syscall_fn(long a, long b, long c, long d, long e, long f);

/* table[nr] or, when nr is outside it or its entry is NULL (weak, not linked), -ENOSYS. */
static inline long pith_syscall_table_call(pith_syscall_fn *const *table, size_t size, long nr,
					   long a, long b, long c, long d, long e, long f)
{
	if ((unsigned long)nr < size && table[nr])
		return table[nr](a, b, c, d, e, f);
	return pith_syscall_enosys(nr, a, b, c, d, e, f);
}

#endif
