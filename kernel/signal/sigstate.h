/* Per-thread signal state, embedded in each sched thread (owned by the signal component). */
#ifndef PITH_SIGNAL_SIGSTATE_H
#define PITH_SIGNAL_SIGSTATE_H

#include <stdint.h>

/* Linux's siginfo_t is 128 bytes; Pith keeps what it fills in. */
struct pith_ksiginfo {
	int32_t signo, errno_, code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill; /* SI_USER, SI_TKILL */
		struct {
			int32_t tid, overrun;
			uint64_t value;
		} timer;       /* SI_TIMER */
		uint64_t addr; /* faults */
		uint8_t bytes[112];
	} f;
};

struct pith_sigthread {
	uint64_t mask;		       /* blocked signals: bit (n - 1) for signal n */
	uint64_t pending;	       /* thread-directed pending signals */
	struct pith_ksiginfo info[64]; /* siginfo of each pending thread-directed signal */
	uint64_t saved_mask;	       /* sigsuspend/pselect: mask to restore after delivery */
	int restore_mask;	       /* saved_mask is valid */
	uint64_t altstack_sp;	       /* sigaltstack: base, size, flags */
	uint64_t altstack_size;
	int altstack_flags;
	int on_altstack; /* a handler runs on it */
};

#endif
