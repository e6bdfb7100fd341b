/* The proc component's interface: the one process's state (ids, TLS, signal dispositions). */
#ifndef PITH_PROC_H
#define PITH_PROC_H

#include <stdint.h>

/* Linux's struct kernel_sigaction on x86_64 (what rt_sigaction takes). */
struct pith_ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define PITH_NSIG 64

struct pith_proc {
	uint64_t clear_child_tid;		   /* set_tid_address */
	uint64_t sigmask;			   /* blocked signals (bit n-1: signal n) */
	struct pith_ksigaction actions[PITH_NSIG]; /* [n-1]: signal n */
};

extern struct pith_proc pith_proc;

#define PITH_PID 1

#endif
