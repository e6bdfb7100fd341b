/* Upcalls: PITH_HC_SCHED_SETUP, the C handler, faults, resuming contexts, calls on a stack. */
#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"
#include "core/counter.h"
#include "core/kstate.h"
#include "sched/frame.h"
#include "sched/internal.h"

PITH_COUNTER(sched_upcalls_timer);
PITH_COUNTER(sched_upcalls_signal);
PITH_COUNTER(sched_upcalls_fault);

_Static_assert(offsetof(struct pith_upcall_frame, rax) == PITH_UF_RAX, "frame.h");
_Static_assert(offsetof(struct pith_upcall_frame, rbp) == PITH_UF_RBP, "frame.h");
_Static_assert(offsetof(struct pith_upcall_frame, r8) == PITH_UF_R8, "frame.h");
_Static_assert(offsetof(struct pith_upcall_frame, r15) == PITH_UF_R15, "frame.h");
_Static_assert(offsetof(struct pith_upcall_frame, rflags) == PITH_UF_RFLAGS, "frame.h");
_Static_assert(offsetof(struct pith_upcall_frame, rsp) == PITH_UF_RSP, "frame.h");
_Static_assert(offsetof(struct pith_upcall_frame, rip) == PITH_UF_RIP, "frame.h");
_Static_assert(sizeof(struct pith_upcall_frame) == PITH_UF_SIZE, "frame.h");
_Static_assert(PITH_UF_BELOW_RSP - PITH_UF_RIP == 136, "upcall.S jumps through RSP - 136");

uint64_t pith_sched_xsave_features;
uint32_t pith_sched_xsave_size;

/* Fault upcalls arrive here (PITH_FAULT_STACK_MIN bytes). */
static uint8_t fault_stack[PITH_FAULT_STACK_MIN] __attribute__((aligned(64)));
/* Where a fault is handled when the faulting stack has no room (a stack overflow). */
#define SPARE_STACK_SIZE (16u << 10)
static uint8_t spare_stack[SPARE_STACK_SIZE] __attribute__((aligned(64)));

/* Room a fault's handling needs below the faulting RSP's red zone to run there. */
#define FAULT_ROOM (16u << 10)

/* pith_frame_resume (upcall.S): resume f with the extended state of xsave (NULL: current). */
__attribute__((noreturn)) void pith_frame_resume(const struct pith_upcall_frame *f,
						 const void *xsave);

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* xsave's features and area size: boot info's, else what the CPU says (XCR0, CPUID 0xD.0). */
static void xsave_init(const struct pith_boot_info *bi)
{
	pith_sched_xsave_features = bi->xsave_features ? bi->xsave_features : xgetbv0();
	pith_sched_xsave_size = bi->xsave_size ? bi->xsave_size : pith_cpuid(0xd, 0).ebx;
	PITH_ASSERT_MSG(pith_sched_xsave_size >= 576, "xsave area smaller than its header");
}

void pith_sched_fault_stack(uint64_t *base, uint64_t *top)
{
	*base = (uint64_t)(uintptr_t)fault_stack;
	*top = *base + sizeof(fault_stack);
}

bool pith_upcall_setup(void)
{
	struct pith_hc_sched_setup call = {
	    .shared = (uint64_t)(uintptr_t)&pith_shared,
	    .upcall = (uint64_t)(uintptr_t)pith_upcall_entry,
	    .crit_start = (uint64_t)(uintptr_t)pith_upcall_crit_start,
	    .crit_end = (uint64_t)(uintptr_t)pith_upcall_crit_end,
	};
	uint64_t base;

	xsave_init(pith_boot_info);
	pith_sched_fault_stack(&base, &call.fault_stack);
	pith_hypercall(PITH_HC_SCHED_SETUP, &call);
	return call.status == 0;
}

/*
 * Act on every pending event (f is the interrupted context, which signal handlers see and may
 * change), then leave the kernel; an event the monitor deferred meanwhile is handled too.
 */
static void upcall_finish(struct pith_upcall_frame *f, uint32_t bits)
{
	for (;;) {
		bits |= __atomic_exchange_n(&pith_shared.pending, 0, __ATOMIC_SEQ_CST);
		if (bits) {
			pith_sched_pending(bits, true);
			if ((bits & PITH_PENDING_SIGNAL) && pith_signal_upcall)
				pith_signal_upcall(f);
			bits = 0;
			continue;
		}
		__atomic_store_n(&pith_shared.masked, 0, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&pith_shared.pending, __ATOMIC_SEQ_CST))
			return;
		__atomic_store_n(&pith_shared.masked, 1, __ATOMIC_SEQ_CST);
	}
}

__attribute__((noreturn)) static void fault_run(long frame, long b, long c)
{
	(void)b, (void)c;
	if (pith_signal_fault)
		pith_signal_fault((struct pith_upcall_frame *)frame);
	pith_panic("a fault upcall without the signal component");
}

/*
 * A fault: off the fault stack (a fault in the handler would land there again), onto the
 * faulting stack below its red zone if it has room, else the spare stack; the frame is copied
 * to the top of that stack and given to the signal component, which never returns.
 */
__attribute__((noreturn)) static void upcall_fault(const struct pith_upcall_frame *f)
{
	uint64_t top = f->rsp - PITH_UPCALL_REDZONE;
	struct pith_upcall_frame *copy;

	if (f->rsp < FAULT_ROOM + PITH_UPCALL_REDZONE ||
	    !pith_user_writable((void *)(uintptr_t)(top - FAULT_ROOM), FAULT_ROOM))
		top = (uint64_t)(uintptr_t)(spare_stack + SPARE_STACK_SIZE);
	top = (top - sizeof(*copy)) & ~63ull;
	copy = (struct pith_upcall_frame *)(uintptr_t)top;
	*copy = *f;
	pith_stack_call((void (*)(long, long, long))fault_run, (long)top, 0, 0, top);
	__builtin_unreachable();
}

void pith_upcall_handler(struct pith_upcall_frame *f)
{
	switch (f->reason) {
	case PITH_UPCALL_FAULT:
		PITH_COUNT(sched_upcalls_fault);
		upcall_fault(f);
	case PITH_UPCALL_TIMER:
		PITH_COUNT(sched_upcalls_timer);
		break;
	default:
		PITH_COUNT(sched_upcalls_signal);
		break;
	}
	upcall_finish(f, (uint32_t)f->reason & (PITH_UPCALL_TIMER | PITH_UPCALL_SIGNAL));
}

void pith_context_resume(const struct pith_upcall_frame *f, const void *xsave_area)
{
	struct pith_upcall_frame copy = *f;

	if (!__atomic_load_n(&pith_shared.masked, __ATOMIC_SEQ_CST))
		__atomic_store_n(&pith_shared.masked, 1, __ATOMIC_SEQ_CST);
	upcall_finish(&copy, 0);
	pith_frame_resume(&copy, xsave_area);
}

void pith_call_on_stack(void (*fn)(long, long, long), long a, long b, long c, uint64_t stack_top)
{
	uint32_t masked = __atomic_load_n(&pith_shared.masked, __ATOMIC_SEQ_CST);

	__atomic_store_n(&pith_shared.masked, 0, __ATOMIC_SEQ_CST);
	pith_stack_call(fn, a, b, c, stack_top);
	__atomic_store_n(&pith_shared.masked, masked, __ATOMIC_SEQ_CST);
}
