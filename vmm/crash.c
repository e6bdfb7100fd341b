/* Crash reports: what the guest did wrong, its registers and a symbolized backtrace. */
#include "crash.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pith/abi.h>

#include "hypercall.h"
#include "print.h"
#include "upcall.h"
#include "vm.h"
#include "x86_64/desc.h"

#define BACKTRACE_LINES_MAX 32	  /* lines printed */
#define BACKTRACE_WALK_MAX  65536 /* frames followed (recursion is folded) */

/* Page-fault error code bits (Intel SDM Vol. 3A, 4.7). */
#define PF_P	(1u << 0)
#define PF_W	(1u << 1)
#define PF_RSVD (1u << 3)
#define PF_I	(1u << 4)

/* Vectors that push an error code (SDM Vol. 3A, table 6-1). */
#define VEC_ERRCODE                                                                                \
	((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 17) | \
	 (1u << 21) | (1u << 29) | (1u << 30))
#define VEC_GP 13
#define VEC_PF 14

/* clang-format off */
static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range exceeded", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack-segment fault", "#GP general protection",
	"#PF page fault", "reserved exception 15", "#MF x87 floating-point error",
	"#AC alignment check", "#MC machine check", "#XM SIMD floating-point exception",
	"#VE virtualization exception", "#CP control protection", "reserved exception 22",
	"reserved exception 23", "reserved exception 24", "reserved exception 25",
	"reserved exception 26", "reserved exception 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved exception 31",
};
/* clang-format on */

/* The frame the CPU pushed on the IST stack (SDM Vol. 3A, 6.14.2). */
struct trap_frame {
	uint64_t error, rip, cs, rflags, rsp, ss;
};

int crash__guest_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print__err("pith: guest error: %s; guest stopped\n", msg);
	return PITH_EXIT_CRASH;
}

static void regs__print(const struct kvm_regs *r)
{
	print__err(
	    "  rip %016llx  rsp %016llx  rflags %016llx\n  rax %016llx  rbx %016llx  rcx %016llx\n "
	    " rdx %016llx  rsi %016llx  rdi %016llx\n  rbp %016llx  r8  %016llx  r9  %016llx\n  "
	    "r10 %016llx  r11 %016llx  r12 %016llx\n  r13 %016llx  r14 %016llx  r15 %016llx\n",
	    r->rip, r->rsp, r->rflags, r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp,
	    r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15);
}

static const char *symbol__find(const struct vm *vm, uint64_t addr, uint64_t *off)
{
	const char *name = elf_image__symbolize(&vm->image, addr, off);

	if (!name && vm->compat)
		name = elf_image__symbolize(&vm->kernel, addr, off);
	return name;
}

/* One line "#n 0x... name+0xoff"; a return address is looked up one byte back (the call). */
static void frame__print(const struct vm *vm, unsigned n, uint64_t addr)
{
	uint64_t off = 0, look = n ? addr - 1 : addr;
	const char *name = symbol__find(vm, look, &off);

	if (name)
		print__err("  #%u 0x%016llx %s+%#llx\n", n, (unsigned long long)addr, name,
			   (unsigned long long)(off + (addr - look)));
	else
		print__err("  #%u 0x%016llx ??\n", n, (unsigned long long)addr);
}

static int code__is(const struct vm *vm, uint64_t addr)
{
	uint32_t prot = layout__prot(&vm->layout, addr);

	return (prot & LAYOUT_X) && (prot & LAYOUT_USER);
}

/* A 64-bit word of user memory through the checked accessor; 0 if unreadable. */
static uint64_t word__read(const struct vm *vm, uint64_t addr)
{
	const void *p = guest_mem__ptr(&vm->mem, addr, 8);
	uint64_t w = 0;

	if (p && !(addr & 7))
		memcpy(&w, p, 8);
	return w;
}

/* Whether the instruction before ret is a call (e8 rel32, or ff /2 with 0 to 5 more bytes). */
static int call__precedes(const struct vm *vm, uint64_t ret)
{
	const uint8_t *p = guest_mem__ptr(&vm->mem, ret - 7, 7);

	if (!p || !code__is(vm, ret - 7))
		return 0;
	if (p[2] == 0xe8)
		return 1;
	for (int len = 2; len <= 7; len++)
		if (p[7 - len] == 0xff && (p[8 - len] >> 3 & 7) == 2)
			return 1;
	return 0;
}

/*
 * Frame 0 may not have pushed RBP: at a function's first instruction, after a call through a
 * bad pointer, or in a leaf function built without frame pointers. Then the caller's return
 * address is at [RSP]; a word there that follows a call instruction is taken as frame 1.
 */
static unsigned backtrace__entry_frame(const struct vm *vm, uint64_t rsp, uint64_t rbp)
{
	uint64_t ret = word__read(vm, rsp);

	if (!code__is(vm, ret) || !call__precedes(vm, ret) || ret == word__read(vm, rbp + 8))
		return 1;
	frame__print(vm, 1, ret);
	return 2;
}

static void repeats__print(unsigned repeats)
{
	if (repeats)
		print__err("  ... the frame above %u more time%s\n", repeats,
			   repeats > 1 ? "s" : "");
}

/*
 * Walk the RBP chain through the checked accessor; stop at a frame that is unreadable, does not
 * move up the stack, or returns outside code. Runs of one return address (recursion) are folded
 * into one line, so a stack overflow still shows where the recursion started.
 */
static void backtrace__print(const struct vm *vm, uint64_t rip, uint64_t rsp, uint64_t rbp)
{
	unsigned n, lines = 0, repeats = 0;
	uint64_t last = 0;

	print__err("backtrace:\n");
	frame__print(vm, 0, rip);
	for (n = backtrace__entry_frame(vm, rsp, rbp); n < BACKTRACE_WALK_MAX; n++) {
		uint64_t next = word__read(vm, rbp), ret = word__read(vm, rbp + 8);

		if (!code__is(vm, ret) || lines == BACKTRACE_LINES_MAX)
			break;
		if (ret == last) {
			repeats++;
		} else {
			repeats__print(repeats);
			repeats = 0;
			frame__print(vm, n, ret);
			last = ret;
			lines++;
		}
		if (next <= rbp)
			break;
		rbp = next;
	}
	repeats__print(repeats);
}

static void code__print(const struct vm *vm, uint64_t rip)
{
	const uint8_t *c = guest_mem__ptr(&vm->mem, rip, 8);

	if (c)
		print__err("  code at rip: %02x %02x %02x %02x %02x %02x %02x %02x\n", c[0], c[1],
			   c[2], c[3], c[4], c[5], c[6], c[7]);
}

/* Registers and backtrace; with no readable registers, just say so. */
static void state__print(struct vm *vm, struct kvm_regs *r)
{
	regs__print(r);
	code__print(vm, r->rip);
	backtrace__print(vm, r->rip, r->rsp, r->rbp);
}

static int regs__get(struct vm *vm, struct kvm_regs *r)
{
	if (kvm_vcpu__get_regs(&vm->kvm, r) == 0)
		return 0;
	print__err("  (registers unavailable)\n");
	return -1;
}

int crash__panic(struct vm *vm, const char *msg, size_t len)
{
	struct kvm_regs r;

	print__err("pith: guest panic: ");
	print__write(2, msg, len);
	print__err("%s", len && msg[len - 1] == '\n' ? "" : "\n");
	if (regs__get(vm, &r) == 0)
		state__print(vm, &r);
	return PITH_EXIT_CRASH;
}

static const char *pf__cause(const struct vm *vm, uint64_t cr2, uint32_t ec)
{
	const struct layout_range *r = layout__find(&vm->layout, cr2);

	if (cr2 < PITH_PAGE_SIZE)
		return "NULL pointer dereference";
	if (r && r->kind == LAYOUT_GUARD)
		return "stack overflow into the guard page";
	if (cr2 >= vm->layout.mem_size)
		return "address outside guest memory";
	if (r && r->kind == LAYOUT_MONITOR)
		return "access to monitor-owned memory";
	if ((ec & PF_P) && (ec & PF_RSVD))
		return "reserved bit in a page-table entry (a monitor bug)";
	if ((ec & PF_P) && (ec & PF_I))
		return "executed non-executable memory";
	if ((ec & PF_P) && (ec & PF_W))
		return r && r->kind == LAYOUT_BOOTINFO
			   ? "write to the read-only boot info"
			   : "write to read-only memory (code or rodata)";
	return "access to unmapped memory";
}

static void pf__print(struct vm *vm, uint32_t ec)
{
	struct kvm_sregs s;
	const char *access = ec & PF_I ? "instruction fetch" : ec & PF_W ? "write" : "read";

	if (kvm_vcpu__get_sregs(&vm->kvm, &s) < 0) {
		print__err("pith: guest crashed: #PF page fault (error code %#x)\n", ec);
		return;
	}
	print__err(
	    "pith: guest crashed: #PF page fault: %s\n  %s at address 0x%016llx (error code %#x)\n",
	    pf__cause(vm, s.cr2, ec), access, (unsigned long long)s.cr2, ec);
}

static void gp__print(uint32_t ec)
{
	if (ec & 2)
		print__err("pith: guest crashed: #GP general protection: interrupt vector %u "
			   "through the IDT (int/int3 are not allowed in a Pith guest)\n",
			   ec >> 3);
	else if (ec)
		print__err(
		    "pith: guest crashed: #GP general protection (selector error code %#x)\n", ec);
	else
		print__err("pith: guest crashed: #GP general protection: a privileged instruction, "
			   "a closed I/O port or a non-canonical address\n");
}

/*
 * musl's __stack_chk_fail (alias __stack_chk_fail_local) ends in a_crash(), a `hlt`: #GP at
 * CPL3, inside that function.
 */
static int stack_chk__failed(const struct vm *vm, unsigned vector, uint64_t rip)
{
	uint64_t off;
	const char *name = vector == VEC_GP ? symbol__find(vm, rip, &off) : NULL;

	return name && strncmp(name, "__stack_chk_fail", strlen("__stack_chk_fail")) == 0;
}

static void trap__headline(struct vm *vm, unsigned vector, const struct trap_frame *f)
{
	if (stack_chk__failed(vm, vector, f->rip))
		print__err(
		    "pith: guest crashed: stack smashing detected (the stack protector found "
		    "a corrupted canary; the function that returned is in the backtrace)\n");
	else if (vector == VEC_PF)
		pf__print(vm, (uint32_t)f->error);
	else if (vector == VEC_GP)
		gp__print((uint32_t)f->error);
	else if (VEC_ERRCODE & (1u << vector))
		print__err("pith: guest crashed: %s (error code %#llx)\n", vector_names[vector],
			   (unsigned long long)f->error);
	else
		print__err("pith: guest crashed: %s\n", vector_names[vector]);
}

/* Read the frame at the stub's RSP; the error code is there only for some vectors. */
static int frame__read(struct vm *vm, unsigned vector, uint64_t rsp, struct trap_frame *f)
{
	int has_error = (VEC_ERRCODE >> vector) & 1;
	size_t len = sizeof(*f) - (has_error ? 0 : 8);
	const void *p = guest_mem__raw(&vm->mem, rsp, len);

	if (!p || rsp < X86_IST_BASE || rsp + len > X86_IST_TOP)
		return -1;
	memset(f, 0, sizeof(*f));
	memcpy(has_error ? (void *)f : (void *)&f->rip, p, len);
	return 0;
}

int crash__trap(struct vm *vm, unsigned vector)
{
	struct kvm_regs r;
	struct trap_frame f;

	if (regs__get(vm, &r) < 0)
		return PITH_EXIT_CRASH;
	if (frame__read(vm, vector, r.rsp, &f) < 0) {
		print__err("pith: guest crashed: %s (exception frame unreadable at rsp %#llx)\n",
			   vector_names[vector], r.rsp);
		return PITH_EXIT_CRASH;
	}
	r.rip = f.rip;
	r.rsp = f.rsp;
	r.rflags = f.rflags;
	if ((f.cs & 3) && upcall__fault(vm, vector, f.error, &r) == 0)
		return HC_RESUME; /* the guest handles it (it asked for the vector) */
	trap__headline(vm, vector, &f);
	if (!(f.cs & 3))
		print__err("  (at CPL0, in a monitor stub: a monitor bug)\n");
	state__print(vm, &r);
	return PITH_EXIT_CRASH;
}

int crash__upcall_stack(struct vm *vm, const struct kvm_regs *r, uint64_t addr)
{
	struct kvm_regs at = *r;

	print__err("pith: guest crashed: stack overflow: no room for an upcall frame below rsp "
		   "0x%016llx (0x%016llx is not writable)\n",
		   (unsigned long long)r->rsp, (unsigned long long)addr);
	state__print(vm, &at);
	return PITH_EXIT_CRASH;
}

static void exit__headline(struct vm *vm, const struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		print__err("pith: guest crashed: triple fault (the virtual CPU shut down)\n");
		break;
	case KVM_EXIT_MMIO:
		print__err("pith: guest crashed: %s %s memory at 0x%016llx (len %u)\n",
			   run->mmio.is_write ? "write to" : "read from",
			   run->mmio.phys_addr < vm->layout.mem_size ? "protected" : "unbacked",
			   (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		print__err("pith: guest crashed: KVM internal error %u%s\n", run->internal.suberror,
			   run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
			       ? " (the host could not emulate an instruction)"
			       : "");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		print__err("pith: guest crashed: the virtual CPU could not enter the guest (reason "
			   "%#llx)\n",
			   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_HLT:
		print__err("pith: guest crashed: the virtual CPU halted\n");
		break;
	default:
		print__err("pith: guest crashed: unexpected KVM exit %u\n", run->exit_reason);
	}
}

int crash__exit(struct vm *vm)
{
	struct kvm_regs r;

	exit__headline(vm, vm->kvm.run);
	if (regs__get(vm, &r) == 0)
		state__print(vm, &r);
	return PITH_EXIT_CRASH;
}
