/* Generation: making signals pending for the process or a thread, and waking who can take them. */
#include <errno.h>
#include <string.h>

#include "core/kstate.h"
#include "sched/sched.h"
#include "signal/internal.h"
#include "signal/signal.h"

void pith_signal_thread_init(struct pith_sigthread *s, const struct pith_sigthread *parent)
{
	memset(s, 0, sizeof(*s));
	s->mask = parent ? parent->mask : 0; /* clone keeps the mask; the altstack is cleared */
	s->altstack_flags = 2;		     /* SS_DISABLE */
}

void pith_signal_thread_exit(struct pith_thread *t)
{
	pith_sig_forget_thread(&pith_sigproc, t);
}

uint64_t pith_sig_deliverable_set(struct pith_thread *t)
{
	const struct pith_sigthread *st = pith_thread_sig(t);
	uint64_t set = (st->pending | pith_sigproc.pending) & ~st->mask;

	/* sched asks at every switch: nothing pending is the fast answer */
	return set ? set & ~pith_sig_ignored_set(&pith_sigproc) : 0;
}

bool pith_signal_deliverable(struct pith_thread *t)
{
	return pith_sig_deliverable_set(t) != 0;
}

void pith_sig_kick(struct pith_thread *t)
{
	if (!pith_signal_deliverable(t))
		return;
	if (t == pith_thread_current())
		__atomic_or_fetch(&pith_shared.pending, PITH_PENDING_SIGNAL, __ATOMIC_SEQ_CST);
	pith_sched_signal_wakeup(t);
}

/*
 * The thread that takes a process-directed sig (Linux's complete_signal): the main thread if it
 * does not block sig, else the first other thread that does not; NULL if all block it.
 */
static struct pith_thread *choose_thread(int sig)
{
	struct pith_thread *main = pith_thread_find(1);

	if (main && !(pith_thread_sig(main)->mask & PITH_SIG_BIT(sig)))
		return main;
	for (struct pith_thread *t = pith_thread_next(NULL); t; t = pith_thread_next(t))
		if (!(pith_thread_sig(t)->mask & PITH_SIG_BIT(sig)))
			return t;
	return NULL;
}

/* Whether generating sig now would do nothing: ignored and not blocked anywhere it matters. */
static bool discard_at_generation(int sig, const uint64_t *mask)
{
	bool ignored = pith_sig_ignored_set(&pith_sigproc) & PITH_SIG_BIT(sig);

	return ignored && !(mask && (*mask & PITH_SIG_BIT(sig))); /* blocked: kept (signal(7)) */
}

int pith_signal_send_process(int sig, const struct pith_ksiginfo *info)
{
	struct pith_thread *t;
	int err;

	if (sig < 1 || sig > PITH_SIG_N)
		return -EINVAL;
	t = choose_thread(sig);
	if (discard_at_generation(sig, t ? &pith_thread_sig(t)->mask : NULL))
		return 0;
	err = pith_sig_enqueue(&pith_sigproc, NULL, NULL, sig, info);
	if (!err && t)
		pith_sig_kick(t);
	return err;
}

int pith_signal_send_thread(struct pith_thread *t, int sig, const struct pith_ksiginfo *info)
{
	struct pith_sigthread *st = pith_thread_sig(t);
	int err;

	if (sig < 1 || sig > PITH_SIG_N)
		return -EINVAL;
	if (discard_at_generation(sig, &st->mask))
		return 0;
	err = pith_sig_enqueue(&pith_sigproc, st, t, sig, info);
	if (!err)
		pith_sig_kick(t);
	return err;
}

void pith_signal_host(uint64_t bits)
{
	for (int sig = 1; sig <= PITH_SIG_N; sig++) {
		struct pith_ksiginfo info = {.signo = sig, .code = SIGCODE_USER};

		if (bits & PITH_SIG_BIT(sig))
			pith_signal_send_process(sig,
						 &info); /* pid 0: from the host (the kernel) */
	}
}

void pith_sig_mask_changed(void)
{
	struct pith_thread *self = pith_thread_current();
	uint64_t blocked = pith_sigproc.pending & pith_thread_sig(self)->mask;

	pith_sig_kick(self);
	for (int sig = 1; sig <= PITH_SIG_N; sig++) {
		struct pith_thread *t;

		if (!(blocked & PITH_SIG_BIT(sig)))
			continue;
		t = choose_thread(sig); /* Linux's retarget_shared_pending */
		if (t)
			pith_sig_kick(t);
	}
}
