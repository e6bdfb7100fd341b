/* The vCPU's boot state: long mode at CPL3, control registers, segments, MSRs and XCR0. */
#include "x86_64/cpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <pith/abi.h>

#include "x86_64/desc.h"

/* Control register and EFER bits (Intel SDM Vol. 3A, 2.5 and 2.2.1). */
#define CR0_PE	       (1ULL << 0)
#define CR0_MP	       (1ULL << 1)
#define CR0_ET	       (1ULL << 4)
#define CR0_NE	       (1ULL << 5)
#define CR0_WP	       (1ULL << 16)
#define CR0_PG	       (1ULL << 31)
#define CR4_PAE	       (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_FSGSBASE   (1ULL << 16)
#define CR4_OSXSAVE    (1ULL << 18)
#define EFER_SCE       (1ULL << 0)
#define EFER_LME       (1ULL << 8)
#define EFER_LMA       (1ULL << 10)
#define EFER_NXE       (1ULL << 11)

/* syscall MSRs (SDM Vol. 3A, 5.8.8) */
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
#define RFLAGS_TF  (1ULL << 8)
#define RFLAGS_IF  (1ULL << 9)
#define RFLAGS_DF  (1ULL << 10)
#define RFLAGS_AC  (1ULL << 18)

/* IA32_APIC_BASE at reset: base 0xfee00000, bit 11 enabled, bit 8 BSP (SDM Vol. 3A, 11.4.4) */
#define APIC_BASE_RESET (0xfee00000ULL | 1ULL << 11 | 1ULL << 8)

static struct kvm_segment seg__code64(uint16_t sel)
{
	return (struct kvm_segment){.base = 0,
				    .limit = 0xffffffff,
				    .selector = sel,
				    .type = 0xb,
				    .present = 1,
				    .dpl = sel & 3,
				    .s = 1,
				    .l = 1,
				    .g = 1};
}

static struct kvm_segment seg__data(uint16_t sel)
{
	return (struct kvm_segment){.base = 0,
				    .limit = 0xffffffff,
				    .selector = sel,
				    .type = 0x3,
				    .present = 1,
				    .dpl = sel & 3,
				    .db = 1,
				    .s = 1,
				    .g = 1};
}

void x86_cpu__user_segments(struct kvm_sregs *s)
{
	s->cs = seg__code64(PITH_SEL_UCODE);
	s->ss = seg__data(PITH_SEL_UDATA);
}

static void sregs__fill(struct kvm_sregs *s, const struct x86_boot *boot)
{
	x86_cpu__user_segments(s);
	s->ds = s->es = s->fs = s->gs = s->ss;
	s->tr = (struct kvm_segment){.base = X86_TSS_ADDR,
				     .limit = x86_desc__tss_limit(),
				     .selector = PITH_SEL_TSS,
				     .type = 0xb,
				     .present = 1};
	s->ldt = (struct kvm_segment){.type = 0x2, .unusable = 1};
	s->gdt = (struct kvm_dtable){.base = X86_GDT_ADDR, .limit = X86_GDT_LIMIT};
	s->idt = (struct kvm_dtable){.base = X86_IDT_ADDR, .limit = X86_IDT_LIMIT};
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = boot->cr3;
	s->cr4 =
	    CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | (boot->xcr0 ? CR4_OSXSAVE : 0);
	s->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
}

/*
 * `syscall` enters the LSTAR stub with CS = KCODE, SS = KDATA and IF, TF, DF, AC cleared (on
 * PVM it stays at CPL3: see x86_64/desc.c). STAR's sysret half is unused but consistent.
 */
static int msrs__set(struct kvm *kvm)
{
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry e[3];
	} m = {.head.nmsrs = 3,
	       .e = {{.index = MSR_STAR,
		      .data = (uint64_t)PITH_SEL_KCODE << 32 | (uint64_t)PITH_SEL_KDATA << 48},
		     {.index = MSR_LSTAR, .data = X86_SYSCALL_ADDR},
		     {.index = MSR_SFMASK, .data = RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_AC}}};

	return ioctl(kvm->vcpu_fd, KVM_SET_MSRS, &m) == 3 ? 0 : -1;
}

static int xcr0__set(struct kvm *kvm, uint64_t supported)
{
	struct kvm_xcrs x = {.nr_xcrs = 1,
			     .xcrs = {{.xcr = 0, .value = X86_XCR0_WANT & supported}}};

	if (!supported)
		return 0;
	return ioctl(kvm->vcpu_fd, KVM_SET_XCRS, &x) < 0 ? -1 : 0;
}

static struct kvm_regs regs__boot(const struct x86_boot *boot)
{
	return (struct kvm_regs){
	    .rip = boot->rip, .rdi = boot->rdi, .rsp = boot->rsp, .rflags = X86_BOOT_RFLAGS};
}

static int boot__fail(const char *what, char *err, size_t errlen)
{
	snprintf(
	    err, errlen,
	    "%s failed while setting up the virtual CPU: %s; check that KVM works on this machine",
	    what, strerror(errno));
	return -1;
}

/*
 * Registers and special registers go in through the run area when KVM syncs them
 * (KVM_CAP_SYNC_REGS): KVM applies them, with the checks of KVM_SET_REGS and KVM_SET_SREGS, as
 * the first KVM_RUN starts. That saves two vCPU ioctls, each of which loads and puts the vCPU
 * (slow on nested hosts). Without the capability, the two ioctls.
 */
static int state__set(struct kvm *kvm, const struct kvm_sregs *s, const struct kvm_regs *r,
		      char *err, size_t errlen)
{
	const int want = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;

	if ((kvm->sync_regs & want) == want) {
		kvm->run->s.regs.regs = *r;
		kvm->run->s.regs.sregs = *s;
		kvm->run->kvm_dirty_regs = want;
		return 0;
	}
	if (kvm_vcpu__set_sregs(kvm, s) < 0)
		return boot__fail("KVM_SET_SREGS", err, errlen);
	if (kvm_vcpu__set_regs(kvm, r) < 0)
		return boot__fail("KVM_SET_REGS", err, errlen);
	return 0;
}

/*
 * The special registers are built whole, not read back and changed: the fields not set here
 * keep their reset values, zero but for the APIC base.
 */
int x86_cpu__boot(struct kvm *kvm, const struct x86_boot *boot, char *err, size_t errlen)
{
	struct kvm_sregs s = {.apic_base = APIC_BASE_RESET};
	struct kvm_regs r = regs__boot(boot);

	sregs__fill(&s, boot);
	if (xcr0__set(kvm, boot->xcr0) < 0)
		return boot__fail("KVM_SET_XCRS", err, errlen);
	if (msrs__set(kvm) < 0)
		return boot__fail("KVM_SET_MSRS", err, errlen);
	return state__set(kvm, &s, &r, err, errlen);
}
