/* Faults: a CPL3 exception the monitor gave to the guest becomes a signal for its handler. */
#include <string.h>

#include "core/core.h"
#include "core/kstate.h"
#include "sched/sched.h"
#include "signal/internal.h"
#include "signal/signal.h"
#include "syscall/trace_fmt.h"

/*
 * The faulting context's extended state: sched's upcall entry saved it on the fault stack, in
 * the 64-byte aligned area of pith_sched_xsave_size bytes right below the frame the monitor put
 * at the fault stack's top (kernel/sched/upcall.S). It stays intact until the next fault upcall,
 * which cannot come before fault_start copied it. (sched's variables, declared here because
 * sched/internal.h makes this component's symbols weak.)
 */
extern uint64_t pith_sched_xsave_features;
extern uint32_t pith_sched_xsave_size;

static const uint8_t *fault_xstate(size_t *size)
{
	uint64_t base, top;

	*size = pith_sched_xsave_size;
	if (!*size)
		return NULL;
	pith_sched_fault_stack(&base, &top);
	return (const uint8_t *)(uintptr_t)((top - sizeof(struct pith_upcall_frame) - *size) &
					    ~63ULL);
}

/* Bytes the handler's stack must have for fault_start's own frame before the handler runs. */
#define FAULT_START_SLACK 1024

static const char *vector_name(unsigned v)
{
	static const char *const names[20] = {
	    [0] = "divide error",	  [1] = "debug",
	    [3] = "breakpoint",		  [4] = "overflow",
	    [5] = "bound range",	  [6] = "invalid opcode",
	    [13] = "general protection",  [14] = "page fault",
	    [16] = "x87 floating point",  [17] = "alignment check",
	    [19] = "SIMD floating point",
	};

	return v < 20 && names[v] ? names[v] : "exception";
}

/* The fault cannot reach a handler: say what happened and end the process as Linux would. */
__attribute__((noreturn)) static void fault_die(const struct pith_upcall_frame *f, int sig,
						const char *why)
{
	char buf[256];
	struct pith_fmt o = {.buf = buf, .cap = sizeof(buf)};

	pith_fmt_str(&o, "pith: ");
	pith_fmt_str(&o, vector_name((unsigned)f->vector));
	pith_fmt_str(&o, " (vector ");
	pith_fmt_udec(&o, f->vector);
	pith_fmt_str(&o, ") in thread ");
	pith_fmt_dec(&o, pith_thread_tid(pith_thread_current()));
	pith_fmt_str(&o, " at address ");
	pith_fmt_hex(&o, f->cr2);
	pith_fmt_str(&o, ", RIP ");
	pith_fmt_hex(&o, f->rip);
	pith_fmt_str(&o, ": ");
	pith_fmt_str(&o, pith_sig_name(sig ? sig : SIG_SEGV));
	pith_fmt_str(&o, why);
	pith_fmt_str(&o, "\n");
	pith_sig_print(buf, o.len < o.cap ? o.len : o.cap);
	pith_sig_exit(128 + (sig ? sig : SIG_SEGV));
}

__attribute__((noreturn)) static void stack_overflow(void)
{
	char buf[128];
	struct pith_fmt o = {.buf = buf, .cap = sizeof(buf)};

	pith_fmt_str(&o, "pith: stack overflow in thread ");
	pith_fmt_dec(&o, pith_thread_tid(pith_thread_current()));
	pith_fmt_str(&o, " (SIGSEGV, no alternate signal stack)\n");
	pith_sig_print(buf, o.len < o.cap ? o.len : o.cap);
	pith_sig_exit(128 + SIG_SEGV);
}

/*
 * A page fault this near the stack pointer is the stack running out: below it by a push or call
 * (RSP already at the guard page), above it by a frame's locals (RSP moved past the guard first).
 */
#define STACK_BELOW 256u
#define STACK_ABOVE (64u << 10)

/*
 * Whether the thread's stack has no room for a handler: the frame's place is not writable, or
 * the fault is a page fault near the stack pointer (the thread hit its guard page: what lies
 * beyond it, e.g. the heap under the main stack, may be writable but is not stack).
 */
static bool stack_exhausted(const struct pith_upcall_frame *f, uint64_t top, uint64_t need)
{
	if (top < need || !pith_user_writable((void *)(uintptr_t)(top - need), need))
		return true;
	return f->vector == 14 && f->cr2 + STACK_BELOW >= f->rsp && f->cr2 < f->rsp + STACK_ABOVE;
}

/* What fault_start needs, passed across the stack switch. */
struct fault_job {
	struct pith_upcall_frame regs;
	struct pith_ksiginfo info;
	uint64_t handler;
	uint64_t oldmask;
	int sig;
};

static struct fault_job fault_job;

/*
 * After the handler: its mask back from uc_sigmask (a signal it unblocks is flagged for the
 * resume, which delivers it with this context), then the context from the ucontext.
 */
__attribute__((noreturn)) static void fault_resume(struct pith_sigframe *fr)
{
	struct pith_upcall_frame regs;
	struct pith_thread *t;

	pith_kernel_enter();
	t = pith_thread_current();
	pith_thread_sig(t)->mask = fr->uc.uc_sigmask[0] & ~PITH_SIG_UNBLOCKABLE;
	pith_sig_kick(t);
	__atomic_sub_fetch(&pith_shared.masked, 1, __ATOMIC_SEQ_CST);
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x202;
	pith_sig_uc_to_regs(&fr->uc, &regs);
	pith_context_resume(&regs, (const void *)(uintptr_t)fr->xsave);
}

/* On the handler's stack (masked == 0): the frame, the extended state, the handler. */
static void fault_start(long job_addr, long xsave_addr, long xsave_size)
{
	const struct fault_job *job = (const struct fault_job *)job_addr;
	uint8_t *xs = __builtin_alloca((size_t)xsave_size + 64);
	struct pith_sigframe fr __attribute__((aligned(16)));
	struct pith_sigthread *st = pith_thread_sig(pith_thread_current());

	xs = (uint8_t *)(((uintptr_t)xs + 63) & ~(uintptr_t)63);
	if (xsave_size)
		memcpy(xs, (const void *)xsave_addr, (size_t)xsave_size);
	pith_sig_frame_fill(&fr, st, job->sig, &job->info, &job->regs, job->oldmask);
	fr.handler = job->handler;
	fr.xsave = xsave_size ? (uint64_t)xs : 0;
	fr.uc.fpregs = fr.xsave; /* the fxsave-format legacy area starts the xsave area */
	((void (*)(int, void *, void *))fr.handler)(job->sig, &fr.info, &fr.uc);
	fault_resume(&fr);
}

/* Defined here so that every image with the component links the fault path (sched's reference
   to pith_signal_fault is weak): rt_sigaction and SA_RESETHAND call it. */
void pith_sig_update_fault_vectors(void)
{
	__atomic_store_n(&pith_shared.fault_vectors, pith_sig_fault_vectors(&pith_sigproc),
			 __ATOMIC_RELAXED);
}

void pith_signal_fault(struct pith_upcall_frame *f)
{
	size_t xsave_size;
	const uint8_t *xstate = fault_xstate(&xsave_size);
	struct fault_job *job = &fault_job;
	struct pith_sigthread *st = pith_thread_sig(pith_thread_current());
	int sig = pith_sig_fault_info(f, &job->info);
	const struct pith_sigaction *a = &pith_sigproc.act[sig ? sig - 1 : 0];
	uint64_t top, need = sizeof(struct pith_sigframe) + xsave_size + 64 + FAULT_START_SLACK;

	if (!sig)
		fault_die(f, sig, " (no signal for this exception)");
	if (a->handler == SIG_DFL_ || a->handler == SIG_IGN_)
		fault_die(f, sig, " has no handler");
	if (st->mask & PITH_SIG_BIT(sig))
		fault_die(f, sig, " is blocked");
	job->regs = *f;
	job->sig = sig;
	job->handler = a->handler;
	top = pith_sig_altstack_top(st, a->flags, f->rsp);
	if (!top) {
		top = (f->rsp - PITH_UPCALL_REDZONE) & ~15ULL;
		if (stack_exhausted(f, top, need))
			stack_overflow();
	} else if (top - st->altstack_sp < need) {
		fault_die(f, sig, ": the alternate signal stack is too small for the frame");
	}
	job->oldmask = pith_sig_handler_mask(st, sig);
	pith_call_on_stack(fault_start, (long)job, (long)xstate, (long)xsave_size, top);
	pith_panic("signal: fault handler returned through pith_call_on_stack");
}
