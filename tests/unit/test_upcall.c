/* Upcalls on the host: setup checks, frame placement, deferral, the timer and hostile calls. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "test.h"
#include "upcall.h"
#include "vm.h"

#define MEM_SIZE   (4ULL << 20)
#define TEXT_LO	   0x100000ULL /* R X user segment */
#define TEXT_HI	   0x102000ULL
#define RODATA_HI  0x103000ULL /* R user segment, read-only */
#define DATA_HI	   0x104000ULL /* R W user segment */
#define HEAP_HI	   0x300000ULL
#define SHARED	   0x104000ULL
#define FSTACK_TOP 0x200000ULL
#define ARGS	   0x2f0000ULL /* hypercall structs */

static _Alignas(4096) uint8_t mem_bytes[MEM_SIZE];
static char last_error[512];

/* Stands in for vmm/crash.c (which needs a whole VM): records the message. */
int crash__guest_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return PITH_EXIT_CRASH;
}

static void vm__init(struct vm *vm, struct vmm_config *cfg)
{
	static const struct layout_range r[] = {
	    {0, 0x1000, 0, LAYOUT_NULL_PAGE},
	    {0x1000, 0x5000, LAYOUT_R, LAYOUT_MONITOR},
	    {0x5000, 0x6000, LAYOUT_R | LAYOUT_X | LAYOUT_USER, LAYOUT_MONITOR}, /* syscall stub */
	    {0x80000, 0x100000, LAYOUT_R | LAYOUT_USER, LAYOUT_BOOTINFO},
	    {TEXT_LO, TEXT_HI, LAYOUT_R | LAYOUT_X | LAYOUT_USER, LAYOUT_SEGMENT},
	    {TEXT_HI, RODATA_HI, LAYOUT_R | LAYOUT_USER, LAYOUT_SEGMENT},
	    {RODATA_HI, DATA_HI, LAYOUT_R | LAYOUT_W | LAYOUT_USER, LAYOUT_SEGMENT},
	    {DATA_HI, HEAP_HI, LAYOUT_R | LAYOUT_W | LAYOUT_USER, LAYOUT_HEAP},
	};

	memset(mem_bytes, 0, sizeof(mem_bytes));
	*vm = (struct vm){.cfg = cfg};
	vm->mem =
	    (struct guest_mem){.base = mem_bytes, .size = MEM_SIZE, .user_lo = PITH_BOOTINFO_BASE};
	guest_mem__protect(&vm->mem, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END);
	guest_mem__protect(&vm->mem, TEXT_LO, RODATA_HI);
	memcpy(vm->layout.r, r, sizeof(r));
	vm->layout.n = sizeof(r) / sizeof(r[0]);
	vm->layout.mem_size = MEM_SIZE;
}

static struct pith_hc_sched_setup setup__good(void)
{
	return (struct pith_hc_sched_setup){.shared = SHARED,
					    .upcall = TEXT_LO + 0x10,
					    .fault_stack = FSTACK_TOP,
					    .crit_start = TEXT_LO + 0x100,
					    .crit_end = TEXT_LO + 0x120};
}

/* Each field made bad in turn: -EINVAL. */
static void test_check_setup(void)
{
	struct vmm_config cfg = {0};
	struct vm vm;
	struct pith_hc_sched_setup s;

	vm__init(&vm, &cfg);
#define BAD(field, value)                                                                          \
	do {                                                                                       \
		s = setup__good();                                                                 \
		s.field = (value);                                                                 \
		CHECKF(upcall__check_setup(&vm.mem, &vm.layout, &s) == -EINVAL, "%s = %#llx",      \
		       #field, (unsigned long long)(value));                                       \
	} while (0)
	s = setup__good();
	CHECK(upcall__check_setup(&vm.mem, &vm.layout, &s) == 0);
	BAD(shared, SHARED + 8);	     /* not 64-byte aligned */
	BAD(shared, TEXT_LO);		     /* read-only (code) */
	BAD(shared, PITH_BOOTINFO_BASE);     /* the boot info */
	BAD(shared, 0x2000);		     /* monitor memory */
	BAD(shared, MEM_SIZE);		     /* past the end of RAM */
	BAD(shared, ~0ULL - 63);	     /* wraps */
	BAD(upcall, RODATA_HI);		     /* data, not code */
	BAD(upcall, 0x5000);		     /* the monitor's user-executable syscall stub */
	BAD(upcall, HEAP_HI + 0x1000);	     /* unmapped */
	BAD(crit_end, TEXT_LO + 0x100);	     /* empty */
	BAD(crit_end, TEXT_LO + 0xff);	     /* reversed */
	BAD(crit_end, TEXT_HI + 1);	     /* runs out of the text */
	BAD(crit_start, RODATA_HI);	     /* starts in data */
	BAD(crit_end, ~0ULL);		     /* huge */
	BAD(fault_stack, FSTACK_TOP + 8);    /* not 16-byte aligned */
	BAD(fault_stack, 0x1000);	     /* less than PITH_FAULT_STACK_MIN below it */
	BAD(fault_stack, TEXT_LO + 0x3000);  /* read-only bytes below it */
	BAD(fault_stack, MEM_SIZE + 0x1000); /* outside RAM */
	BAD(fault_stack, 0);
	BAD(reserved, 1);
#undef BAD
}

static void test_frame_placement(void)
{
	uint64_t f = 0;

	CHECK_U64(sizeof(struct pith_upcall_frame), 176);
	CHECK(upcall__frame_addr(0x10000, &f) == 0);
	CHECK_U64(f, 0x10000 - 128 - 176);
	/* `rip`, the last field, is at RSP - 136 (abi.h) */
	CHECK_U64(f + offsetof(struct pith_upcall_frame, rip), 0x10000 - 136);
	CHECK(upcall__frame_addr(128 + 176, &f) == 0 && f == 0);
	CHECK(upcall__frame_addr(128 + 175, &f) < 0);
	CHECK(upcall__frame_addr(0, &f) < 0);
}

static void test_first_unwritable(void)
{
	struct vmm_config cfg = {0};
	struct vm vm;

	vm__init(&vm, &cfg);
	CHECK_U64(upcall__first_unwritable(&vm.mem, 0x200000, 168), UINT64_MAX);
	/* starting in read-only data: its first byte */
	CHECK_U64(upcall__first_unwritable(&vm.mem, RODATA_HI - 8, 168), RODATA_HI - 8);
	/* writable, then read-only: where the read-only part starts */
	guest_mem__protect(&vm.mem, 0x250000, 0x251000);
	CHECK_U64(upcall__first_unwritable(&vm.mem, 0x250000 - 100, 168), 0x250000);
	CHECK_U64(upcall__first_unwritable(&vm.mem, MEM_SIZE - 100, 168), MEM_SIZE);
	CHECK_U64(upcall__first_unwritable(&vm.mem, 0x1000, 168), 0x1000);
	CHECK_U64(upcall__first_unwritable(&vm.mem, ~0ULL - 10, 168), ~0ULL - 10);
}

static void test_frame_fill_write(void)
{
	struct vmm_config cfg = {0};
	struct kvm_regs r = {.rax = 1,
			     .rbx = 2,
			     .rcx = 3,
			     .rdx = 4,
			     .rsi = 5,
			     .rdi = 6,
			     .rsp = 0x200000,
			     .rbp = 7,
			     .r8 = 8,
			     .r9 = 9,
			     .r10 = 10,
			     .r11 = 11,
			     .r12 = 12,
			     .r13 = 13,
			     .r14 = 14,
			     .r15 = 15,
			     .rip = TEXT_LO + 4,
			     .rflags = 0x246};
	struct upcall_state st = {.entry = TEXT_LO + 0x10, .rflags = 0x202};
	struct pith_upcall_frame f, back;
	struct vm vm;

	vm__init(&vm, &cfg);
	upcall__frame_fill(&f, &r, PITH_UPCALL_FAULT, 14, 6, 0x1234);
	CHECK(f.reason == PITH_UPCALL_FAULT && f.vector == 14 && f.error_code == 6 &&
	      f.cr2 == 0x1234);
	CHECK(f.rax == 1 && f.rbx == 2 && f.rcx == 3 && f.rdx == 4 && f.rsi == 5 && f.rdi == 6 &&
	      f.rbp == 7 && f.r8 == 8 && f.r9 == 9 && f.r10 == 10 && f.r11 == 11 && f.r12 == 12 &&
	      f.r13 == 13 && f.r14 == 14 && f.r15 == 15);
	CHECK(f.rsp == 0x200000 && f.rip == TEXT_LO + 4 && f.rflags == 0x246);
	CHECK(upcall__frame_write(&vm.mem, 0x1fff00, &f) == 0);
	memcpy(&back, mem_bytes + 0x1fff00, sizeof(back));
	CHECK(memcmp(&back, &f, sizeof(f)) == 0);
	CHECK(upcall__frame_write(&vm.mem, TEXT_LO, &f) < 0);
	CHECK(upcall__frame_write(&vm.mem, MEM_SIZE - 8, &f) < 0);
	upcall__enter_regs(&st, &r, 0x1fff00);
	CHECK(r.rip == TEXT_LO + 0x10 && r.rsp == 0x1fff00 && r.rdi == 0x1fff00 &&
	      r.rflags == 0x202 && r.rax == 1 && r.r15 == 15);
}

static void test_decide(void)
{
	struct upcall_state st = {.crit_start = 0x100100, .crit_end = 0x100120};

	CHECK(upcall__decide(&st, 1, 0x100000) == UPCALL_DEFER);
	CHECK(upcall__decide(&st, 7, 0x100100) == UPCALL_DEFER); /* masked wins */
	CHECK(upcall__decide(&st, 0, 0x100100) == UPCALL_RETRY);
	CHECK(upcall__decide(&st, 0, 0x10011f) == UPCALL_RETRY);
	CHECK(upcall__decide(&st, 0, 0x100120) == UPCALL_INJECT);
	CHECK(upcall__decide(&st, 0, 0x1000ff) == UPCALL_INJECT);
}

static void test_fault_allowed(void)
{
	struct upcall_state st = {.fault_stack = FSTACK_TOP};
	struct pith_sched_shared sh = {.fault_vectors = 1u << 14 | 1u << 0};

	CHECK(upcall__fault_allowed(&st, &sh, 14, 0x300000));
	CHECK(upcall__fault_allowed(&st, &sh, 0, 0x100));
	CHECK(!upcall__fault_allowed(&st, &sh, 13, 0x300000)); /* not asked for */
	CHECK(!upcall__fault_allowed(&st, &sh, 32, 0x300000));
	CHECK(!upcall__fault_allowed(&st, &sh, 14, FSTACK_TOP - 8)); /* on the fault stack */
	CHECK(!upcall__fault_allowed(&st, &sh, 14, FSTACK_TOP - PITH_FAULT_STACK_MIN));
	CHECK(upcall__fault_allowed(&st, &sh, 14, FSTACK_TOP - PITH_FAULT_STACK_MIN - 8));
	sh.masked = 1;
	CHECK(!upcall__fault_allowed(&st, &sh, 14, 0x300000)); /* in the kernel: fatal */
}

/* One `outl` of ARGS to port through the dispatcher; the struct is at ARGS in guest memory. */
static int call(struct vm *vm, uint16_t port, const void *arg, size_t len)
{
	static _Alignas(8) unsigned char area[4096];
	uint32_t addr = ARGS;

	memset(area, 0, sizeof(area));
	vm->kvm.run = (struct kvm_run *)area;
	vm->kvm.run->exit_reason = KVM_EXIT_IO;
	vm->kvm.run->io.direction = KVM_EXIT_IO_OUT;
	vm->kvm.run->io.size = 4;
	vm->kvm.run->io.port = port;
	vm->kvm.run->io.count = 1;
	vm->kvm.run->io.data_offset = 2048;
	memcpy(area + 2048, &addr, sizeof(addr));
	memcpy(mem_bytes + ARGS, arg, len);
	last_error[0] = 0;
	return hypercall__dispatch(vm, vm->kvm.run);
}

static int32_t setup_status(struct vm *vm, struct pith_hc_sched_setup s)
{
	s.status = 12345;
	if (call(vm, PITH_HC_SCHED_SETUP, &s, sizeof(s)) != HC_RESUME)
		return 999;
	memcpy(&s, mem_bytes + ARGS, sizeof(s));
	return s.status;
}

static int32_t timer_status(struct vm *vm, uint64_t ns, uint32_t reserved)
{
	struct pith_hc_timer t = {.timeout_ns = ns, .status = 12345, .reserved = reserved};

	if (call(vm, PITH_HC_TIMER, &t, sizeof(t)) != HC_RESUME)
		return 999;
	memcpy(&t, mem_bytes + ARGS, sizeof(t));
	return t.status;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The hypercalls through the dispatcher: hostile arguments, once only, the real timer. */
static void test_hypercalls(void)
{
	struct vmm_config cfg = {0};
	struct pith_hc_sched_setup s = setup__good();
	char err[256];
	struct vm vm;

	vm__init(&vm, &cfg);
	CHECK_U64((uint64_t)timer_status(&vm, 1000, 0), (uint64_t)-EINVAL); /* before setup */
	CHECK(setup_status(&vm, s) == -EINVAL); /* no timer created yet: refused */
	CHECK(upcall_timer__create(err, sizeof(err)) == 0);
	s.shared = SHARED + 4;
	CHECK(setup_status(&vm, s) == -EINVAL && !vm.upcall);
	s = setup__good();
	s.crit_start = s.crit_end;
	CHECK(setup_status(&vm, s) == -EINVAL && !vm.upcall);
	CHECK(setup_status(&vm, setup__good()) == 0 && vm.upcall);
	CHECK(vm.upcall && vm.upcall->entry == TEXT_LO + 0x10 && vm.upcall->rflags == 0x202);
	CHECK(setup_status(&vm, setup__good()) == -EBUSY);
	CHECK_U64((uint64_t)timer_status(&vm, 1000, 7), (uint64_t)-EINVAL); /* reserved */
	CHECK(timer_status(&vm, 0, 0) == 0);
	CHECK(!upcall_timer__take());
	CHECK(timer_status(&vm, 1000000, 0) == 0); /* 1 ms */
	sleep_ms(20);
	CHECK(upcall_timer__take());  /* the signal came to this thread */
	CHECK(!upcall_timer__take()); /* one-shot, and taken */
	CHECK(timer_status(&vm, 50000000, 0) == 0 && timer_status(&vm, 0, 0) == 0);
	sleep_ms(80);
	CHECK(!upcall_timer__take()); /* cancelled */
	CHECK(timer_status(&vm, ~0ULL, 0) == 0 && timer_status(&vm, 0, 0) == 0);
	CHECK(vm.upcall && vm.upcall->stats.timer_arms == 3 && vm.upcall->stats.timer_cancels == 3);
	/* a struct the guest cannot write: a guest error, not a write into its code */
	vm.kvm.run->io.port = PITH_HC_TIMER;
	memcpy((uint8_t *)vm.kvm.run + 2048, &(uint32_t){TEXT_LO}, 4);
	CHECK(hypercall__dispatch(&vm, vm.kvm.run) == PITH_EXIT_CRASH);
	CHECK_CONTAINS(last_error, "where the guest cannot write");
}

int main(void)
{
	test_check_setup();
	test_frame_placement();
	test_first_unwritable();
	test_frame_fill_write();
	test_decide();
	test_fault_allowed();
	test_hypercalls();
	return test__done();
}
