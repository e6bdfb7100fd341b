/* The proc component's interface: the one process's state, its exit, thread 1's clear_child_tid. */
#ifndef PITH_PROC_H
#define PITH_PROC_H

#include <stdint.h>

struct pith_proc {
	uint64_t clear_child_tid; /* set_tid_address of thread 1 (see pith_proc_take_clear_tid) */
};

extern struct pith_proc pith_proc;

#define PITH_PID 1

/* Ends the process: runs the exit hooks, then PITH_HC_EXIT with status & 0xff. */
__attribute__((noreturn)) void pith_proc_exit(int status);

/*
 * Thread 1's clear_child_tid address as set_tid_address recorded it while no sched ops could
 * take it (0: none), and forget it. The sched component calls it when it makes the boot thread
 * its thread 1; later set_tid_address calls go to pith_sched_ops->set_tid_address.
 */
uint64_t pith_proc_take_clear_tid(void);

#endif
