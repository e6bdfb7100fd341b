/* Upcalls on the vCPU: deferring, retrying or injecting timer/signal events, giving faults. */
#include <string.h>

#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "print.h"
#include "stop.h"
#include "upcall.h"
#include "vm.h"
#include "x86_64/cpu.h"

#define KICK_NS 1000u /* an event held across a hypercall is taken this soon after it */

/* Reasons taken from their flags but not delivered yet (see upcall__events). */
static uint32_t held;

struct pith_sched_shared *upcall__shared(struct vm *vm)
{
	return guest_mem__ptr_rw(&vm->mem, vm->upcall->shared, sizeof(struct pith_sched_shared));
}

/* Write a frame at gpa, enter the guest's entry with it, mask. 0, or -1 (not writable). */
static int upcall__enter(struct vm *vm, struct pith_sched_shared *sh, struct kvm_regs *r,
			 uint64_t gpa, const struct pith_upcall_frame *f)
{
	if (upcall__frame_write(&vm->mem, gpa, f) < 0)
		return -1;
	upcall__enter_regs(vm->upcall, r, gpa);
	if (kvm_vcpu__set_regs(&vm->kvm, r) < 0)
		return -1;
	__atomic_store_n(&sh->masked, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* A fault frame on the fault stack. 0, or -1 (the fault stack is no longer writable). */
static int fault__enter(struct vm *vm, struct pith_sched_shared *sh, const struct kvm_regs *at,
			unsigned vector, uint64_t error_code, uint64_t cr2)
{
	struct pith_upcall_frame f;
	struct kvm_regs r = *at;

	upcall__frame_fill(&f, at, PITH_UPCALL_FAULT, vector, error_code, cr2);
	if (upcall__enter(vm, sh, &r, vm->upcall->fault_stack - sizeof(f), &f) < 0)
		return -1;
	vm->upcall->stats.fault++;
	return 0;
}

/*
 * No room for a timer or signal frame below RSP (a guard page): a page fault at the first
 * unwritable byte, if the guest takes vector 14; the interrupting reasons wait in pending.
 */
static int stack__fault(struct vm *vm, struct pith_sched_shared *sh, const struct kvm_regs *r,
			uint64_t bad, uint32_t reasons)
{
	if (!upcall__fault_allowed(vm->upcall, sh, UPCALL_VEC_PF, r->rsp) ||
	    fault__enter(vm, sh, r, UPCALL_VEC_PF, UPCALL_PF_WRITE_USER, bad) < 0)
		return crash__upcall_stack(vm, r, bad);
	__atomic_or_fetch(&sh->pending, reasons, __ATOMIC_SEQ_CST);
	return HC_RESUME;
}

/* One reason in the frame (a signal first); any other goes to pending (masked from now on). */
static int upcall__inject(struct vm *vm, struct pith_sched_shared *sh, struct kvm_regs *r,
			  uint32_t reasons)
{
	uint32_t reason = reasons & PITH_UPCALL_SIGNAL ? PITH_UPCALL_SIGNAL : PITH_UPCALL_TIMER;
	struct pith_upcall_frame f;
	uint64_t gpa = 0, bad;

	bad = upcall__frame_addr(r->rsp, &gpa) < 0
		  ? 0
		  : upcall__first_unwritable(&vm->mem, gpa, sizeof(f));
	if (bad != UINT64_MAX)
		return stack__fault(vm, sh, r, bad, reasons);
	upcall__frame_fill(&f, r, reason, 0, 0, 0);
	if (upcall__enter(vm, sh, r, gpa, &f) < 0)
		return crash__guest_error("cannot make an upcall (KVM_SET_REGS failed)");
	__atomic_or_fetch(&sh->pending, reasons & ~reason, __ATOMIC_SEQ_CST);
	if (reason == PITH_UPCALL_SIGNAL)
		vm->upcall->stats.signal++;
	else
		vm->upcall->stats.timer++;
	return HC_RESUME;
}

/* Reasons held for later, and the timer kicked so that a KVM_RUN returns for them. */
static int events__hold(uint32_t reasons, uint64_t ns)
{
	held |= reasons;
	upcall_timer__arm(ns);
	return HC_RESUME;
}

/* Events the guest cannot take now: in pending while it is masked, else retried. */
static int events__deliver(struct vm *vm, struct pith_sched_shared *sh, uint32_t reasons,
			   bool can_inject)
{
	struct kvm_regs r;

	if (__atomic_load_n(&sh->masked, __ATOMIC_SEQ_CST)) {
		__atomic_or_fetch(&sh->pending, reasons, __ATOMIC_SEQ_CST);
		vm->upcall->stats.deferred++;
		return HC_RESUME;
	}
	if (!can_inject)
		return events__hold(reasons, KICK_NS);
	if (kvm_vcpu__get_regs(&vm->kvm, &r) < 0)
		return crash__guest_error("cannot read the virtual CPU for an upcall");
	if (upcall__decide(vm->upcall, 0, r.rip) == UPCALL_RETRY) {
		vm->upcall->stats.crit_retries++;
		return events__hold(reasons, UPCALL_CRIT_RETRY_NS);
	}
	return upcall__inject(vm, sh, &r, reasons);
}

int upcall__events(struct vm *vm, bool can_inject)
{
	uint64_t sigs = stop__take_guest();
	uint32_t reasons =
	    held | (upcall_timer__take() ? PITH_UPCALL_TIMER : 0) | (sigs ? PITH_UPCALL_SIGNAL : 0);
	struct pith_sched_shared *sh;

	held = 0;
	if (!reasons)
		return HC_RESUME;
	sh = upcall__shared(vm);
	if (!sh)
		return crash__guest_error("the upcall shared area at %#llx is no longer writable",
					  (unsigned long long)vm->upcall->shared);
	if (sigs)
		__atomic_or_fetch(&sh->host_signals, sigs, __ATOMIC_SEQ_CST);
	return events__deliver(vm, sh, reasons, can_inject);
}

/* Back to CPL3 if the exception entered the stub at CPL0 (hardware KVM; PVM stays at CPL3). */
static int fault__user_segments(struct vm *vm, struct kvm_sregs *s)
{
	if (s->cs.selector == PITH_SEL_UCODE && s->ss.selector == PITH_SEL_UDATA)
		return 0;
	x86_cpu__user_segments(s);
	return kvm_vcpu__set_sregs(&vm->kvm, s);
}

int upcall__fault(struct vm *vm, unsigned vector, uint64_t error_code, const struct kvm_regs *r)
{
	struct pith_sched_shared *sh;
	struct kvm_sregs s;

	if (!vm->upcall)
		return -1;
	sh = upcall__shared(vm);
	if (!sh || !upcall__fault_allowed(vm->upcall, sh, vector, r->rsp) ||
	    kvm_vcpu__get_sregs(&vm->kvm, &s) < 0)
		return -1;
	if (upcall__first_unwritable(&vm->mem,
				     vm->upcall->fault_stack - sizeof(struct pith_upcall_frame),
				     sizeof(struct pith_upcall_frame)) != UINT64_MAX ||
	    fault__user_segments(vm, &s) < 0)
		return -1;
	return fault__enter(vm, sh, r, vector, error_code, vector == UPCALL_VEC_PF ? s.cr2 : 0);
}

void upcall__print_stats(const struct vm *vm)
{
	static const struct upcall_stats none;
	const struct upcall_stats *s = vm->upcall ? &vm->upcall->stats : &none;

	print__err("pith: stats: upcalls_timer %llu\n", (unsigned long long)s->timer);
	print__err("pith: stats: upcalls_signal %llu\n", (unsigned long long)s->signal);
	print__err("pith: stats: upcalls_fault %llu\n", (unsigned long long)s->fault);
	print__err("pith: stats: upcalls_deferred %llu\n", (unsigned long long)s->deferred);
	print__err("pith: stats: upcalls_crit_retries %llu\n", (unsigned long long)s->crit_retries);
	print__err("pith: stats: timer_arms %llu\n", (unsigned long long)s->timer_arms);
	print__err("pith: stats: timer_cancels %llu\n", (unsigned long long)s->timer_cancels);
	print__err("pith: stats: vm_exits_interrupt %llu\n", (unsigned long long)s->interrupts);
}
