/* Signal frames: the Linux x86_64 ucontext/siginfo a handler sees, on which stack, for faults. */
#include <stddef.h>
#include <string.h>

#include "signal/internal.h"

/* musl and glibc read uc_sigmask at this offset (Linux's struct ucontext + sigcontext). */
_Static_assert(offsetof(struct pith_ucontext, uc_sigmask) == 296, "ucontext layout");
_Static_assert(offsetof(struct pith_ucontext, gregs) == 40, "ucontext layout");
_Static_assert(sizeof(struct pith_ksiginfo) == 128, "siginfo_t is 128 bytes");
_Static_assert(sizeof(struct pith_sigframe) % 16 == 0, "frame keeps the stack aligned");

/* RFLAGS bits a handler may change in uc_mcontext (Linux's FIX_EFLAGS): AC OF DF TF SF ZF AF
   PF CF RF. */
#define USER_FLAGS 0x40dd5ULL

uint64_t pith_sig_frame_place(uint64_t top, size_t xsave_size, uint64_t *xsave)
{
	uint64_t p = top;

	*xsave = 0;
	if (xsave_size) {
		p = (p - xsave_size) & ~63ULL;
		*xsave = p;
	}
	return (p - sizeof(struct pith_sigframe)) & ~15ULL;
}

void pith_sig_regs_to_uc(const struct pith_upcall_frame *f, struct pith_ucontext *uc)
{
	uint64_t *g = uc->gregs;

	g[PITH_REG_R8] = f->r8, g[PITH_REG_R9] = f->r9, g[PITH_REG_R10] = f->r10;
	g[PITH_REG_R11] = f->r11, g[PITH_REG_R12] = f->r12, g[PITH_REG_R13] = f->r13;
	g[PITH_REG_R14] = f->r14, g[PITH_REG_R15] = f->r15, g[PITH_REG_RDI] = f->rdi;
	g[PITH_REG_RSI] = f->rsi, g[PITH_REG_RBP] = f->rbp, g[PITH_REG_RBX] = f->rbx;
	g[PITH_REG_RDX] = f->rdx, g[PITH_REG_RAX] = f->rax, g[PITH_REG_RCX] = f->rcx;
	g[PITH_REG_RSP] = f->rsp, g[PITH_REG_RIP] = f->rip, g[PITH_REG_EFL] = f->rflags;
	g[PITH_REG_CSGSFS] = 0x33; /* Linux's user CS; Pith's selectors are the monitor's */
	g[PITH_REG_ERR] = f->error_code, g[PITH_REG_TRAPNO] = f->vector;
	g[PITH_REG_OLDMASK] = 0, g[PITH_REG_CR2] = f->cr2;
}

void pith_sig_uc_to_regs(const struct pith_ucontext *uc, struct pith_upcall_frame *f)
{
	const uint64_t *g = uc->gregs;

	f->r8 = g[PITH_REG_R8], f->r9 = g[PITH_REG_R9], f->r10 = g[PITH_REG_R10];
	f->r11 = g[PITH_REG_R11], f->r12 = g[PITH_REG_R12], f->r13 = g[PITH_REG_R13];
	f->r14 = g[PITH_REG_R14], f->r15 = g[PITH_REG_R15], f->rdi = g[PITH_REG_RDI];
	f->rsi = g[PITH_REG_RSI], f->rbp = g[PITH_REG_RBP], f->rbx = g[PITH_REG_RBX];
	f->rdx = g[PITH_REG_RDX], f->rax = g[PITH_REG_RAX], f->rcx = g[PITH_REG_RCX];
	f->rsp = g[PITH_REG_RSP], f->rip = g[PITH_REG_RIP];
	f->rflags = (f->rflags & ~USER_FLAGS) | (g[PITH_REG_EFL] & USER_FLAGS);
}

bool pith_sig_on_altstack(const struct pith_sigthread *st, uint64_t sp)
{
	return st->altstack_size && sp > st->altstack_sp &&
	       sp - st->altstack_sp <= st->altstack_size;
}

#define SS_ONSTACK_ 1
#define SS_DISABLE_ 2

uint64_t pith_sig_altstack_top(const struct pith_sigthread *st, uint64_t flags, uint64_t sp)
{
	bool usable = st->altstack_size && !(st->altstack_flags & SS_DISABLE_);

	if ((flags & SA_ONSTACK_) && usable && !pith_sig_on_altstack(st, sp))
		return st->altstack_sp + st->altstack_size;
	return 0;
}

int pith_sig_altstack_flags(const struct pith_sigthread *st, uint64_t sp)
{
	if (!st->altstack_size || (st->altstack_flags & SS_DISABLE_))
		return SS_DISABLE_;
	return pith_sig_on_altstack(st, sp) ? SS_ONSTACK_ : 0;
}

void pith_sig_frame_fill(struct pith_sigframe *fr, const struct pith_sigthread *st, int sig,
			 const struct pith_ksiginfo *info, const struct pith_upcall_frame *regs,
			 uint64_t oldmask)
{
	memset(fr, 0, sizeof(*fr));
	fr->info = *info;
	fr->info.signo = sig;
	fr->uc.uc_stack.ss_sp = st->altstack_sp;
	fr->uc.uc_stack.ss_size = st->altstack_size;
	fr->uc.uc_stack.ss_flags = pith_sig_altstack_flags(st, regs->rsp);
	pith_sig_regs_to_uc(regs, &fr->uc);
	fr->uc.uc_sigmask[0] = oldmask;
	fr->sig = sig;
}

/* Page faults: SEGV_ACCERR when the page was present (error code bit 0), else SEGV_MAPERR. */
static int fault_code(const struct pith_upcall_frame *f, int sig)
{
	switch (f->vector) {
	case 0:
		return FPE_INTDIV_;
	case 1:
		return TRAP_TRACE_;
	case 3:
		return TRAP_BRKPT_;
	case 6:
		return ILL_ILLOPN_;
	case 14:
		return (f->error_code & 1) ? SEGV_ACCERR_ : SEGV_MAPERR_;
	case 16:
	case 19:
		return FPE_FLTINV_;
	case 17:
		return BUS_ADRALN_;
	default:
		return sig == SIG_SEGV ? SIGCODE_KERNEL : 0; /* #OF #BR #GP: SI_KERNEL, as Linux */
	}
}

int pith_sig_fault_info(const struct pith_upcall_frame *f, struct pith_ksiginfo *info)
{
	int sig = pith_sig_vector_signal((unsigned)f->vector);

	memset(info, 0, sizeof(*info));
	if (!sig)
		return 0;
	info->signo = sig;
	info->code = fault_code(f, sig);
	/* si_addr: the faulting address for page faults, the instruction for the others. */
	info->f.addr = f->vector == 14 ? f->cr2 : (f->vector == 13 ? 0 : f->rip);
	return sig;
}
