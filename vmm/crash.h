/* Crash reports: what the guest did wrong, its registers and a symbolized backtrace. */
#ifndef VMM_CRASH_H
#define VMM_CRASH_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm;

/*
 * The guest broke the hypercall rules: print "pith: guest error: <what>; guest stopped" and
 * return PITH_EXIT_CRASH.
 */
int crash__guest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A CPU exception reached trap stub `vector`: given to the guest as a fault upcall if it asked
 * for it (HC_RESUME), else prints the report and returns PITH_EXIT_CRASH.
 */
int crash__trap(struct vm *vm, unsigned vector);

/*
 * A timer or signal upcall found no writable room for its frame below RSP and the guest does not
 * take page faults: prints a "stack overflow" report for registers r. Returns PITH_EXIT_CRASH.
 */
int crash__upcall_stack(struct vm *vm, const struct kvm_regs *r, uint64_t addr);

/* The guest called the panic hypercall with msg. Prints the report; returns PITH_EXIT_CRASH. */
int crash__panic(struct vm *vm, const char *msg, size_t len);

/* KVM_RUN stopped for a reason the run loop does not handle. Returns PITH_EXIT_CRASH. */
int crash__exit(struct vm *vm);

#endif
