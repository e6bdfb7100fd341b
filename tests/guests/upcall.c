/* Test guest: upcalls (PITH_HC_SCHED_SETUP, PITH_HC_TIMER): timer, deferral, signals, faults. */
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, 0);
GUEST_START();

static _Alignas(64) struct pith_sched_shared shared;
static _Alignas(16) uint8_t fault_stack[32 << 10];
static volatile uint64_t upcalls[8]; /* by reason */
static volatile uint64_t last_rip, last_vector, last_cr2, last_error;
static volatile int rearm; /* the timer handler asks for another timer upcall */
static uint64_t tsc_hz;

void upcall_entry(void);
extern const char crit_start[], crit_end[];

/*
 * The entry: RSP = RDI = the frame. on_upcall returns the frame to return through, placed
 * 128 + sizeof(frame) below the interrupted RSP (a fault frame is copied there first). The
 * return sequence, [crit_start, crit_end), clears masked, restores every register from the
 * frame, then RSP, and jumps to the frame's RIP, which is at RSP - 136 (abi.h): the monitor
 * retries an upcall that lands inside it, so nothing overwrites that frame meanwhile.
 */
__asm__(".text\n.globl upcall_entry\nupcall_entry:\n"
	"and $-16, %rsp\n"
	"call on_upcall\n"
	"mov %rax, %rsp\n"
	".globl crit_start\ncrit_start:\n"
	"movl $0, shared(%rip)\n"
	"mov 32(%rsp), %rax\nmov 40(%rsp), %rbx\nmov 48(%rsp), %rcx\nmov 56(%rsp), %rdx\n"
	"mov 64(%rsp), %rsi\nmov 72(%rsp), %rdi\nmov 80(%rsp), %rbp\nmov 88(%rsp), %r8\n"
	"mov 96(%rsp), %r9\nmov 104(%rsp), %r10\nmov 112(%rsp), %r11\nmov 120(%rsp), %r12\n"
	"mov 128(%rsp), %r13\nmov 136(%rsp), %r14\nmov 144(%rsp), %r15\n"
	"lea 152(%rsp), %rsp\n"
	"popfq\n"
	"mov (%rsp), %rsp\n"
	"jmp *-136(%rsp)\n"
	".globl crit_end\ncrit_end:\n");

static int hc_timer(uint64_t ns)
{
	struct pith_hc_timer t = {.timeout_ns = ns};

	hc_call(PITH_HC_TIMER, &t);
	return t.status;
}

static void put_u64(const char *what, uint64_t v)
{
	char buf[24];
	int n = 0;

	guest_puts(1, what);
	do
		buf[sizeof(buf) - 1 - n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	guest_write(1, buf + sizeof(buf) - n, (size_t)n);
	guest_puts(1, "\n");
}

/* Called on the entry's stack with masked = 1. */
__attribute__((used)) struct pith_upcall_frame *on_upcall(struct pith_upcall_frame *f)
{
	struct pith_upcall_frame *ret =
	    (struct pith_upcall_frame *)(uintptr_t)(f->rsp - 128 - sizeof(*f));

	upcalls[f->reason & 7]++;
	last_rip = f->rip;
	if (f->reason == PITH_UPCALL_FAULT) {
		last_vector = f->vector;
		last_cr2 = f->cr2;
		last_error = f->error_code;
		f->rip += f->vector == 6 ? 2 : 3; /* past the ud2 or the 3-byte load */
		*ret = *f;
		return ret;
	}
	if (f->reason == PITH_UPCALL_TIMER && rearm)
		hc_timer(1000000);
	return f;
}

static int setup(void)
{
	struct pith_hc_sched_setup s = {.shared = (uintptr_t)&shared,
					.upcall = (uintptr_t)upcall_entry,
					.fault_stack =
					    (uintptr_t)(fault_stack + sizeof(fault_stack)),
					.crit_start = (uintptr_t)crit_start,
					.crit_end = (uintptr_t)crit_end,
					.status = 1};

	hc_call(PITH_HC_SCHED_SETUP, &s);
	return s.status;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Spin (no exits) until *done is nonzero or ms have passed; 1 if done. */
static int spin_until(volatile uint64_t *done, uint64_t ms)
{
	uint64_t end = rdtsc() + tsc_hz / 1000 * ms;

	while (!*done && rdtsc() < end)
		__asm__ volatile("pause");
	return *done != 0;
}

/* Three timer upcalls (the handler re-arms), then none once cancelled. */
static int mode_timer(void)
{
	volatile uint64_t never = 0;
	uint64_t end = rdtsc() + tsc_hz * 2, n;

	rearm = 1;
	hc_timer(1000000);
	while (upcalls[PITH_UPCALL_TIMER] < 3 && rdtsc() < end)
		__asm__ volatile("pause");
	rearm = 0;
	hc_timer(0);
	if (upcalls[PITH_UPCALL_TIMER] < 3)
		return guest_puts(1, "upcall: fewer than 3 timer upcalls in 2 s\n"), 1;
	guest_puts(1, "upcall: 3 timer upcalls\n");
	n = upcalls[PITH_UPCALL_TIMER];
	spin_until(&never, 20);
	put_u64("upcall: timer upcalls after the cancel: ", upcalls[PITH_UPCALL_TIMER] - n);
	return 0;
}

static int mode_none(void)
{
	volatile uint64_t never = 0;

	hc_timer(0);
	spin_until(&never, 100);
	put_u64("upcall: upcalls without a timer: ", upcalls[1] + upcalls[2] + upcalls[4]);
	return 0;
}

static int mode_masked(void)
{
	volatile uint64_t never = 0;

	shared.masked = 1;
	hc_timer(1000000);
	spin_until(&never, 50);
	put_u64("upcall: upcalls while masked: ", upcalls[PITH_UPCALL_TIMER]);
	put_u64("upcall: pending: ", __atomic_exchange_n(&shared.pending, 0, __ATOMIC_SEQ_CST));
	shared.masked = 0;
	return 0;
}

static int mode_fault(void)
{
	shared.fault_vectors = 1u << 6 | 1u << 14;
	__asm__ volatile("ud2" ::: "memory");
	put_u64("upcall: fault vector ", last_vector);
	__asm__ volatile("mov (%%rax), %%rax" : : "a"(0) : "memory"); /* 48 8b 00 */
	put_u64("upcall: fault vector ", last_vector);
	put_u64("upcall: fault cr2 ", last_cr2);
	put_u64("upcall: fault error ", last_error);
	put_u64("upcall: faults ", upcalls[PITH_UPCALL_FAULT]);
	return 0;
}

static int mode_signal(void)
{
	guest_puts(1, "upcall: ready\n");
	if (!spin_until(&upcalls[PITH_UPCALL_SIGNAL], 10000))
		return guest_puts(1, "upcall: no signal upcall in 10 s\n"), 1;
	put_u64("upcall: host signals ",
		__atomic_exchange_n(&shared.host_signals, 0, __ATOMIC_SEQ_CST));
	return 0;
}

/* The kernel's way: masked while it waits; the signal ends the wait and lands in pending. */
static int mode_wait_signal(void)
{
	struct pith_hc_wait w = {.timeout_ns = 10000000000ULL};
	uint64_t t0;

	shared.masked = 1;
	guest_puts(1, "upcall: ready\n");
	t0 = rdtsc();
	hc_call(PITH_HC_WAIT, &w);
	put_u64("upcall: waited ms < 5000: ", (rdtsc() - t0) / (tsc_hz / 1000) < 5000);
	put_u64("upcall: pending: ", __atomic_exchange_n(&shared.pending, 0, __ATOMIC_SEQ_CST));
	put_u64("upcall: host signals ", shared.host_signals);
	return 0;
}

/* RSP in read-only code when the timer fires: no room for the frame. */
static int mode_stack(void)
{
	hc_timer(1000000);
	__asm__ volatile("lea crit_start(%%rip), %%rsp\n1: pause\njmp 1b" ::: "memory");
	return 1;
}

int guest_main(const struct pith_boot_info *bi)
{
	const char *mode = guest_arg(bi, 1);
	int st;

	tsc_hz = bi->tsc_hz;
	if (guest_streq(mode, "bootinfo")) {
		put_u64("upcall: timeslice_ns ", bi->timeslice_ns);
		put_u64("upcall: xsave_features ", bi->xsave_features);
		put_u64("upcall: xsave_size ", bi->xsave_size);
		return 0;
	}
	if (guest_streq(mode, "timer-before-setup"))
		return put_u64("upcall: timer before setup: -", (uint64_t)-hc_timer(1000)), 0;
	st = setup();
	if (st)
		return put_u64("upcall: setup failed: -", (uint64_t)-st), 1;
	if (setup() != -16)
		return guest_puts(1, "upcall: a second setup did not fail with -EBUSY\n"), 1;
	if (guest_streq(mode, "timer"))
		return mode_timer();
	if (guest_streq(mode, "none"))
		return mode_none();
	if (guest_streq(mode, "masked"))
		return mode_masked();
	if (guest_streq(mode, "fault"))
		return mode_fault();
	if (guest_streq(mode, "signal"))
		return mode_signal();
	if (guest_streq(mode, "wait-signal"))
		return mode_wait_signal();
	if (guest_streq(mode, "stack"))
		return mode_stack();
	guest_puts(1, "upcall: unknown mode\n");
	return 1;
}
