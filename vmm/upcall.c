/* Upcalls, the checks and frames: setup validation, frame placement, when to interrupt. */
#include "upcall.h"

#include <errno.h>
#include <string.h>

/* Whether [start, end) lies in one user-executable segment of an image (not a monitor page). */
static bool code__contains(const struct layout *l, uint64_t start, uint64_t end)
{
	const struct layout_range *r = layout__find(l, start);

	if (!r || start >= end || r->kind != LAYOUT_SEGMENT)
		return false;
	return (r->prot & (LAYOUT_X | LAYOUT_USER)) == (LAYOUT_X | LAYOUT_USER) && end <= r->end;
}

static bool shared__valid(const struct guest_mem *mem, uint64_t shared)
{
	return shared % 64 == 0 &&
	       guest_mem__ptr_rw(mem, shared, sizeof(struct pith_sched_shared)) != NULL;
}

static bool fault_stack__valid(const struct guest_mem *mem, uint64_t top)
{
	return top % 16 == 0 && top >= PITH_FAULT_STACK_MIN &&
	       guest_mem__ptr_rw(mem, top - PITH_FAULT_STACK_MIN, PITH_FAULT_STACK_MIN) != NULL;
}

int upcall__check_setup(const struct guest_mem *mem, const struct layout *l,
			const struct pith_hc_sched_setup *s)
{
	if (s->reserved || !shared__valid(mem, s->shared) ||
	    !code__contains(l, s->upcall, s->upcall + 1) ||
	    !code__contains(l, s->crit_start, s->crit_end) ||
	    !fault_stack__valid(mem, s->fault_stack))
		return -EINVAL;
	return 0;
}

void upcall__init(struct upcall_state *st, const struct pith_hc_sched_setup *s)
{
	memset(st, 0, sizeof(*st));
	st->shared = s->shared;
	st->entry = s->upcall;
	st->fault_stack = s->fault_stack;
	st->crit_start = s->crit_start;
	st->crit_end = s->crit_end;
}

int upcall__frame_addr(uint64_t rsp, uint64_t *frame)
{
	uint64_t below = PITH_UPCALL_REDZONE + sizeof(struct pith_upcall_frame);

	if (rsp < below)
		return -1;
	*frame = rsp - below;
	return 0;
}

enum upcall_action upcall__decide(const struct upcall_state *st, uint32_t masked, uint64_t rip)
{
	if (masked)
		return UPCALL_DEFER;
	if (rip >= st->crit_start && rip < st->crit_end)
		return UPCALL_RETRY;
	return UPCALL_INJECT;
}

bool upcall__fault_allowed(const struct upcall_state *st, const struct pith_sched_shared *sh,
			   unsigned vector, uint64_t rsp)
{
	uint64_t lo = st->fault_stack - PITH_FAULT_STACK_MIN;

	if (sh->masked || vector >= 32 || !(sh->fault_vectors >> vector & 1))
		return false;
	return rsp < lo || rsp > st->fault_stack; /* a fault in a fault handler is fatal */
}

uint64_t upcall__first_unwritable(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return gpa;
	while (gpa < end) {
		uint64_t page_end = (gpa | (PITH_PAGE_SIZE - 1)) + 1;
		uint64_t n = (page_end < end ? page_end : end) - gpa;

		if (!guest_mem__ptr_rw(mem, gpa, n))
			return gpa;
		gpa += n;
	}
	return UINT64_MAX;
}

void upcall__frame_fill(struct pith_upcall_frame *f, const struct kvm_regs *r, uint64_t reason,
			uint64_t vector, uint64_t error_code, uint64_t cr2)
{
	*f = (struct pith_upcall_frame){.reason = reason,
					.vector = vector,
					.error_code = error_code,
					.cr2 = cr2,
					.rax = r->rax,
					.rbx = r->rbx,
					.rcx = r->rcx,
					.rdx = r->rdx,
					.rsi = r->rsi,
					.rdi = r->rdi,
					.rbp = r->rbp,
					.r8 = r->r8,
					.r9 = r->r9,
					.r10 = r->r10,
					.r11 = r->r11,
					.r12 = r->r12,
					.r13 = r->r13,
					.r14 = r->r14,
					.r15 = r->r15,
					.rflags = r->rflags,
					.rsp = r->rsp,
					.rip = r->rip};
}

int upcall__frame_write(const struct guest_mem *mem, uint64_t gpa,
			const struct pith_upcall_frame *f)
{
	void *p = guest_mem__ptr_rw(mem, gpa, sizeof(*f));

	if (!p)
		return -1;
	memcpy(p, f, sizeof(*f));
	return 0;
}

void upcall__enter_regs(const struct upcall_state *st, struct kvm_regs *r, uint64_t frame)
{
	r->rip = st->entry;
	r->rsp = frame;
	r->rdi = frame;
	r->rflags = st->rflags;
}
