/* The signal syscalls: sigaction(2), sigprocmask(2), sigsuspend(2), sigwait, kill(2)... */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/core.h"
#include "core/kstate.h"
#include "sched/sched.h"
#include "signal/internal.h"
#include "signal/signal.h"
#include "syscall/syscall.h"
#include "time/time.h"

#define KSIGSET_SIZE 8 /* the kernel's sigset_t: 64 bits */
#define SIG_BLOCK_   0
#define SIG_UNBLOCK_ 1
#define SIG_SETMASK_ 2

struct ktimespec {
	int64_t tv_sec, tv_nsec;
};

struct kstack {
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
};

static struct pith_sigthread *self_sig(void)
{
	return pith_thread_sig(pith_thread_current());
}

static inline uint64_t current_sp(void)
{
	uint64_t sp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return sp;
}

PITH_SYSCALL4(rt_sigaction, int, sig, const struct pith_sigaction *, act, struct pith_sigaction *,
	      oact, size_t, sigsetsize)
{
	struct pith_sigaction old;

	if (sigsetsize != KSIGSET_SIZE || sig < 1 || sig > PITH_SIG_N ||
	    (act && (sig == SIG_KILL || sig == SIG_STOP)))
		return -EINVAL;
	if ((act && !pith_user_readable(act, sizeof(*act))) ||
	    (oact && !pith_user_writable(oact, sizeof(*oact))))
		return -EFAULT;
	old = pith_sigproc.act[sig - 1];
	if (act) {
		struct pith_sigaction a = *act; /* sa_restorer is kept and never called */

		pith_sig_set_action(sig, &a);
	}
	if (oact)
		*oact = old;
	return 0;
}

/* The mask rt_sigprocmask's how makes of mask and set. */
static long new_mask(int how, uint64_t set, uint64_t *mask)
{
	switch (how) {
	case SIG_BLOCK_:
		*mask |= set;
		break;
	case SIG_UNBLOCK_:
		*mask &= ~set;
		break;
	case SIG_SETMASK_:
		*mask = set;
		break;
	default:
		return -EINVAL;
	}
	*mask &= ~PITH_SIG_UNBLOCKABLE;
	return 0;
}

PITH_SYSCALL4(rt_sigprocmask, int, how, const uint64_t *, set, uint64_t *, oset, size_t, sigsetsize)
{
	struct pith_sigthread *st = self_sig();
	uint64_t old = st->mask, mask = old;

	if (sigsetsize != KSIGSET_SIZE)
		return -EINVAL;
	if ((set && !pith_user_readable(set, sizeof(*set))) ||
	    (oset && !pith_user_writable(oset, sizeof(*oset))))
		return -EFAULT;
	if (set) {
		long err = new_mask(how, *set, &mask);

		if (err)
			return err;
		st->mask = mask;
		pith_sig_mask_changed();
	}
	if (oset)
		*oset = old;
	return 0;
}

PITH_SYSCALL2(rt_sigpending, uint64_t *, set, size_t, sigsetsize)
{
	struct pith_sigthread *st = self_sig();
	uint64_t pending = (st->pending | pith_sigproc.pending) & st->mask;

	if (sigsetsize > KSIGSET_SIZE)
		return -EINVAL;
	if (!pith_user_writable(set, sigsetsize))
		return -EFAULT;
	memcpy(set, &pending, sigsetsize);
	return 0;
}

/* Park the current thread until a signal is deliverable to it; -EINTR. */
static long wait_for_signal(void)
{
	struct pith_thread *t = pith_thread_current();

	while (!pith_signal_deliverable(t))
		pith_sched_block(UINT64_MAX, PITH_BLOCK_INTR);
	pith_sig_kick(t); /* the exit path delivers it */
	return -EINTR;
}

PITH_SYSCALL2(rt_sigsuspend, const uint64_t *, mask, size_t, sigsetsize)
{
	struct pith_sigthread *st = self_sig();

	if (sigsetsize != KSIGSET_SIZE)
		return -EINVAL;
	if (!pith_user_readable(mask, sizeof(*mask)))
		return -EFAULT;
	st->saved_mask = st->mask; /* restored after the handler runs (deliver.c) */
	st->restore_mask = 1;
	st->mask = *mask & ~PITH_SIG_UNBLOCKABLE;
	pith_sig_mask_changed();
	return wait_for_signal();
}

void pith_signal_mask_temp(uint64_t mask)
{
	struct pith_sigthread *st = self_sig();

	st->saved_mask = st->mask; /* as sigsuspend: back after a handler ran (deliver.c) */
	st->restore_mask = 1;
	st->mask = mask & ~PITH_SIG_UNBLOCKABLE;
	pith_sig_mask_changed();
}

void pith_signal_mask_restore(void)
{
	struct pith_sigthread *st = self_sig();

	if (!st->restore_mask)
		return;
	st->mask = st->saved_mask;
	st->restore_mask = 0;
	pith_sig_mask_changed();
}

PITH_SYSCALL0(pause)
{
	return wait_for_signal();
}

/* The deadline of a relative timeout (UINT64_MAX: none); -EINVAL for a bad timespec. */
static int timeout_deadline(const struct ktimespec *ts, uint64_t *deadline)
{
	uint64_t now = pith_time_monotonic_ns(), ns;

	*deadline = UINT64_MAX;
	if (!ts)
		return 0;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec > (UINT64_MAX - now) / 1000000000 - 1)
		return 0;
	ns = (uint64_t)ts->tv_sec * 1000000000 + (uint64_t)ts->tv_nsec;
	*deadline = now + ns;
	return 0;
}

/*
 * sigtimedwait's loop with the set unblocked (so that signals of the set wake this thread, as
 * Linux does): the signal taken, -EAGAIN at the deadline, -EINTR for another deliverable one.
 */
static long timedwait_loop(struct pith_sigthread *st, uint64_t set, uint64_t deadline,
			   struct pith_ksiginfo *info)
{
	struct pith_thread *t = pith_thread_current();

	for (;;) {
		int sig = pith_sig_dequeue(&pith_sigproc, st, t, set, info);

		if (sig)
			return sig;
		if (pith_sig_deliverable_set(t) & ~set)
			return -EINTR; /* signal(7): sigtimedwait is never restarted */
		if (deadline != UINT64_MAX && pith_time_monotonic_ns() >= deadline)
			return -EAGAIN;
		pith_sched_block(deadline, PITH_BLOCK_INTR);
	}
}

PITH_SYSCALL4(rt_sigtimedwait, const uint64_t *, uset, struct pith_ksiginfo *, uinfo,
	      const struct ktimespec *, uts, size_t, sigsetsize)
{
	struct pith_sigthread *st = self_sig();
	struct pith_ksiginfo info;
	uint64_t set, deadline, saved;
	long r;

	if (sigsetsize != KSIGSET_SIZE)
		return -EINVAL;
	if (!pith_user_readable(uset, sizeof(*uset)) ||
	    (uinfo && !pith_user_writable(uinfo, sizeof(*uinfo))) ||
	    (uts && !pith_user_readable(uts, sizeof(*uts))))
		return -EFAULT;
	set = *uset & ~PITH_SIG_UNBLOCKABLE;
	r = timeout_deadline(uts, &deadline);
	if (r)
		return r;
	saved = st->mask;
	st->mask &= ~set;
	r = timedwait_loop(st, set, deadline, &info);
	st = self_sig();
	st->mask = saved;
	if (r > 0 && uinfo)
		*uinfo = info;
	if (r == -EINTR)
		pith_sig_kick(pith_thread_current());
	return r;
}

PITH_SYSCALL3(rt_sigqueueinfo, int, tgid, int, sig, const struct pith_ksiginfo *, uinfo)
{
	struct pith_ksiginfo info;

	if (sig < 0 || sig > PITH_SIG_N)
		return -EINVAL;
	if (!pith_user_readable(uinfo, sizeof(*uinfo)))
		return -EFAULT;
	if (tgid != 1)
		return -ESRCH; /* the one process */
	if (!sig)
		return 0;
	info = *uinfo; /* the sender's si_code (SI_QUEUE from sigqueue) and si_value */
	info.signo = sig;
	return pith_signal_send_process(sig, &info);
}

PITH_SYSCALL2(sigaltstack, const struct kstack *, uss, struct kstack *, uoss)
{
	struct pith_sigthread *st = self_sig();
	uint64_t sp = current_sp();
	struct kstack old = {.ss_sp = st->altstack_sp,
			     .ss_flags = pith_sig_altstack_flags(st, sp),
			     .ss_size = st->altstack_size};

	if ((uss && !pith_user_readable(uss, sizeof(*uss))) ||
	    (uoss && !pith_user_writable(uoss, sizeof(*uoss))))
		return -EFAULT;
	if (uss) {
		int err = pith_sig_altstack_change(st, sp, uss->ss_sp, uss->ss_flags, uss->ss_size);

		if (err)
			return err;
	}
	if (uoss)
		*uoss = old;
	return 0;
}

/* kill and tkill's siginfo: sent by the one process (pid 1) as root. */
static struct pith_ksiginfo user_info(int sig, int code)
{
	struct pith_ksiginfo info = {.signo = sig, .code = code};

	info.f.kill.pid = 1;
	info.f.kill.uid = 0;
	return info;
}

/* pid 1 (itself), 0 (its group) and -1 (every process it may signal) all mean the program. */
PITH_SYSCALL2(kill, int, pid, int, sig)
{
	struct pith_ksiginfo info = user_info(sig, SIGCODE_USER);

	if (sig < 0 || sig > PITH_SIG_N)
		return -EINVAL;
	if (pid != 1 && pid != 0 && pid != -1)
		return -ESRCH;
	return sig ? pith_signal_send_process(sig, &info) : 0;
}

static long thread_kill(int tid, int sig)
{
	struct pith_ksiginfo info = user_info(sig, SIGCODE_TKILL);
	struct pith_thread *t;

	if (tid <= 0 || sig < 0 || sig > PITH_SIG_N)
		return -EINVAL;
	t = pith_thread_find(tid);
	if (!t)
		return -ESRCH;
	return sig ? pith_signal_send_thread(t, sig, &info) : 0;
}

PITH_SYSCALL2(tkill, int, tid, int, sig)
{
	return thread_kill(tid, sig);
}

PITH_SYSCALL3(tgkill, int, tgid, int, tid, int, sig)
{
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (tgid != 1)
		return -ESRCH;
	return thread_kill(tid, sig);
}

/*
 * Pith returns from handlers itself (the handler is a nested call), for Pith images and compat
 * programs alike, so sa_restorer never runs and there is never a frame to return to: a direct
 * call is Linux's bad-frame case, which kills the process with SIGSEGV.
 */
PITH_SYSCALL0(rt_sigreturn)
{
	static const char msg[] = "pith: rt_sigreturn without a signal frame (SIGSEGV)\n";

	pith_sig_print(msg, sizeof(msg) - 1);
	pith_sig_exit(128 + SIG_SEGV);
}
