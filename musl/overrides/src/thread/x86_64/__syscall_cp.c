/* Pith's musl src/thread/__syscall_cp.c: empty, __syscall_cp is inline in syscall_arch.h. */
/*
 * musl's generic file defines __syscall_cp as an out-of-line function that calls the syscall with
 * a runtime number. Pith's syscall_arch.h defines __syscall_cp as a static inline function
 * instead (so cancellation points become direct calls into the kernel), which leaves nothing for
 * this file to define. ISO C wants at least one declaration in a translation unit.
 */
typedef int pith_syscall_cp_is_inline;
