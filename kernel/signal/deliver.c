/* Delivery at syscall exit and at upcalls: default actions, handlers as nested calls. */
#include <errno.h>
#include <string.h>

#include "console/console.h"
#include "core/kstate.h"
#include "sched/sched.h"
#include "signal/internal.h"
#include "signal/signal.h"
#include "syscall/trace_fmt.h"

static const char *const sig_names[32] = {
    [SIG_HUP] = "SIGHUP",	[SIG_INT] = "SIGINT",	    [SIG_QUIT] = "SIGQUIT",
    [SIG_ILL] = "SIGILL",	[SIG_TRAP] = "SIGTRAP",	    [SIG_ABRT] = "SIGABRT",
    [SIG_BUS] = "SIGBUS",	[SIG_FPE] = "SIGFPE",	    [SIG_KILL] = "SIGKILL",
    [SIG_USR1] = "SIGUSR1",	[SIG_SEGV] = "SIGSEGV",	    [SIG_USR2] = "SIGUSR2",
    [SIG_PIPE] = "SIGPIPE",	[SIG_ALRM] = "SIGALRM",	    [SIG_TERM] = "SIGTERM",
    [SIG_STKFLT] = "SIGSTKFLT", [SIG_CHLD] = "SIGCHLD",	    [SIG_CONT] = "SIGCONT",
    [SIG_STOP] = "SIGSTOP",	[SIG_TSTP] = "SIGTSTP",	    [SIG_TTIN] = "SIGTTIN",
    [SIG_TTOU] = "SIGTTOU",	[SIG_URG] = "SIGURG",	    [SIG_XCPU] = "SIGXCPU",
    [SIG_XFSZ] = "SIGXFSZ",	[SIG_VTALRM] = "SIGVTALRM", [SIG_PROF] = "SIGPROF",
    [SIG_WINCH] = "SIGWINCH",	[SIG_IO] = "SIGIO",	    [SIG_PWR] = "SIGPWR",
    [SIG_SYS] = "SIGSYS",
};

const char *pith_sig_name(int sig)
{
	return sig > 0 && sig < 32 ? sig_names[sig] : "a real-time signal";
}

void pith_sig_print(const char *msg, size_t len)
{
	pith_console_out(2, msg, len);
}

/* "pith: the program was killed by SIGUSR1" for deaths a shell would report. */
static void death_message(int sig)
{
	char buf[96];
	struct pith_fmt f = {.buf = buf, .cap = sizeof(buf)};

	if (sig == SIG_TERM || sig == SIG_INT || sig == SIG_HUP || sig == SIG_PIPE)
		return; /* what a user asked for, or a closed pipe: shells print nothing either */
	if (sig == SIG_ABRT) {
		pith_fmt_str(&f, "pith: the program aborted (SIGABRT)\n");
	} else {
		pith_fmt_str(&f, "pith: the program was killed by signal ");
		pith_fmt_dec(&f, sig);
		pith_fmt_str(&f, " (");
		pith_fmt_str(&f, pith_sig_name(sig));
		pith_fmt_str(&f, ")\n");
	}
	pith_sig_print(buf, f.len < f.cap ? f.len : f.cap);
}

void pith_sig_exit(int status)
{
	for (;;)
		pith_sys_exit_group(status, 0, 0, 0, 0, 0); /* runs the exit hooks; never returns */
}

void pith_sig_terminate(int sig)
{
	death_message(sig);
	pith_sig_exit(128 + sig);
}

static inline uint64_t current_sp(void)
{
	uint64_t sp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return sp;
}

/* Room left below the current stack pointer for pith_call_on_stack's own frames. */
#define CALL_GAP 1024

/*
 * Run sig's handler for the current thread, showing it the context regs (updated from the
 * ucontext afterwards): its frame is a local here, below every live frame of the interrupted
 * context, and the handler's stack starts CALL_GAP below this function's frame (the calls
 * that switch stacks keep their return addresses there); or both go at the top of the
 * alternate stack. Returns the action's flags.
 */
static uint64_t run_handler(int sig, const struct pith_ksiginfo *info,
			    struct pith_upcall_frame *regs)
{
	struct pith_sigframe local __attribute__((aligned(16)));
	struct pith_sigthread *st = pith_thread_sig(pith_thread_current());
	struct pith_sigaction a = pith_sigproc.act[sig - 1];
	uint64_t sp = current_sp(), alt = pith_sig_altstack_top(st, a.flags, sp), xs, top;
	struct pith_sigframe *fr = &local;

	top = (sp - CALL_GAP) & ~15ULL;
	if (alt) {
		fr = (struct pith_sigframe *)pith_sig_frame_place(alt, 0, &xs);
		top = (uint64_t)fr;
		if (top < st->altstack_sp + 256)
			pith_sig_terminate(SIG_SEGV); /* Linux: no room for the frame: SIGSEGV */
	}
	pith_sig_frame_fill(fr, st, sig, info, regs, pith_sig_handler_mask(st, sig));
	fr->handler = a.handler;
	pith_call_on_stack((void (*)(long, long, long))a.handler, sig, (long)&fr->info,
			   (long)&fr->uc, top);
	st = pith_thread_sig(pith_thread_current());
	st->mask = fr->uc.uc_sigmask[0] & ~PITH_SIG_UNBLOCKABLE;
	pith_sig_uc_to_regs(&fr->uc, regs);
	return a.flags;
}

/* What delivering sig without a handler does: nothing, or the end of the process. */
static void default_action(int sig)
{
	enum pith_sigdefault d = pith_sig_default(sig);

	if (d == PITH_SIGDFL_TERM || d == PITH_SIGDFL_CORE)
		pith_sig_terminate(sig);
}

struct delivery {
	bool ran;     /* a handler ran */
	bool restart; /* every handler that ran has SA_RESTART */
};

/* Take the current thread's deliverable signals one by one (lowest first, faults first). */
static void deliver_pending(struct pith_upcall_frame *regs, struct delivery *d)
{
	struct pith_thread *t = pith_thread_current();
	struct pith_sigthread *st = pith_thread_sig(t);
	struct pith_ksiginfo info;
	int sig;

	for (;;) {
		sig = pith_sig_dequeue(&pith_sigproc, st, t, ~st->mask, &info);
		if (!sig && st->restore_mask) { /* sigsuspend: no handler ran; back to its mask */
			st->mask = st->saved_mask;
			st->restore_mask = 0;
			continue;
		}
		if (!sig)
			return;
		uint64_t h = pith_sigproc.act[sig - 1].handler;

		if (h == SIG_IGN_)
			continue;
		if (h == SIG_DFL_) {
			default_action(sig);
			continue;
		}
		uint64_t flags = run_handler(sig, &info, regs);

		d->ran = true;
		d->restart &= !!(flags & SA_RESTART_);
		t = pith_thread_current();
		st = pith_thread_sig(t);
	}
}

long pith_signal_leave(long ret)
{
	struct pith_upcall_frame regs = {
	    .rax = (uint64_t)ret,
	    .rsp = current_sp(),
	    .rip = (uint64_t)__builtin_return_address(0),
	    .rflags = 0x202,
	};
	struct delivery d = {.restart = true};

	deliver_pending(&regs, &d);
	if (ret == -PITH_ERESTARTSYS && d.ran && !d.restart)
		return -EINTR; /* signal(7): interrupted, and the handler has no SA_RESTART */
	return ret;
}

void pith_signal_upcall(struct pith_upcall_frame *f)
{
	struct delivery d = {.restart = true};

	deliver_pending(f, &d);
}
