/* Pending sets and the real-time queue: standard signals coalesce, real-time ones queue. */
#include <errno.h>
#include <string.h>

#include "signal/internal.h"

int pith_sig_pick(uint64_t set)
{
	uint64_t sync = set & PITH_SIG_SYNC;

	if (sync)
		set = sync;
	return set ? __builtin_ctzll(set) + 1 : 0;
}

static struct pith_sigqueued *queue_slot(struct pith_sigproc *p)
{
	for (unsigned i = 0; i < PITH_SIGQUEUE_MAX; i++)
		if (!p->q[i].seq)
			return &p->q[i];
	return NULL;
}

/* The oldest queued instance of sig for target (NULL: process-directed), or NULL. */
static struct pith_sigqueued *queue_oldest(struct pith_sigproc *p, struct pith_thread *target,
					   int sig)
{
	struct pith_sigqueued *best = NULL;

	for (unsigned i = 0; i < PITH_SIGQUEUE_MAX; i++) {
		struct pith_sigqueued *e = &p->q[i];

		if (e->seq && e->target == target && e->info.signo == sig &&
		    (!best || e->seq < best->seq))
			best = e;
	}
	return best;
}

int pith_sig_enqueue(struct pith_sigproc *p, struct pith_sigthread *st, struct pith_thread *t,
		     int sig, const struct pith_ksiginfo *info)
{
	uint64_t *pending = t ? &st->pending : &p->pending;

	if (sig >= PITH_SIG_RTMIN) {
		struct pith_sigqueued *e = queue_slot(p);

		if (!e)
			return -EAGAIN;
		e->target = t;
		e->info = *info;
		e->info.signo = sig;
		e->seq = ++p->seq;
	} else if (!(*pending & PITH_SIG_BIT(sig))) {
		struct pith_ksiginfo *slot = t ? &st->info[sig - 1] : &p->info[sig - 1];

		*slot = *info; /* a standard signal already pending keeps its first siginfo */
		slot->signo = sig;
	}
	*pending |= PITH_SIG_BIT(sig);
	return 0;
}

/* Take sig from one pending set (t NULL: the process's). */
static void take(struct pith_sigproc *p, struct pith_sigthread *st, struct pith_thread *t, int sig,
		 struct pith_ksiginfo *info)
{
	uint64_t *pending = t ? &st->pending : &p->pending;

	if (sig >= PITH_SIG_RTMIN) {
		struct pith_sigqueued *e = queue_oldest(p, t, sig);

		if (e) {
			*info = e->info;
			e->seq = 0;
		} else { /* cannot happen: an RT bit is set only with an instance queued */
			memset(info, 0, sizeof(*info));
			info->signo = sig;
		}
		if (!queue_oldest(p, t, sig))
			*pending &= ~PITH_SIG_BIT(sig);
		return;
	}
	*info = t ? st->info[sig - 1] : p->info[sig - 1];
	*pending &= ~PITH_SIG_BIT(sig);
}

int pith_sig_dequeue(struct pith_sigproc *p, struct pith_sigthread *st, struct pith_thread *t,
		     uint64_t allowed, struct pith_ksiginfo *info)
{
	int sig = pith_sig_pick(st->pending & allowed);

	if (sig) {
		take(p, st, t, sig, info);
		return sig;
	}
	sig = pith_sig_pick(p->pending & allowed);
	if (sig)
		take(p, st, NULL, sig, info);
	return sig;
}

/* Free queued instances of the signals in set, for target (any target if all). */
static void queue_drop(struct pith_sigproc *p, uint64_t set, struct pith_thread *target, bool all)
{
	for (unsigned i = 0; i < PITH_SIGQUEUE_MAX; i++) {
		struct pith_sigqueued *e = &p->q[i];

		if (e->seq && (all || e->target == target) && (set & PITH_SIG_BIT(e->info.signo)))
			e->seq = 0;
	}
}

void pith_sig_discard(struct pith_sigproc *p, struct pith_sigthread *st, uint64_t set)
{
	p->pending &= ~set;
	if (st)
		st->pending &= ~set;
	queue_drop(p, set, NULL, true);
}

void pith_sig_forget_thread(struct pith_sigproc *p, struct pith_thread *t)
{
	queue_drop(p, ~0ULL, t, false);
}
