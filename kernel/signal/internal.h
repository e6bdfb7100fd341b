/* The signal component's internal state and helpers (dispositions, queues, frames). */
#ifndef PITH_SIGNAL_INTERNAL_H
#define PITH_SIGNAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "signal/sigstate.h"

struct pith_thread;

#define PITH_SIG_N	  64   /* signals 1..64, bit (n - 1) of a set */
#define PITH_SIG_RTMIN	  32   /* the kernel's SIGRTMIN (musl reserves 32..34 for itself) */
#define PITH_SIGQUEUE_MAX 256  /* queued real-time instances (Linux: RLIMIT_SIGPENDING) */
#define PITH_MINSIGSTKSZ  2048 /* Linux's MINSIGSTKSZ on x86_64 */
#define PITH_SIG_BIT(sig) (1ULL << ((sig)-1))

/* Linux's signal numbers and codes (signal(7), asm-generic/siginfo.h), independent of libc. */
enum {
	SIG_HUP = 1,
	SIG_INT = 2,
	SIG_QUIT = 3,
	SIG_ILL = 4,
	SIG_TRAP = 5,
	SIG_ABRT = 6,
	SIG_BUS = 7,
	SIG_FPE = 8,
	SIG_KILL = 9,
	SIG_USR1 = 10,
	SIG_SEGV = 11,
	SIG_USR2 = 12,
	SIG_PIPE = 13,
	SIG_ALRM = 14,
	SIG_TERM = 15,
	SIG_STKFLT = 16,
	SIG_CHLD = 17,
	SIG_CONT = 18,
	SIG_STOP = 19,
	SIG_TSTP = 20,
	SIG_TTIN = 21,
	SIG_TTOU = 22,
	SIG_URG = 23,
	SIG_XCPU = 24,
	SIG_XFSZ = 25,
	SIG_VTALRM = 26,
	SIG_PROF = 27,
	SIG_WINCH = 28,
	SIG_IO = 29,
	SIG_PWR = 30,
	SIG_SYS = 31,
};

#define SIGCODE_USER   0    /* SI_USER: kill */
#define SIGCODE_KERNEL 0x80 /* SI_KERNEL */
#define SIGCODE_QUEUE  (-1) /* SI_QUEUE: sigqueue */
#define SIGCODE_TKILL  (-6) /* SI_TKILL: tkill, tgkill */
#define FPE_INTDIV_    1
#define FPE_FLTINV_    7
#define ILL_ILLOPN_    2
#define SEGV_MAPERR_   1
#define SEGV_ACCERR_   2
#define BUS_ADRALN_    1
#define TRAP_BRKPT_    1
#define TRAP_TRACE_    2

/* sigaction flags (sigaction(2)) and handler values. */
#define SA_SIGINFO_   0x00000004u
#define SA_ONSTACK_   0x08000000u
#define SA_RESTART_   0x10000000u
#define SA_NODEFER_   0x40000000u
#define SA_RESETHAND_ 0x80000000u
#define SIG_DFL_      0ULL
#define SIG_IGN_      1ULL

/* SIGKILL and SIGSTOP can be neither caught nor blocked. */
#define PITH_SIG_UNBLOCKABLE (PITH_SIG_BIT(SIG_KILL) | PITH_SIG_BIT(SIG_STOP))
/* Dequeued before others (Linux's SYNCHRONOUS_MASK). */
#define PITH_SIG_SYNC                                                                              \
	(PITH_SIG_BIT(SIG_SEGV) | PITH_SIG_BIT(SIG_BUS) | PITH_SIG_BIT(SIG_ILL) |                  \
	 PITH_SIG_BIT(SIG_TRAP) | PITH_SIG_BIT(SIG_FPE) | PITH_SIG_BIT(SIG_SYS))

/* Linux's struct kernel_sigaction on x86_64 (what rt_sigaction takes). */
struct pith_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* A queued real-time signal instance. */
struct pith_sigqueued {
	struct pith_thread *target; /* NULL: process-directed */
	uint64_t seq;		    /* 0: free slot; else order of arrival */
	struct pith_ksiginfo info;
};

/* What the process shares: dispositions, the process-directed pending set, the RT queue. */
struct pith_sigproc {
	struct pith_sigaction act[PITH_SIG_N];
	uint64_t pending;			    /* process-directed */
	struct pith_ksiginfo info[PITH_SIG_N];	    /* of each pending standard signal */
	struct pith_sigqueued q[PITH_SIGQUEUE_MAX]; /* real-time instances, both kinds */
	uint64_t seq;
};

extern struct pith_sigproc pith_sigproc;

/* ---- Dispositions (action.c) ------------------------------------------------------------- */

enum pith_sigdefault { PITH_SIGDFL_TERM, PITH_SIGDFL_CORE, PITH_SIGDFL_IGN, PITH_SIGDFL_STOP };

/* The default action of sig (signal(7)); stop signals are ignored in Pith (no job control). */
enum pith_sigdefault pith_sig_default(int sig);

/*
 * sigaltstack's change for a thread whose stack pointer is sp (sigaltstack(2)): 0, -EPERM (on
 * it), -EINVAL (flags) or -ENOMEM (smaller than MINSIGSTKSZ).
 */
int pith_sig_altstack_change(struct pith_sigthread *st, uint64_t sp, uint64_t ss_sp, int flags,
			     uint64_t size);

/* Set sig's action (SIGKILL and SIGSTOP refused by the caller); SIG_IGN, or SIG_DFL with an
   ignoring default, discards its pending instances (POSIX). */
void pith_sig_set_action(int sig, const struct pith_sigaction *act);

/* Signals whose delivery would do nothing: SIG_IGN, or SIG_DFL with an ignore/stop default. */
uint64_t pith_sig_ignored_set(const struct pith_sigproc *p);

/* The signal an exception vector raises (0: none). */
int pith_sig_vector_signal(unsigned vector);

/* The exception vectors (fault_vectors bits) whose signal has a handler in p. */
uint32_t pith_sig_fault_vectors(const struct pith_sigproc *p);

/* ---- Pending sets and queues (pending.c: pure, host-tested) ------------------------------ */

/* The signal of set to take first: synchronous ones, then the lowest number; 0 if none. */
int pith_sig_pick(uint64_t set);

/* Make sig pending for t (NULL: the process) with info; 0 or -EAGAIN (RT queue full). */
int pith_sig_enqueue(struct pith_sigproc *p, struct pith_sigthread *st, struct pith_thread *t,
		     int sig, const struct pith_ksiginfo *info);

/*
 * Take one pending signal of t (thread-directed first, then process-directed) among `allowed`,
 * into *info; its number, or 0 if none.
 */
int pith_sig_dequeue(struct pith_sigproc *p, struct pith_sigthread *st, struct pith_thread *t,
		     uint64_t allowed, struct pith_ksiginfo *info);

/* Forget every pending instance of the signals in set (SIG_IGN set; thread exit with t). */
void pith_sig_discard(struct pith_sigproc *p, struct pith_sigthread *st, uint64_t set);

/* Forget t's queued real-time instances (it exits). */
void pith_sig_forget_thread(struct pith_sigproc *p, struct pith_thread *t);

/* ---- Generation (generate.c) ------------------------------------------------------------- */

/* Pending signals t could take now: (its own | the process's) & ~mask & ~ignored. */
uint64_t pith_sig_deliverable_set(struct pith_thread *t);

/* Wake t (and flag the exit path if it runs) when it has a deliverable signal. */
void pith_sig_kick(struct pith_thread *t);

/* After the current thread's mask changed: kick it, and hand process-directed signals it now
   blocks to a thread that can take them. */
void pith_sig_mask_changed(void);

/* ---- Frames (frame.c: pure, host-tested) ------------------------------------------------- */

/* Linux x86_64 ucontext_t as user space sees it (musl's and glibc's layout: gregs REG_R8..). */
struct pith_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		uint64_t ss_sp;
		int32_t ss_flags, pad;
		uint64_t ss_size;
	} uc_stack;
	uint64_t gregs[23]; /* REG_R8 .. REG_CR2 */
	uint64_t fpregs;    /* address of the fxsave-format state, or 0 */
	uint64_t reserved1[8];
	uint64_t uc_sigmask[16]; /* the kernel's 64-bit set in [0] */
	uint64_t fpregs_mem[64];
};

enum {
	PITH_REG_R8,
	PITH_REG_R9,
	PITH_REG_R10,
	PITH_REG_R11,
	PITH_REG_R12,
	PITH_REG_R13,
	PITH_REG_R14,
	PITH_REG_R15,
	PITH_REG_RDI,
	PITH_REG_RSI,
	PITH_REG_RBP,
	PITH_REG_RBX,
	PITH_REG_RDX,
	PITH_REG_RAX,
	PITH_REG_RCX,
	PITH_REG_RSP,
	PITH_REG_RIP,
	PITH_REG_EFL,
	PITH_REG_CSGSFS,
	PITH_REG_ERR,
	PITH_REG_TRAPNO,
	PITH_REG_OLDMASK,
	PITH_REG_CR2,
};

/* What Pith puts on the handler's stack (cf. Linux's struct rt_sigframe). */
struct pith_sigframe {
	struct pith_ucontext uc;
	struct pith_ksiginfo info;
	uint64_t handler;
	uint64_t xsave; /* address of the saved extended state (fault path), or 0 */
	int64_t sig;
};

/*
 * Place a frame below top (xsave_size bytes of 64-byte aligned extended state above it if
 * nonzero): the frame's address, 16-byte aligned (the stack top for the handler call). *xsave
 * gets the area's address (0 without one).
 */
uint64_t pith_sig_frame_place(uint64_t top, size_t xsave_size, uint64_t *xsave);

/* Fill uc's registers from f and back (rflags: only the flags user code may change). */
void pith_sig_regs_to_uc(const struct pith_upcall_frame *f, struct pith_ucontext *uc);
void pith_sig_uc_to_regs(const struct pith_ucontext *uc, struct pith_upcall_frame *f);

/* sp lies on the alternate stack of st (Linux's on_sig_stack). */
bool pith_sig_on_altstack(const struct pith_sigthread *st, uint64_t sp);

/* The top of the alternate stack if a handler with flags runs on it from a context whose stack
   pointer is sp (SA_ONSTACK, an enabled altstack, not on it already); 0 if not. */
uint64_t pith_sig_altstack_top(const struct pith_sigthread *st, uint64_t flags, uint64_t sp);

/* ss_flags as sigaltstack and uc_stack report them for a context at sp. */
int pith_sig_altstack_flags(const struct pith_sigthread *st, uint64_t sp);

/*
 * Fill a frame for the handler of sig: siginfo, uc_stack, registers from regs, uc_sigmask =
 * the mask to restore after the handler (oldmask).
 */
void pith_sig_frame_fill(struct pith_sigframe *fr, const struct pith_sigthread *st, int sig,
			 const struct pith_ksiginfo *info, const struct pith_upcall_frame *regs,
			 uint64_t oldmask);

/* Exception vector -> signal and siginfo (signo, code, addr); 0 for a vector with no signal. */
int pith_sig_fault_info(const struct pith_upcall_frame *f, struct pith_ksiginfo *info);

/* ---- Delivery (deliver.c) ----------------------------------------------------------------- */

/* End the process as a shell reports a signal death: status 128 + sig (after a message). */
__attribute__((noreturn)) void pith_sig_terminate(int sig);

/* Block the signals a handler of sig blocks (SA_NODEFER, sa_mask), apply SA_RESETHAND; the
   mask to restore after it (sigsuspend's saved mask if one is pending). */
uint64_t pith_sig_handler_mask(struct pith_sigthread *st, int sig);

/* Recompute pith_shared.fault_vectors from the dispositions. */
void pith_sig_update_fault_vectors(void);

/* "SIGSEGV"... for a standard signal. */
const char *pith_sig_name(int sig);

/* Print one line to stderr. */
void pith_sig_print(const char *msg, size_t len);

/* End the process with status (exit_group: the exit hooks run). */
__attribute__((noreturn)) void pith_sig_exit(int status);

/* Linux's exit_group (proc), which runs the exit hooks. */
long pith_sys_exit_group(long a, long b, long c, long d, long e, long f);

#endif
