/* Waiting for I/O: the pollers (devices, protocol timers) and the one place the guest sleeps. */
#ifndef PITH_TIME_WAIT_H
#define PITH_TIME_WAIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A poller has work to do outside of any particular syscall: the NIC driver drains its receive
 * ring and runs the network stack's timers. Pollers register themselves with PITH_POLLER in an
 * object that is linked only when its component is (so hello has none). With one vCPU and no
 * threads yet, pollers run whenever a syscall waits (pith_io_wait) or polls (pith_io_poll).
 */
struct pith_poller {
	const char *name;
	/* Does pending work without blocking; true if it made progress (frames, expired timers). */
	bool (*poll)(uint64_t now_ns);
	/* The earliest monotonic time at which poll must run again with no event; UINT64_MAX if
	   none. NULL: none. */
	uint64_t (*deadline)(void);
	/* About to sleep: ask the device to end the wait when it has news (the ring's wake flag)
	   and re-check; false if work arrived meanwhile (then nobody sleeps). NULL: true. */
	bool (*arm)(void);
};

#define PITH_POLLER(name_, ...)                                                                    \
	static const struct pith_poller pith_poller_##name_                                        \
	    __attribute__((used, section("pith_pollers"), aligned(sizeof(void *)))) = {            \
		.name = #name_, __VA_ARGS__}

/* Runs every poller once; true if any made progress. */
bool pith_io_poll(void);

/*
 * Runs the pollers; if none made progress, sleeps in the monitor (PITH_HC_WAIT) until the
 * deadline (monotonic ns; UINT64_MAX: none), the earliest poller deadline, or device news,
 * then runs the pollers again. Returns after at most one sleep. The sched component's idle
 * loop sleeps with it; everything else calls pith_io_wait.
 */
void pith_io_sleep(uint64_t deadline_ns);

/*
 * Waits for I/O: returns after at most one sleep (callers re-check their condition and the
 * time in a loop; spurious returns are allowed). 0, or -EINTR when a signal is deliverable to
 * the calling thread. Without the sched component: pith_io_sleep, then 0. With it
 * (pith_sched_ops->io_wait): the thread is parked and other threads run until pollers make
 * progress, pith_io_notify is called, the deadline passes or a signal comes.
 */
int pith_io_wait(uint64_t deadline_ns);

/*
 * pith_io_wait for waits a signal must not end (Linux's uninterruptible sleep): a disk request in
 * flight, the network draining at exit. A pending signal waits until the caller returns.
 */
void pith_io_wait_uninterruptible(uint64_t deadline_ns);

#endif
