/* POSIX timers: timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "core/core.h"
#include "sched/sched.h"
#include "signal/internal.h"
#include "signal/signal.h"
#include "signal/timer.h"
#include "syscall/syscall.h"
#include "time/time.h"

/*
 * Clocks: CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME (Pith's boottime is its monotonic
 * clock); every deadline is kept on CLOCK_MONOTONIC (Pith's realtime is monotonic + the host's
 * time at boot and never jumps: there is no settimeofday, so an absolute realtime deadline
 * converts once, at arm time). CPU-time clocks are refused with -EINVAL (Pith does not account
 * CPU time), the clocks Linux has no timers on with -EOPNOTSUPP.
 * Notifications: SIGEV_SIGNAL (to the process), SIGEV_THREAD_ID (to one thread: musl's
 * SIGEV_THREAD helper thread waits for SIGTIMER with sigwaitinfo) and SIGEV_NONE.
 */
#define PTIMER_MAX 128 /* timers per process; timer_create answers -EAGAIN beyond */

/* Linux's struct sigevent as far as the kernel reads it (musl passes exactly this much). */
struct ksigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
};

struct ptimer {
	struct pith_ktimer kt; /* armed while a SIGEV_SIGNAL/THREAD_ID expiry is to come */
	bool used;
	bool armed; /* it_value is set: kt.deadline (or `deadline` for SIGEV_NONE) */
	clockid_t clock;
	int32_t notify; /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_SIGNAL | SIGEV_THREAD_ID */
	int32_t signo;
	int32_t tid;	   /* SIGEV_THREAD_ID's thread */
	uint64_t value;	   /* sigev_value, passed as si_value */
	uint64_t deadline; /* the next expiry, monotonic ns */
	uint64_t interval; /* ns; 0: one-shot */
	uint64_t overrun;  /* expiries not signalled since the last signal */
	int overrun_last;  /* si_overrun of the last signal: timer_getoverrun */
};

static struct ptimer ptimers[PTIMER_MAX];

static struct ptimer *ptimer_get(int id)
{
	if (id < 0 || id >= PTIMER_MAX || !ptimers[id].used)
		return NULL;
	return &ptimers[id];
}

/* Overrun counts are ints (Linux caps them at DELAYTIMER_MAX, INT_MAX). */
static int overrun_cap(uint64_t n)
{
	return n > INT_MAX ? INT_MAX : (int)n;
}

/* info is a signal this timer sent. */
static bool sent_by(const struct ptimer *p, const struct pith_ksiginfo *info)
{
	return info->code == SI_TIMER && info->f.timer.tid == (int32_t)(p - ptimers);
}

/* This timer's real-time signal still queued for t (NULL: the process), or NULL. */
static struct pith_ksiginfo *queued_info(const struct ptimer *p, struct pith_thread *t)
{
	for (unsigned i = 0; i < PITH_SIGQUEUE_MAX; i++) {
		struct pith_sigqueued *e = &pith_sigproc.q[i];

		if (e->seq && e->target == t && e->info.signo == p->signo && sent_by(p, &e->info))
			return &e->info;
	}
	return NULL;
}

/*
 * The siginfo of this timer's last signal if it is still pending (not delivered yet), else
 * NULL. Linux sends a timer's signal once and counts the expiries while it is pending as
 * overruns of that signal: Pith updates the pending siginfo in place likewise.
 */
static struct pith_ksiginfo *pending_info(const struct ptimer *p)
{
	struct pith_thread *t = NULL;
	struct pith_sigthread *st = NULL;
	struct pith_ksiginfo *info;

	if (p->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID)) {
		t = pith_thread_find(p->tid);
		if (!t)
			return NULL;
		st = pith_thread_sig(t);
	}
	if (p->signo >= PITH_SIG_RTMIN)
		return queued_info(p, t);
	if (!((st ? st->pending : pith_sigproc.pending) & PITH_SIG_BIT(p->signo)))
		return NULL;
	info = st ? &st->info[p->signo - 1] : &pith_sigproc.info[p->signo - 1];
	return sent_by(p, info) ? info : NULL;
}

/*
 * The signal is still pending: make sure a thread that can take it knows (pith_sig_kick does
 * nothing unless the signal is deliverable to it). Not a new signal, only the wake-up a new one
 * would give: without it a pending signal that some path left unflagged would wait for the next
 * unrelated event. Process-directed: the first thread that can take it, as at generation.
 */
static void kick_pending(const struct ptimer *p)
{
	struct pith_thread *t;

	if (p->notify != SIGEV_SIGNAL) {
		t = pith_thread_find(p->tid);
		if (t)
			pith_sig_kick(t);
		return;
	}
	t = pith_thread_find(1);
	if (t && pith_signal_deliverable(t)) {
		pith_sig_kick(t);
		return;
	}
	for (t = pith_thread_next(NULL); t; t = pith_thread_next(t))
		if (pith_signal_deliverable(t)) {
			pith_sig_kick(t);
			return;
		}
}

/* Sends the expiry signal with si_overrun = the expiries it stands for, minus one. */
static void ptimer_signal(struct ptimer *p, uint64_t expiries)
{
	struct pith_ksiginfo *pending = pending_info(p);
	struct pith_ksiginfo info = {.signo = p->signo, .code = SI_TIMER};
	struct pith_thread *t;

	if (pending) { /* the last one is not delivered yet: it stands for these too */
		pending->f.timer.overrun =
		    overrun_cap((uint64_t)pending->f.timer.overrun + expiries);
		p->overrun_last = pending->f.timer.overrun;
		kick_pending(p);
		return;
	}
	info.f.timer.tid = (int32_t)(p - ptimers);
	info.f.timer.overrun = overrun_cap(p->overrun + expiries - 1);
	info.f.timer.value = p->value;
	p->overrun_last = info.f.timer.overrun;
	p->overrun = 0;
	if (p->notify == SIGEV_SIGNAL)
		pith_signal_send_process(p->signo, &info);
	else if ((t = pith_thread_find(p->tid)))
		pith_signal_send_thread(t, p->signo, &info);
}

/* The kernel timer's callback: signal, then reload a periodic timer past now. */
static void ptimer_fire(struct pith_ktimer *kt, uint64_t now)
{
	struct ptimer *p = (struct ptimer *)((char *)kt - offsetof(struct ptimer, kt));
	uint64_t expiries = pith_timer_forward(&p->deadline, p->interval, now);

	p->armed = p->interval != 0;
	ptimer_signal(p, expiries);
	if (p->armed)
		pith_ktimer_arm(&p->kt, p->deadline);
}

/* ---- timer_create / timer_delete ----------------------------------------------------------- */

/* Linux's clock checks for timer_create. */
static int clock_check(clockid_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		return 0;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP; /* Linux has these clocks but no timers on them */
	default:
		return -EINVAL; /* CPU-time clocks (not accounted), the alarm clocks, TAI, bad ids
				 */
	}
}

/* Linux's good_sigevent: the notification kinds it accepts, with a signal in 1..64. */
static int sigevent_check(const struct ksigevent *ev)
{
	switch (ev->notify) {
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		if (ev->tid <= 0 || !pith_thread_find(ev->tid))
			return -EINVAL;
		/* fallthrough */
	case SIGEV_SIGNAL:
	case SIGEV_THREAD: /* the kernel treats it as SIGEV_SIGNAL (libc does the thread) */
		if (ev->signo <= 0 || ev->signo > PITH_SIG_N)
			return -EINVAL;
		/* fallthrough */
	case SIGEV_NONE:
		return 0;
	default:
		return -EINVAL;
	}
}

/* The caller's sigevent, or Linux's default for NULL: SIGALRM to the process, si_value = id. */
static int sigevent_in(const struct ksigevent *uev, int id, struct ksigevent *ev)
{
	size_t len = offsetof(struct ksigevent, tid);

	if (!uev) {
		*ev = (struct ksigevent){
		    .value = (uint64_t)id, .signo = SIGALRM, .notify = SIGEV_SIGNAL};
		return 0;
	}
	if (!pith_user_access_ok(uev, len) || !pith_user_readable(uev, len))
		return -EFAULT;
	*ev = (struct ksigevent){.value = uev->value, .signo = uev->signo, .notify = uev->notify};
	if (ev->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID)) {
		if (!pith_user_readable(&uev->tid, sizeof(uev->tid)))
			return -EFAULT;
		ev->tid = uev->tid;
	}
	if (ev->notify == SIGEV_THREAD)
		ev->notify = SIGEV_SIGNAL;
	return sigevent_check(ev);
}

static int ptimer_free_slot(void)
{
	for (int id = 0; id < PTIMER_MAX; id++)
		if (!ptimers[id].used)
			return id;
	return -EAGAIN;
}

PITH_SYSCALL3(timer_create, clockid_t, clock, const struct ksigevent *, sevp, int *, timerid)
{
	struct ksigevent ev;
	int id = ptimer_free_slot(), err = clock_check(clock);

	if (err)
		return err;
	if (id < 0)
		return id;
	err = sigevent_in(sevp, id, &ev);
	if (err)
		return err;
	if (!pith_user_access_ok(timerid, sizeof(*timerid)) ||
	    !pith_user_writable(timerid, sizeof(*timerid)))
		return -EFAULT;
	ptimers[id] = (struct ptimer){.used = true,
				      .clock = clock,
				      .notify = ev.notify,
				      .signo = ev.signo,
				      .tid = ev.tid,
				      .value = ev.value,
				      .kt.fn = ptimer_fire};
	*timerid = id;
	return 0;
}

PITH_SYSCALL1(timer_delete, int, id)
{
	struct ptimer *p = ptimer_get(id);

	if (!p)
		return -EINVAL;
	pith_ktimer_cancel(&p->kt);
	*p = (struct ptimer){0};
	return 0;
}

/* ---- timer_settime / timer_gettime / timer_getoverrun -------------------------------------- */

/* The current setting: time to the next expiry (1 ns for one whose signal is being sent, as
   Linux; SIGEV_NONE timers are forwarded on reading, as Linux does) and the period. */
static struct itimerspec ptimer_get_spec(struct ptimer *p, uint64_t now)
{
	struct itimerspec v = {
	    .it_interval = {p->interval / PITH_NS_PER_SEC, p->interval % PITH_NS_PER_SEC}};
	uint64_t next = p->deadline, left;

	if (!p->armed)
		return v;
	if (p->notify == SIGEV_NONE && now >= next) {
		if (!p->interval)
			return v; /* a one-shot SIGEV_NONE timer that expired reads 0 */
		pith_timer_forward(&next, p->interval, now);
	}
	left = pith_timer_left(next, now);
	if (!left)
		left = 1;
	v.it_value = (struct timespec){left / PITH_NS_PER_SEC, left % PITH_NS_PER_SEC};
	return v;
}

/* Linux's timespec64_valid for the two halves of an itimerspec. */
static bool itimerspec_ok(const struct itimerspec *v)
{
	return v->it_value.tv_sec >= 0 && v->it_value.tv_nsec >= 0 &&
	       v->it_value.tv_nsec < (long)PITH_NS_PER_SEC && v->it_interval.tv_sec >= 0 &&
	       v->it_interval.tv_nsec >= 0 && v->it_interval.tv_nsec < (long)PITH_NS_PER_SEC;
}

/* The monotonic deadline of it_value: relative to now, or absolute on the timer's clock. */
static uint64_t ptimer_deadline(clockid_t clock, const struct timespec *value, bool absolute,
				uint64_t mono)
{
	uint64_t ns = pith_timer_ns(value->tv_sec, (uint64_t)value->tv_nsec), now = mono;

	if (!absolute)
		return pith_timer_after(mono, ns);
	if (clock == CLOCK_REALTIME)
		now = pith_time_realtime_ns();
	return ns <= now ? mono : pith_timer_after(mono, ns - now);
}

/* Arms or (zero it_value) disarms p with a checked setting. */
static void ptimer_set(struct ptimer *p, const struct itimerspec *v, int flags, uint64_t now)
{
	pith_ktimer_cancel(&p->kt);
	p->interval = pith_timer_ns(v->it_interval.tv_sec, (uint64_t)v->it_interval.tv_nsec);
	p->overrun = 0;
	p->overrun_last = 0;
	p->armed = v->it_value.tv_sec || v->it_value.tv_nsec;
	if (!p->armed)
		return;
	p->deadline = ptimer_deadline(p->clock, &v->it_value, flags & TIMER_ABSTIME, now);
	if (p->notify != SIGEV_NONE)
		pith_ktimer_arm(&p->kt, p->deadline);
}

PITH_SYSCALL4(timer_settime, int, id, int, flags, const struct itimerspec *, value,
	      struct itimerspec *, ovalue)
{
	struct ptimer *p;
	struct itimerspec v;
	uint64_t now;

	if (!value)
		return -EINVAL;
	if (!pith_user_access_ok(value, sizeof(v)) || !pith_user_readable(value, sizeof(v)))
		return -EFAULT;
	v = *value;
	if (ovalue &&
	    (!pith_user_access_ok(ovalue, sizeof(v)) || !pith_user_writable(ovalue, sizeof(v))))
		return -EFAULT;
	p = ptimer_get(id);
	if (!p || !itimerspec_ok(&v))
		return -EINVAL;
	now = pith_time_monotonic_ns();
	if (ovalue)
		*ovalue = ptimer_get_spec(p, now);
	ptimer_set(p, &v, flags, now);
	return 0;
}

PITH_SYSCALL2(timer_gettime, int, id, struct itimerspec *, value)
{
	struct ptimer *p = ptimer_get(id);

	if (!p)
		return -EINVAL;
	if (!pith_user_access_ok(value, sizeof(*value)) ||
	    !pith_user_writable(value, sizeof(*value)))
		return -EFAULT;
	*value = ptimer_get_spec(p, pith_time_monotonic_ns());
	return 0;
}

PITH_SYSCALL1(timer_getoverrun, int, id)
{
	struct ptimer *p = ptimer_get(id);

	return p ? p->overrun_last : -EINVAL;
}
