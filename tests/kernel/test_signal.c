/* Host test of the signal component: pending sets, thread choice, syscalls, delivery, frames. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "core/kstate.h"
#include "sched/sched.h"
#include "signal/internal.h"
#include "signal/signal.h"
#include "test.h"

#define SYSCALLS(X)                                                                                \
	X(rt_sigaction)                                                                            \
	X(rt_sigprocmask)                                                                          \
	X(rt_sigpending)                                                                           \
	X(rt_sigsuspend) X(rt_sigtimedwait) X(rt_sigqueueinfo) X(sigaltstack) X(kill) X(tkill)     \
	    X(tgkill) X(pause)
#define DECLARE(name) long pith_sys_##name(long a, long b, long c, long d, long e, long f);
SYSCALLS(DECLARE)

#define SYS(name, ...) sys_(pith_sys_##name, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys_(fn, a, b, c, d, e, f, ...)                                                            \
	fn((long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
#define BIT(sig) (1ULL << ((sig)-1))

/* ---- Stand-ins: threads, blocking, stacks, console, exit, clock, tracing -------------------- */

struct pith_thread {
	int tid;
	bool live;
	int wakeups;
	struct pith_sigthread sig;
};

static struct pith_thread threads[3];
static struct pith_thread *cur = &threads[0];
static const struct pith_boot_info boot_info; /* no xsave features: the fault path skips it */
const struct pith_boot_info *pith_boot_info = &boot_info;
int pith_trace_enabled;

struct pith_thread *pith_thread_current(void)
{
	return cur;
}

struct pith_thread *pith_thread_find(int tid)
{
	for (int i = 0; i < 3; i++)
		if (threads[i].live && threads[i].tid == tid)
			return &threads[i];
	return NULL;
}

struct pith_thread *pith_thread_next(struct pith_thread *t)
{
	for (int i = t ? (int)(t - threads) + 1 : 0; i < 3; i++)
		if (threads[i].live)
			return &threads[i];
	return NULL;
}

int pith_thread_tid(const struct pith_thread *t)
{
	return t->tid;
}

struct pith_sigthread *pith_thread_sig(struct pith_thread *t)
{
	return &t->sig;
}

void pith_sched_signal_wakeup(struct pith_thread *t)
{
	t->wakeups++;
}

/* What a blocking call sees: block_hook runs once (another thread sending a signal). */
static void (*block_hook)(void);
static int blocks;

int pith_sched_block(uint64_t deadline_ns, unsigned flags)
{
	(void)deadline_ns, (void)flags;
	blocks++;
	if (block_hook) {
		void (*h)(void) = block_hook;

		block_hook = NULL;
		h();
		return -EINTR;
	}
	return -ETIMEDOUT;
}

static uint64_t last_stack_top;

/* The call on a real stack switch, so that a stack top overlapping live frames breaks the test
   as it breaks the kernel. Saves the caller's RSP in RBX (callee-saved). */
static void call_switched(void (*fn)(long, long, long), long a, long b, long c, uint64_t top)
{
	__asm__ volatile("mov %%rsp, %%rbx\n\t"
			 "mov %[top], %%rsp\n\t"
			 "and $-16, %%rsp\n\t"
			 "call *%[fn]\n\t"
			 "mov %%rbx, %%rsp"
			 : "+D"(a), "+S"(b), "+d"(c), [fn] "+a"(fn), [top] "+c"(top)
			 :
			 : "rbx", "r8", "r9", "r10", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2",
			   "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
			   "xmm12", "xmm13", "xmm14", "xmm15");
}

void pith_call_on_stack(void (*fn)(long, long, long), long a, long b, long c, uint64_t top)
{
	uint32_t m = pith_shared.masked;

	last_stack_top = top;
	pith_shared.masked = 0;
	call_switched(fn, a, b, c, top);
	pith_shared.masked = m;
}

/* The fault stack, whose xsave area (below the frame at its top) the fault path copies. */
static uint8_t fault_stack[8192] __attribute__((aligned(64)));
uint64_t pith_sched_xsave_features = 3;
uint32_t pith_sched_xsave_size = 576;

void pith_sched_fault_stack(uint64_t *base, uint64_t *top)
{
	*base = (uint64_t)fault_stack;
	*top = *base + sizeof(fault_stack);
}

static uint8_t *fault_xsave_area(void)
{
	return (uint8_t *)((((uint64_t)fault_stack + sizeof(fault_stack) -
			     sizeof(struct pith_upcall_frame) - pith_sched_xsave_size)) &
			   ~63ULL);
}

static jmp_buf resume_jmp;
static struct pith_upcall_frame resumed;
static uint8_t resumed_xsave[576];
static bool resumed_xsave_aligned;

void pith_context_resume(const struct pith_upcall_frame *f, const void *xsave)
{
	resumed = *f;
	resumed_xsave_aligned = xsave && (uint64_t)xsave % 64 == 0;
	if (xsave)
		memcpy(resumed_xsave, xsave, sizeof(resumed_xsave));
	longjmp(resume_jmp, 1);
}

static char console[512];
static size_t console_len;

void pith_console_out(int fd, const void *buf, size_t len)
{
	if (fd == 2 && console_len + len < sizeof(console)) {
		memcpy(console + console_len, buf, len);
		console_len += len;
		console[console_len] = 0;
	}
}

static jmp_buf exit_jmp;
static bool exit_armed;
static long exit_status = -1;

long pith_sys_exit_group(long a, long b, long c, long d, long e, long f)
{
	(void)b, (void)c, (void)d, (void)e, (void)f;
	if (!exit_armed) {
		fprintf(stderr, "FAIL: unexpected exit_group(%ld); console: %s\n", a, console);
		abort();
	}
	exit_armed = false;
	exit_status = a;
	longjmp(exit_jmp, 1);
}

uint64_t pith_time_monotonic_ns(void)
{
	return 1000;
}

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a, long b, long c,
			long d, long e, long f)
{
	(void)nr, (void)kinds, (void)retkind, (void)ret, (void)a, (void)b, (void)c, (void)d;
	(void)e, (void)f;
}

/* sched's leave, reduced to what signals need: take the signal bit and deliver. */
static long fake_leave(long ret)
{
	uint32_t p = __atomic_exchange_n(&pith_shared.pending, 0, __ATOMIC_SEQ_CST);

	return (p & PITH_PENDING_SIGNAL) ? pith_signal_leave(ret) : ret;
}

static const struct pith_sched_ops fake_ops = {.leave = fake_leave};

/* ---- Handlers that record what they saw --------------------------------------------------- */

static struct {
	int calls, sig, code, pid;
	uint64_t addr, value, mask_inside, uc_mask, rip;
	int ss_flags;
} seen;

static uint8_t seen_fpregs[512];

static void record(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	volatile char deep[4096]; /* uses its stack as a real handler may */

	for (size_t i = 0; i < sizeof(deep); i++)
		deep[i] = (char)i;

	if (uc->uc_mcontext.fpregs)
		memcpy(seen_fpregs, uc->uc_mcontext.fpregs, sizeof(seen_fpregs));
	seen.calls++;
	seen.sig = sig;
	seen.code = si->si_code;
	seen.pid = si->si_pid;
	seen.addr = (uint64_t)si->si_addr;
	seen.value = (uint64_t)si->si_value.sival_ptr;
	memcpy(&seen.uc_mask, &uc->uc_sigmask, 8);
	seen.mask_inside = cur->sig.mask;
	seen.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	seen.ss_flags = uc->uc_stack.ss_flags;
}

/* Changes the context: skips the faulting instruction, sets RAX, blocks SIGUSR2 afterwards. */
static void change_context(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	record(sig, si, ucv);
	uc->uc_mcontext.gregs[REG_RIP] += 2;
	uc->uc_mcontext.gregs[REG_RAX] = 77;
	sigaddset(&uc->uc_sigmask, SIGUSR2);
}

static int order[8], norder;

static void record_order(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (norder < 8)
		order[norder++] =
		    sig == SIGRTMIN + 1 ? (int)(uintptr_t)si->si_value.sival_ptr : sig;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

static void reset(void)
{
	memset(&pith_sigproc, 0, sizeof(pith_sigproc));
	memset(threads, 0, sizeof(threads));
	for (int i = 0; i < 3; i++) {
		threads[i].tid = i + 1;
		pith_signal_thread_init(&threads[i].sig, NULL);
	}
	threads[0].live = true;
	cur = &threads[0];
	memset(&seen, 0, sizeof(seen));
	norder = 0;
	pith_shared.masked = 0;
	pith_shared.pending = 0;
	pith_shared.fault_vectors = 0;
	pith_sched_ops = &fake_ops;
	console_len = 0;
	console[0] = 0;
	exit_status = -1;
	blocks = 0;
	block_hook = NULL;
}

static long set_action(int sig, void *handler, uint64_t flags, uint64_t mask)
{
	struct pith_sigaction a = {.handler = (uint64_t)handler, .flags = flags, .mask = mask};

	return SYS(rt_sigaction, sig, &a, NULL, 8);
}

static long set_mask(int how, uint64_t set)
{
	return SYS(rt_sigprocmask, how, &set, NULL, 8);
}

/* Run a two-argument syscall (or a fault) expected to end the process; its exit status, or -1
   if it returned. */
static long exit_of_sys(long (*fn)(long, long, long, long, long, long), long a, long b)
{
	exit_armed = true;
	if (setjmp(exit_jmp)) {
		pith_shared.masked = 0;
		return exit_status;
	}
	fn(a, b, 0, 0, 0, 0);
	exit_armed = false;
	return -1;
}

static long exit_of_fault(struct pith_upcall_frame *f)
{
	exit_armed = true;
	if (setjmp(exit_jmp)) {
		pith_shared.masked = 0;
		return exit_status;
	}
	pith_signal_fault(f);
	exit_armed = false;
	return -1;
}

/* ---- Tests ---------------------------------------------------------------------------------- */

static void test_pending_logic(void)
{
	struct pith_ksiginfo in = {.code = 5}, out;
	struct pith_sigthread *st = &threads[0].sig;

	reset();
	CHECK(pith_sig_pick(0) == 0);
	CHECK(pith_sig_pick(BIT(SIGUSR1) | BIT(SIGINT)) == SIGINT);
	CHECK(pith_sig_pick(BIT(SIGINT) | BIT(SIGSEGV)) == SIGSEGV); /* synchronous first */
	/* standard signals coalesce and keep the first siginfo */
	CHECK(pith_sig_enqueue(&pith_sigproc, st, &threads[0], SIGUSR1, &in) == 0);
	in.code = 6;
	CHECK(pith_sig_enqueue(&pith_sigproc, st, &threads[0], SIGUSR1, &in) == 0);
	CHECK(pith_sig_dequeue(&pith_sigproc, st, &threads[0], ~0ULL, &out) == SIGUSR1);
	CHECK(out.code == 5 && out.signo == SIGUSR1);
	CHECK(pith_sig_dequeue(&pith_sigproc, st, &threads[0], ~0ULL, &out) == 0);
	/* real-time signals queue in order, up to the limit */
	for (int i = 0; i < PITH_SIGQUEUE_MAX; i++) {
		in.f.timer.value = (uint64_t)i;
		if (pith_sig_enqueue(&pith_sigproc, NULL, NULL, 40, &in) != 0)
			break;
	}
	CHECK(pith_sig_enqueue(&pith_sigproc, NULL, NULL, 41, &in) == -EAGAIN);
	CHECK(pith_sig_dequeue(&pith_sigproc, st, &threads[0], ~0ULL, &out) == 40);
	CHECK(out.f.timer.value == 0);
	CHECK(pith_sig_dequeue(&pith_sigproc, st, &threads[0], ~0ULL, &out) == 40);
	CHECK(out.f.timer.value == 1);
	CHECK(pith_sigproc.pending & BIT(40));
	pith_sig_discard(&pith_sigproc, st, BIT(40));
	CHECK(!(pith_sigproc.pending & BIT(40)));
	CHECK(pith_sig_enqueue(&pith_sigproc, NULL, NULL, 41, &in) == 0); /* room again */
	/* thread-directed before process-directed; `allowed` filters */
	in.code = 1;
	pith_sig_enqueue(&pith_sigproc, NULL, NULL, SIGINT, &in);
	in.code = 2;
	pith_sig_enqueue(&pith_sigproc, st, &threads[0], SIGTERM, &in);
	CHECK(pith_sig_dequeue(&pith_sigproc, st, &threads[0], ~BIT(41), &out) == SIGTERM);
	CHECK(pith_sig_dequeue(&pith_sigproc, st, &threads[0], ~BIT(41), &out) == SIGINT);
	CHECK(pith_sig_dequeue(&pith_sigproc, st, &threads[0], ~BIT(41), &out) == 0);
}

static void test_defaults(void)
{
	reset();
	CHECK(pith_sig_default(SIGTERM) == PITH_SIGDFL_TERM);
	CHECK(pith_sig_default(SIGSEGV) == PITH_SIGDFL_CORE);
	CHECK(pith_sig_default(SIGCHLD) == PITH_SIGDFL_IGN);
	CHECK(pith_sig_default(SIGTSTP) == PITH_SIGDFL_STOP);
	CHECK(pith_sig_default(SIGRTMIN + 3) == PITH_SIGDFL_TERM);
	CHECK(pith_sig_ignored_set(&pith_sigproc) & BIT(SIGWINCH));
	CHECK(pith_sig_ignored_set(&pith_sigproc) & BIT(SIGSTOP)); /* no job control */
	CHECK(!(pith_sig_ignored_set(&pith_sigproc) & BIT(SIGUSR1)));
}

static void test_choose_thread(void)
{
	reset();
	threads[1].live = threads[2].live = true;
	CHECK(set_action(SIGUSR1, record, SA_SIGINFO, 0) == 0);
	CHECK(set_action(SIGUSR2, record, SA_SIGINFO, 0) == 0);
	CHECK(set_action(SIGINT, record, SA_SIGINFO, 0) == 0);
	/* the main thread takes it when it can */
	CHECK(SYS(kill, 1, SIGUSR1) == 0);
	CHECK(threads[0].wakeups == 1 && threads[1].wakeups == 0);
	CHECK(seen.calls == 1); /* the main thread runs: delivered at the kill's exit */
	pith_sigproc.pending = 0;
	/* else the first thread that does not block it */
	threads[0].sig.mask = BIT(SIGUSR2);
	threads[1].sig.mask = BIT(SIGUSR2);
	CHECK(SYS(kill, 1, SIGUSR2) == 0);
	CHECK(threads[2].wakeups == 1 && threads[1].wakeups == 0);
	CHECK(pith_signal_deliverable(&threads[2]) && !pith_signal_deliverable(&threads[0]));
	pith_sigproc.pending = 0;
	/* all block it: pending, nobody woken; unblocking hands it over */
	threads[2].sig.mask = BIT(SIGUSR2);
	threads[2].wakeups = 0;
	CHECK(SYS(kill, 1, SIGUSR2) == 0);
	CHECK(threads[0].wakeups == 1 && threads[1].wakeups == 0 && threads[2].wakeups == 0);
	cur = &threads[1];
	CHECK(set_mask(SIG_UNBLOCK, BIT(SIGUSR2)) == 0);
	CHECK(threads[1].wakeups == 1);
	/* a thread-directed signal wakes only its thread */
	cur = &threads[0];
	CHECK(SYS(tgkill, 1, 3, SIGINT) == 0);
	CHECK(threads[2].wakeups == 1 && (threads[2].sig.pending & BIT(SIGINT)));
}

static void test_kill_errors(void)
{
	reset();
	CHECK(SYS(kill, 5, SIGTERM) == -ESRCH);
	CHECK(SYS(kill, 1, 65) == -EINVAL);
	CHECK(SYS(kill, -1, 0) == 0);
	CHECK(SYS(tkill, 9, SIGTERM) == -ESRCH);
	CHECK(SYS(tkill, 0, SIGTERM) == -EINVAL);
	CHECK(SYS(tgkill, 2, 1, SIGTERM) == -ESRCH);
	CHECK(SYS(tgkill, 1, 1, 0) == 0);
	CHECK(pith_sigproc.pending == 0 && threads[0].sig.pending == 0);
	CHECK(set_action(SIGKILL, record, SA_SIGINFO, 0) == -EINVAL);
	CHECK(set_action(SIGSTOP, SIG_IGN, 0, 0) == -EINVAL);
	CHECK(set_action(0, record, 0, 0) == -EINVAL);
	CHECK(set_mask(7, 0) == -EINVAL);
	CHECK(set_mask(SIG_SETMASK, ~0ULL) == 0);
	CHECK(!(threads[0].sig.mask & (BIT(SIGKILL) | BIT(SIGSTOP))));
}

static void test_sigaction(void)
{
	struct pith_sigaction old;

	reset();
	CHECK(set_action(SIGSEGV, record, SA_SIGINFO, 0) == 0);
	CHECK(pith_shared.fault_vectors == ((1u << 4) | (1u << 5) | (1u << 13) | (1u << 14)));
	CHECK(set_action(SIGFPE, record, SA_SIGINFO, 0) == 0);
	CHECK(pith_shared.fault_vectors & (1u << 0) && pith_shared.fault_vectors & (1u << 19));
	CHECK(SYS(rt_sigaction, SIGSEGV, NULL, &old, 8) == 0);
	CHECK(old.handler == (uint64_t)record && old.flags == SA_SIGINFO);
	CHECK(set_action(SIGSEGV, SIG_DFL, 0, 0) == 0);
	CHECK(!(pith_shared.fault_vectors & (1u << 14)));
	/* SIG_IGN discards pending instances, including blocked ones */
	CHECK(set_mask(SIG_BLOCK, BIT(SIGUSR1)) == 0);
	CHECK(SYS(kill, 1, SIGUSR1) == 0);
	CHECK(pith_sigproc.pending & BIT(SIGUSR1));
	CHECK(set_action(SIGUSR1, SIG_IGN, 0, 0) == 0);
	CHECK(!(pith_sigproc.pending & BIT(SIGUSR1)));
	CHECK(set_mask(SIG_UNBLOCK, BIT(SIGUSR1)) == 0);
	CHECK(SYS(kill, 1, SIGUSR1) == 0); /* ignored and unblocked: discarded at once */
	CHECK(!(pith_sigproc.pending & BIT(SIGUSR1)));
	CHECK(SYS(rt_sigaction, SIGUSR1, NULL, NULL, 4) == -EINVAL);
}

static void test_delivery(void)
{
	reset();
	CHECK(set_action(SIGUSR1, record, SA_SIGINFO, BIT(SIGINT)) == 0);
	CHECK(set_mask(SIG_SETMASK, BIT(SIGHUP)) == 0);
	CHECK(SYS(kill, 1, SIGUSR1) == 0); /* delivered at this syscall's exit */
	CHECK(seen.calls == 1 && seen.sig == SIGUSR1 && seen.code == SI_USER && seen.pid == 1);
	CHECK_U64(seen.mask_inside, BIT(SIGHUP) | BIT(SIGUSR1) | BIT(SIGINT));
	CHECK_U64(seen.uc_mask, BIT(SIGHUP));
	CHECK_U64(threads[0].sig.mask, BIT(SIGHUP)); /* restored from uc_sigmask */
	CHECK(pith_shared.masked == 0);
	/* blocked: pending until unblocked, then delivered at the sigprocmask exit */
	CHECK(set_mask(SIG_BLOCK, BIT(SIGUSR1)) == 0);
	CHECK(SYS(tkill, 1, SIGUSR1) == 0);
	CHECK(seen.calls == 1);
	uint64_t pend = 0;

	CHECK(SYS(rt_sigpending, &pend, 8) == 0);
	CHECK_U64(pend, BIT(SIGUSR1));
	CHECK(set_mask(SIG_UNBLOCK, BIT(SIGUSR1)) == 0);
	CHECK(seen.calls == 2 && seen.code == SI_TKILL);
	/* SA_NODEFER and SA_RESETHAND */
	CHECK(set_action(SIGUSR2, record, SA_SIGINFO | SA_NODEFER | SA_RESETHAND, 0) == 0);
	CHECK(SYS(kill, 1, SIGUSR2) == 0);
	CHECK(seen.calls == 3 && !(seen.mask_inside & BIT(SIGUSR2)));
	CHECK(pith_sigproc.act[SIGUSR2 - 1].handler == (uint64_t)SIG_DFL);
	/* the handler's uc_sigmask change sticks */
	CHECK(set_action(SIGINT, change_context, SA_SIGINFO, 0) == 0);
	CHECK(SYS(kill, 1, SIGINT) == 0);
	CHECK(threads[0].sig.mask & BIT(SIGUSR2));
}

static void test_restart(void)
{
	reset();
	CHECK(set_action(SIGUSR1, record, SA_SIGINFO | SA_RESTART, 0) == 0);
	CHECK(set_action(SIGUSR2, record, SA_SIGINFO, 0) == 0);
	CHECK(set_action(SIGWINCH, record, SA_SIGINFO, 0) == 0);
	pith_shared.masked = 1;
	pith_sigproc.pending = BIT(SIGUSR1);
	CHECK(pith_signal_leave(-PITH_ERESTARTSYS) == -PITH_ERESTARTSYS);
	pith_sigproc.pending = BIT(SIGUSR1) | BIT(SIGUSR2);
	CHECK(pith_signal_leave(-PITH_ERESTARTSYS) == -EINTR);
	CHECK(seen.calls == 3);
	CHECK(set_action(SIGWINCH, SIG_DFL, 0, 0) == 0); /* default: ignore */
	threads[0].sig.mask = BIT(SIGWINCH);
	CHECK(SYS(kill, 1, SIGWINCH) == 0); /* blocked: kept */
	threads[0].sig.mask = 0;
	CHECK(pith_signal_leave(-PITH_ERESTARTSYS) == -PITH_ERESTARTSYS); /* no handler ran */
	CHECK(pith_signal_leave(5) == 5);
	CHECK(seen.calls == 3);
	pith_shared.masked = 0;
}

static void test_upcall(void)
{
	struct pith_upcall_frame f = {.rax = 1, .rip = 0x401000, .rsp = 0x7000000, .rflags = 0x202};

	reset();
	CHECK(set_action(SIGTERM, change_context, SA_SIGINFO, 0) == 0);
	pith_signal_host(BIT(SIGTERM));
	CHECK(pith_sigproc.pending & BIT(SIGTERM));
	pith_shared.masked = 1;
	pith_signal_upcall(&f);
	pith_shared.masked = 0;
	CHECK(seen.calls == 1 && seen.sig == SIGTERM && seen.code == SI_USER && seen.pid == 0);
	CHECK(seen.rip == 0x401000);
	CHECK(f.rip == 0x401002 && f.rax == 77 && f.rsp == 0x7000000 && f.rflags == 0x202);
}

static void test_termination(void)
{
	reset();
	CHECK(exit_of_sys(pith_sys_kill, 1, SIGTERM) == 143);
	CHECK(console_len == 0);
	reset();
	CHECK(exit_of_sys(pith_sys_tkill, 1, SIGABRT) == 134);
	CHECK_CONTAINS(console, "pith: the program aborted (SIGABRT)");
	reset();
	CHECK(exit_of_sys(pith_sys_kill, 1, SIGUSR1) == 138);
	CHECK_CONTAINS(console, "SIGUSR1");
	reset();
	CHECK(exit_of_sys(pith_sys_kill, 1, SIGCHLD) == -1); /* default ignore */
	CHECK(exit_of_sys(pith_sys_kill, 1, SIGTSTP) == -1); /* stop: ignored, no job control */
}

static void test_sigqueue_order(void)
{
	siginfo_t si = {.si_code = SI_QUEUE};

	reset();
	CHECK(set_action(SIGRTMIN + 1, record_order, SA_SIGINFO, 0) == 0);
	CHECK(set_action(SIGUSR1, record_order, SA_SIGINFO, 0) == 0);
	CHECK(set_mask(SIG_BLOCK, BIT(SIGRTMIN + 1) | BIT(SIGUSR1)) == 0);
	for (int i = 1; i <= 3; i++) {
		si.si_value.sival_ptr = (void *)(uintptr_t)(100 + i);
		CHECK(SYS(rt_sigqueueinfo, 1, SIGRTMIN + 1, &si) == 0);
	}
	CHECK(SYS(kill, 1, SIGUSR1) == 0);
	CHECK(SYS(rt_sigqueueinfo, 2, SIGUSR1, &si) == -ESRCH);
	CHECK(norder == 0);
	CHECK(set_mask(SIG_SETMASK, 0) == 0);
	CHECK(norder == 4);
	CHECK(order[0] == SIGUSR1 && order[1] == 101 && order[2] == 102 && order[3] == 103);
}

static void test_timedwait(void)
{
	uint64_t set = BIT(SIGUSR2) | BIT(SIGINT);
	struct pith_ksiginfo info;
	struct {
		int64_t s, ns;
	} zero = {0, 0}, bad = {0, 2000000000};

	reset();
	CHECK(set_mask(SIG_BLOCK, set) == 0);
	CHECK(SYS(rt_sigtimedwait, &set, &info, &zero, 8) == -EAGAIN);
	CHECK(SYS(rt_sigtimedwait, &set, &info, &bad, 8) == -EINVAL);
	CHECK(SYS(kill, 1, SIGUSR2) == 0);
	CHECK(SYS(rt_sigtimedwait, &set, &info, &zero, 8) == SIGUSR2);
	CHECK(info.signo == SIGUSR2 && info.code == SI_USER);
	CHECK_U64(threads[0].sig.mask, set); /* restored */
	CHECK(pith_sigproc.pending == 0);
	/* another signal's handler interrupts the wait: -EINTR, then the handler runs */
	CHECK(set_action(SIGHUP, record, SA_SIGINFO, 0) == 0);
	CHECK(SYS(kill, 1, SIGHUP) == 0); /* delivered at once */
	CHECK(seen.calls == 1);
	CHECK(set_mask(SIG_BLOCK, BIT(SIGHUP)) == 0);
	CHECK(SYS(kill, 1, SIGHUP) == 0);
	threads[0].sig.mask = set; /* SIGHUP deliverable now, not in the set: the wait ends */
	CHECK(SYS(rt_sigtimedwait, &set, &info, NULL, 8) == -EINTR);
	CHECK(seen.calls == 2);
}

static void send_usr1(void)
{
	struct pith_ksiginfo info = {.signo = SIGUSR1, .code = SI_USER};

	pith_signal_send_process(SIGUSR1, &info);
}

static void test_sigsuspend(void)
{
	uint64_t wait_mask = BIT(SIGINT);

	reset();
	CHECK(set_action(SIGUSR1, record, SA_SIGINFO, 0) == 0);
	CHECK(set_mask(SIG_SETMASK, BIT(SIGUSR1) | BIT(SIGHUP)) == 0);
	block_hook = send_usr1;
	CHECK(SYS(rt_sigsuspend, &wait_mask, 8) == -EINTR);
	CHECK(blocks == 1 && seen.calls == 1);
	CHECK_U64(seen.mask_inside, BIT(SIGINT) | BIT(SIGUSR1));
	CHECK_U64(seen.uc_mask, BIT(SIGUSR1) | BIT(SIGHUP)); /* the mask from before */
	CHECK_U64(threads[0].sig.mask, BIT(SIGUSR1) | BIT(SIGHUP));
	/* pause: a pending handled signal ends it without blocking */
	CHECK(set_mask(SIG_SETMASK, 0) == 0);
	block_hook = send_usr1;
	CHECK(SYS(pause, 0) == -EINTR);
	CHECK(seen.calls == 2);
}

static void test_altstack(void)
{
	static char stack[16384] __attribute__((aligned(16)));
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof(stack)}, old;

	reset();
	CHECK(SYS(sigaltstack, NULL, &old) == 0);
	CHECK(old.ss_flags == SS_DISABLE);
	ss.ss_size = 1000;
	CHECK(SYS(sigaltstack, &ss, NULL) == -ENOMEM);
	ss.ss_size = sizeof(stack);
	ss.ss_flags = 12;
	CHECK(SYS(sigaltstack, &ss, NULL) == -EINVAL);
	ss.ss_flags = 0;
	CHECK(SYS(sigaltstack, &ss, NULL) == 0);
	CHECK(SYS(sigaltstack, NULL, &old) == 0);
	CHECK(old.ss_sp == stack && old.ss_size == sizeof(stack) && old.ss_flags == 0);
	CHECK(set_action(SIGUSR1, record, SA_SIGINFO | SA_ONSTACK, 0) == 0);
	CHECK(SYS(kill, 1, SIGUSR1) == 0);
	CHECK(seen.calls == 1);
	CHECK(last_stack_top <= (uint64_t)stack + sizeof(stack) - sizeof(struct pith_sigframe));
	CHECK(last_stack_top >= (uint64_t)stack && last_stack_top % 16 == 0);
	CHECK(pith_sig_on_altstack(&threads[0].sig, (uint64_t)stack + 100));
	CHECK(pith_sig_altstack_flags(&threads[0].sig, (uint64_t)stack + 100) == SS_ONSTACK);
	CHECK(pith_sig_altstack_change(&threads[0].sig, (uint64_t)stack + 100, 0, SS_DISABLE, 0) ==
	      -EPERM);
	/* without SA_ONSTACK, or already on it: the current stack */
	CHECK(pith_sig_altstack_top(&threads[0].sig, 0, 0x5000) == 0);
	CHECK(pith_sig_altstack_top(&threads[0].sig, SA_ONSTACK, (uint64_t)stack + 64) == 0);
	ss.ss_flags = SS_DISABLE;
	CHECK(SYS(sigaltstack, &ss, NULL) == 0);
	CHECK(pith_sig_altstack_top(&threads[0].sig, SA_ONSTACK, 0x5000) == 0);
}

static void test_frame_layout(void)
{
	struct pith_upcall_frame f = {.r8 = 8,
				      .r15 = 15,
				      .rdi = 1,
				      .rsi = 2,
				      .rbp = 3,
				      .rbx = 4,
				      .rdx = 5,
				      .rax = 6,
				      .rcx = 7,
				      .rsp = 9,
				      .rip = 10,
				      .rflags = 0x246,
				      .vector = 14,
				      .error_code = 4,
				      .cr2 = 0x10};
	struct pith_ucontext uc;
	struct pith_upcall_frame g = {.rflags = 0x202};
	uint64_t xs;
	uint64_t p = pith_sig_frame_place(0x10000, 832, &xs);

	CHECK(xs % 64 == 0 && xs + 832 <= 0x10000 && p % 16 == 0);
	CHECK(p + sizeof(struct pith_sigframe) <= xs);
	CHECK(pith_sig_frame_place(0x10008, 0, &xs) ==
	      ((0x10008 - sizeof(struct pith_sigframe)) & ~15ULL));
	CHECK(xs == 0);
	memset(&uc, 0, sizeof(uc));
	pith_sig_regs_to_uc(&f, &uc);
	CHECK(uc.gregs[REG_R8] == 8 && uc.gregs[REG_R15] == 15 && uc.gregs[REG_RDI] == 1);
	CHECK(uc.gregs[REG_RAX] == 6 && uc.gregs[REG_RSP] == 9 && uc.gregs[REG_RIP] == 10);
	CHECK(uc.gregs[REG_ERR] == 4 && uc.gregs[REG_TRAPNO] == 14 && uc.gregs[REG_CR2] == 0x10);
	CHECK(offsetof(ucontext_t, uc_sigmask) == offsetof(struct pith_ucontext, uc_sigmask));
	CHECK(offsetof(ucontext_t, uc_mcontext.fpregs) == offsetof(struct pith_ucontext, fpregs));
	uc.gregs[REG_EFL] = 0x3247; /* IOPL bits are not the handler's to set */
	pith_sig_uc_to_regs(&uc, &g);
	CHECK(g.rbx == 4 && g.rcx == 7 && g.rip == 10 && g.rflags == 0x247);
}

static void test_fault_info(void)
{
	struct pith_upcall_frame f = {.vector = 14, .error_code = 4, .cr2 = 0x1234, .rip = 0x400};
	struct pith_ksiginfo si;

	CHECK(pith_sig_fault_info(&f, &si) == SIGSEGV && si.code == SEGV_MAPERR &&
	      si.f.addr == 0x1234);
	f.error_code = 7;
	CHECK(pith_sig_fault_info(&f, &si) == SIGSEGV && si.code == SEGV_ACCERR);
	f.vector = 0;
	CHECK(pith_sig_fault_info(&f, &si) == SIGFPE && si.code == FPE_INTDIV &&
	      si.f.addr == 0x400);
	f.vector = 6;
	CHECK(pith_sig_fault_info(&f, &si) == SIGILL && si.code == ILL_ILLOPN);
	f.vector = 13;
	CHECK(pith_sig_fault_info(&f, &si) == SIGSEGV && si.code == SI_KERNEL);
	f.vector = 17;
	CHECK(pith_sig_fault_info(&f, &si) == SIGBUS);
	f.vector = 3;
	CHECK(pith_sig_fault_info(&f, &si) == SIGTRAP);
	f.vector = 2;
	CHECK(pith_sig_fault_info(&f, &si) == 0);
}

static void test_fault_delivery(void)
{
	static char stack[16384] __attribute__((aligned(16)));
	struct pith_upcall_frame f = {.reason = PITH_UPCALL_FAULT,
				      .vector = 14,
				      .error_code = 6,
				      .cr2 = 0xdead000,
				      .rip = 0x401234,
				      .rflags = 0x202,
				      .rsp = (uint64_t)stack + sizeof(stack) - 64};

	reset();
	for (int i = 0; i < 576; i++)
		fault_xsave_area()[i] = (uint8_t)(i * 7);
	CHECK(set_action(SIGSEGV, change_context, SA_SIGINFO, 0) == 0);
	pith_shared.masked = 1;
	if (!setjmp(resume_jmp))
		pith_signal_fault(&f);
	CHECK(seen.calls == 1 && seen.sig == SIGSEGV && seen.code == SEGV_MAPERR);
	CHECK(seen.addr == 0xdead000 && seen.rip == 0x401234);
	CHECK(resumed.rip == 0x401236 && resumed.rax == 77 && resumed.rsp == f.rsp);
	CHECK(last_stack_top <= f.rsp - 128 && last_stack_top > f.rsp - 256);
	CHECK(threads[0].sig.mask == BIT(SIGUSR2)); /* from the changed uc_sigmask */
	CHECK(resumed_xsave_aligned && memcmp(resumed_xsave, fault_xsave_area(), 576) == 0);
	CHECK(memcmp(seen_fpregs, fault_xsave_area(), 512) == 0);
	CHECK(pith_shared.masked == 0);
	/* blocked, or no handler: the process ends with a report */
	reset();
	CHECK(set_action(SIGSEGV, record, SA_SIGINFO, 0) == 0);
	threads[0].sig.mask = BIT(SIGSEGV);
	CHECK(exit_of_fault(&f) == 139);
	CHECK_CONTAINS(console, "page fault (vector 14) in thread 1 at address 0xdead000");
	CHECK_CONTAINS(console, "RIP 0x401234: SIGSEGV is blocked");
	/* a page fault near the stack pointer, no alternate stack: the stack ran out */
	reset();
	CHECK(set_action(SIGSEGV, record, SA_SIGINFO, 0) == 0);
	f.cr2 = f.rsp + 2048; /* a local of the frame that went past the guard */
	CHECK(exit_of_fault(&f) == 139);
	CHECK_CONTAINS(console,
		       "pith: stack overflow in thread 1 (SIGSEGV, no alternate signal stack)");
	CHECK(seen.calls == 0);
	reset();
	CHECK(set_action(SIGSEGV, record, SA_SIGINFO, 0) == 0);
	f.cr2 = f.rsp - 8; /* a push at the guard page */
	CHECK(exit_of_fault(&f) == 139);
	reset();
	f.vector = 0;
	CHECK(exit_of_fault(&f) == 136);
	CHECK_CONTAINS(console, "SIGFPE has no handler");
}

int main(void)
{
	test_pending_logic();
	test_defaults();
	test_choose_thread();
	test_kill_errors();
	test_sigaction();
	test_delivery();
	test_restart();
	test_upcall();
	test_termination();
	test_sigqueue_order();
	test_timedwait();
	test_sigsuspend();
	test_altstack();
	test_frame_layout();
	test_fault_info();
	test_fault_delivery();
	return test__done();
}
