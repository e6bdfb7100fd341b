/* rt_sigaction and rt_sigprocmask: dispositions and the mask are recorded, never delivered. */
#include <errno.h>
#include <signal.h>

#include "core/core.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

#define KSIGSET_SIZE 8 /* the kernel's sigset_t: 64 bits */

/* SIGKILL and SIGSTOP can be neither caught nor blocked. */
#define UNBLOCKABLE ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)))

PITH_SYSCALL4(rt_sigaction, int, sig, const struct pith_ksigaction *, act, struct pith_ksigaction *,
	      oact, size_t, sigsetsize)
{
	if (sigsetsize != KSIGSET_SIZE || sig < 1 || sig > PITH_NSIG ||
	    (act && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	if ((act && !pith_user_readable(act, sizeof(*act))) ||
	    (oact && !pith_user_writable(oact, sizeof(*oact))))
		return -EFAULT;
	struct pith_ksigaction old = pith_proc.actions[sig - 1];

	if (act) {
		pith_proc.actions[sig - 1] = *act;
		pith_proc.actions[sig - 1].mask &= ~UNBLOCKABLE;
	}
	if (oact)
		*oact = old;
	return 0;
}

static long new_mask(int how, uint64_t set, uint64_t *mask)
{
	switch (how) {
	case SIG_BLOCK:
		*mask |= set;
		break;
	case SIG_UNBLOCK:
		*mask &= ~set;
		break;
	case SIG_SETMASK:
		*mask = set;
		break;
	default:
		return -EINVAL;
	}
	*mask &= ~UNBLOCKABLE;
	return 0;
}

PITH_SYSCALL4(rt_sigprocmask, int, how, const uint64_t *, set, uint64_t *, oset, size_t, sigsetsize)
{
	uint64_t old = pith_proc.sigmask, mask = old;

	if (sigsetsize != KSIGSET_SIZE)
		return -EINVAL;
	if ((set && !pith_user_readable(set, sizeof(*set))) ||
	    (oset && !pith_user_writable(oset, sizeof(*oset))))
		return -EFAULT;
	if (set) {
		long err = new_mask(how, *set, &mask);

		if (err)
			return err;
	}
	pith_proc.sigmask = mask;
	if (oset)
		*oset = old;
	return 0;
}
