/* Dispositions: default actions (signal(7)), the ignored set, the fault vectors to ask for. */
#include <errno.h>

#include "core/kstate.h"
#include "core/note.h"
#include "sched/sched.h"
#include "signal/internal.h"

/* Every object of the component references pith_sigproc: every syscall pulls this note in. */
PITH_COMPONENT_NOTE(signal);

struct pith_sigproc pith_sigproc;

enum pith_sigdefault pith_sig_default(int sig)
{
	switch (sig) {
	case SIG_QUIT:
	case SIG_ILL:
	case SIG_TRAP:
	case SIG_ABRT:
	case SIG_BUS:
	case SIG_FPE:
	case SIG_SEGV:
	case SIG_XCPU:
	case SIG_XFSZ:
	case SIG_SYS:
		return PITH_SIGDFL_CORE;
	case SIG_CHLD:
	case SIG_CONT:
	case SIG_URG:
	case SIG_WINCH:
		return PITH_SIGDFL_IGN;
	case SIG_STOP:
	case SIG_TSTP:
	case SIG_TTIN:
	case SIG_TTOU:
		return PITH_SIGDFL_STOP;
	default:
		return PITH_SIGDFL_TERM; /* HUP INT KILL USR1/2 PIPE ALRM TERM STKFLT VTALRM PROF IO
					    PWR and the real-time signals */
	}
}

uint64_t pith_sig_ignored_set(const struct pith_sigproc *p)
{
	uint64_t set = 0;

	for (int sig = 1; sig <= PITH_SIG_N; sig++) {
		uint64_t h = p->act[sig - 1].handler;
		enum pith_sigdefault d = pith_sig_default(sig);

		if (h == SIG_IGN_ ||
		    (h == SIG_DFL_ && (d == PITH_SIGDFL_IGN || d == PITH_SIGDFL_STOP)))
			set |= PITH_SIG_BIT(sig);
	}
	return set;
}

/* The signal each exception vector raises (0: none), as pith_sig_fault_info maps them. */
static const uint8_t vector_signal[32] = {
    [0] = SIG_FPE,   [1] = SIG_TRAP,  [3] = SIG_TRAP, [4] = SIG_SEGV, [5] = SIG_SEGV, [6] = SIG_ILL,
    [13] = SIG_SEGV, [14] = SIG_SEGV, [16] = SIG_FPE, [17] = SIG_BUS, [19] = SIG_FPE,
};

int pith_sig_vector_signal(unsigned vector)
{
	return vector < 32 ? vector_signal[vector] : 0;
}

uint32_t pith_sig_fault_vectors(const struct pith_sigproc *p)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 32; i++) {
		int sig = vector_signal[i];

		if (sig && p->act[sig - 1].handler != SIG_DFL_ &&
		    p->act[sig - 1].handler != SIG_IGN_)
			v |= 1u << i;
	}
	return v;
}

uint64_t pith_sig_handler_mask(struct pith_sigthread *st, int sig)
{
	struct pith_sigaction *a = &pith_sigproc.act[sig - 1];
	uint64_t old = st->restore_mask ? st->saved_mask : st->mask;

	st->restore_mask = 0;
	st->mask |= a->mask;
	if (!(a->flags & SA_NODEFER_))
		st->mask |= PITH_SIG_BIT(sig);
	st->mask &= ~PITH_SIG_UNBLOCKABLE;
	if (a->flags & SA_RESETHAND_) { /* sigaction(2): back to SIG_DFL on entry */
		a->handler = SIG_DFL_;
		pith_sig_update_fault_vectors();
	}
	return old;
}

void pith_sig_set_action(int sig, const struct pith_sigaction *act)
{
	pith_sigproc.act[sig - 1] = *act;
	pith_sigproc.act[sig - 1].mask &= ~PITH_SIG_UNBLOCKABLE;
	if (pith_sig_ignored_set(&pith_sigproc) & PITH_SIG_BIT(sig)) {
		pith_sig_discard(&pith_sigproc, NULL, PITH_SIG_BIT(sig));
		for (struct pith_thread *t = pith_thread_next(NULL); t; t = pith_thread_next(t))
			pith_sig_discard(&pith_sigproc, pith_thread_sig(t), PITH_SIG_BIT(sig));
	}
	pith_sig_update_fault_vectors();
}

#define SS_ONSTACK_    1
#define SS_DISABLE_    2
#define SS_AUTODISARM_ 0x80000000u

int pith_sig_altstack_change(struct pith_sigthread *st, uint64_t sp, uint64_t ss_sp, int flags,
			     uint64_t size)
{
	unsigned mode = (unsigned)flags & ~SS_AUTODISARM_;

	if (pith_sig_on_altstack(st, sp))
		return -EPERM;
	if (mode != 0 && mode != SS_ONSTACK_ && mode != SS_DISABLE_)
		return -EINVAL;
	if (mode == SS_DISABLE_) {
		st->altstack_sp = st->altstack_size = 0;
		st->altstack_flags = SS_DISABLE_;
		return 0;
	}
	if (size < PITH_MINSIGSTKSZ)
		return -ENOMEM;
	st->altstack_sp = ss_sp;
	st->altstack_size = size;
	st->altstack_flags = 0; /* SS_AUTODISARM is accepted and not implemented */
	return 0;
}
