/* Upcalls: the monitor interrupts the CPL3 guest at its registered entry (abi.h "Upcalls"). */
#ifndef VMM_UPCALL_H
#define VMM_UPCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "guestmem.h"
#include "kvm.h"
#include "layout.h"

struct vm;

#define UPCALL_CRIT_RETRY_NS 100000u /* RIP in the critical range: try again 100 us later */
#define UPCALL_PF_WRITE_USER 6u	     /* page-fault error code: write, user mode, not present */
#define UPCALL_VEC_PF	     14u

/* What an interruption (timer, host signal) does to the guest. */
enum upcall_action {
	UPCALL_DEFER,  /* masked: set the bits in shared->pending */
	UPCALL_RETRY,  /* RIP in [crit_start, crit_end): re-arm the timer for 100 us */
	UPCALL_INJECT, /* write a frame and resume at the entry */
};

/* What --stats prints about upcalls. */
struct upcall_stats {
	uint64_t timer, signal, fault; /* upcalls made, by reason */
	uint64_t deferred;	       /* reasons set in pending because the guest was masked */
	uint64_t crit_retries;	       /* interruptions inside the critical range */
	uint64_t timer_arms;	       /* PITH_HC_TIMER calls that armed the timer */
	uint64_t timer_cancels;	       /* PITH_HC_TIMER calls with 0 */
	uint64_t interrupts;	       /* KVM_RUN returns with EINTR after the setup */
};

/* The state PITH_HC_SCHED_SETUP creates (vm->upcall); one per VM (one vCPU). */
struct upcall_state {
	uint64_t shared;      /* guest address of struct pith_sched_shared */
	uint64_t entry;	      /* the upcall entry */
	uint64_t fault_stack; /* top of the fault stack */
	uint64_t crit_start, crit_end;
	uint64_t rflags; /* RFLAGS at the entry: IF | bit 1 | the boot IOPL bits */
	struct upcall_stats stats;
};

/*
 * Check a PITH_HC_SCHED_SETUP request against guest memory and the layout: 0, or -EINVAL
 * (shared not 64-byte aligned guest-writable RAM, upcall or the critical range outside the
 * image's user-executable pages or empty or reversed, fault_stack not 16-byte aligned with
 * PITH_FAULT_STACK_MIN guest-writable bytes below it, reserved not zero).
 */
int upcall__check_setup(const struct guest_mem *mem, const struct layout *l,
			const struct pith_hc_sched_setup *s);

/* Fill st from a checked request. */
void upcall__init(struct upcall_state *st, const struct pith_hc_sched_setup *s);

/* Where a timer or signal frame goes for an interrupted RSP: 0, or -1 if it would wrap. */
int upcall__frame_addr(uint64_t rsp, uint64_t *frame);

/* Whether an interruption is made now, deferred, or retried (see enum upcall_action). */
enum upcall_action upcall__decide(const struct upcall_state *st, uint32_t masked, uint64_t rip);

/* Whether a fault may be given to the guest (masked, fault_vectors, RSP on the fault stack). */
bool upcall__fault_allowed(const struct upcall_state *st, const struct pith_sched_shared *sh,
			   unsigned vector, uint64_t rsp);

/*
 * The first address of [gpa, gpa + len) the guest cannot write (guest_mem__ptr_rw fails on its
 * page part), or UINT64_MAX if all of it is writable. Page by page, so cr2 is exact.
 */
uint64_t upcall__first_unwritable(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* A frame for registers r (rip, rsp, rflags as interrupted) and reason/vector/error/cr2. */
void upcall__frame_fill(struct pith_upcall_frame *f, const struct kvm_regs *r, uint64_t reason,
			uint64_t vector, uint64_t error_code, uint64_t cr2);

/* Write f at gpa through guest_mem__ptr_rw: 0, or -1 if the guest could not write there. */
int upcall__frame_write(const struct guest_mem *mem, uint64_t gpa,
			const struct pith_upcall_frame *f);

/* Registers at the entry: RIP = entry, RSP = RDI = frame, RFLAGS = st->rflags. */
void upcall__enter_regs(const struct upcall_state *st, struct kvm_regs *r, uint64_t frame);

/* The shared area through the checked accessor (writable by the guest), or NULL. */
struct pith_sched_shared *upcall__shared(struct vm *vm);

/*
 * The vCPU thread was interrupted (KVM_RUN returned EINTR) or a wait ended: take the timer
 * and host-signal events and defer, retry or inject them. HC_RESUME, or a `pith run` status.
 * can_inject is false while a port I/O instruction is incomplete (inside a hypercall): then
 * events wait in their flags for the next KVM_RUN if the guest is not masked.
 */
int upcall__events(struct vm *vm, bool can_inject);

/*
 * A CPU exception at CPL3 reached trap stub `vector`; r holds the general registers with the
 * exception frame's rip, rsp and rflags. Returns 0 if the guest takes it (frame written on the
 * fault stack, vCPU at the entry at CPL3), or -1 if the monitor must report the crash.
 */
int upcall__fault(struct vm *vm, unsigned vector, uint64_t error_code, const struct kvm_regs *r);

/* The timer (hc_sched.c): created before the seccomp filter; armed by PITH_HC_TIMER. */
int upcall_timer__create(char *err, size_t errlen);
int upcall_timer__arm(uint64_t ns);
bool upcall_timer__take(void); /* whether it fired since the last call */
int upcall_timer__id(void);    /* the kernel's timer id (seccomp), or -1 */
int upcall_timer__signal(void);
void upcall_timer__fired(int sig); /* its signal handler (also called by stop__drain) */

/* --stats and --verbose. */
void upcall__print_stats(const struct vm *vm);

#endif
