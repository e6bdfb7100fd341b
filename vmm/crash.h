/* Crash reports: what the guest did wrong, its registers and a symbolized backtrace. */
#ifndef VMM_CRASH_H
#define VMM_CRASH_H

#include <stddef.h>

struct vm;

/*
 * The guest broke the hypercall rules: print "pith: guest error: <what>; guest stopped" and
 * return PITH_EXIT_CRASH.
 */
int crash__guest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A CPU exception reached trap stub `vector`. Prints the report; returns PITH_EXIT_CRASH. */
int crash__trap(struct vm *vm, unsigned vector);

/* The guest called the panic hypercall with msg. Prints the report; returns PITH_EXIT_CRASH. */
int crash__panic(struct vm *vm, const char *msg, size_t len);

/* KVM_RUN stopped for a reason the run loop does not handle. Returns PITH_EXIT_CRASH. */
int crash__exit(struct vm *vm);

#endif
