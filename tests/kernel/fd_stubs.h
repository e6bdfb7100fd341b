/* Host stand-ins for the kernel services the fd, pipe and poll code uses (fd_stubs.c). */
#ifndef PITH_TEST_FD_STUBS_H
#define PITH_TEST_FD_STUBS_H

#include <stddef.h>
#include <stdint.h>

/* The fake monotonic clock; pith_io_wait jumps it to the deadline and counts the waits. */
extern uint64_t stub_now_ns;
extern unsigned stub_waits;

/* When set, pith_io_wait calls it instead and returns its result (a test's own waiting: a
   signal's -EINTR, another thread's work). */
extern int (*stub_wait_hook)(uint64_t deadline_ns);

/* Blocks pith_kmalloc handed out and not yet freed. */
extern long stub_kmalloc_live;

/* SYS(name, args...): call pith_sys_<name> with its arguments, the rest 0. */
#define SYS(name, ...) sys_(pith_sys_##name, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys_(fn, a, b, c, d, e, f, ...)                                                            \
	fn((long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#endif
