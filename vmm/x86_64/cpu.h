/* The vCPU's boot state: long mode at CPL3, control registers, segments, MSRs and XCR0. */
#ifndef VMM_X86_64_CPU_H
#define VMM_X86_64_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"

/*
 * RFLAGS at entry: bit 1 (always set) and IOPL 0, so the guest cannot cli/sti and its port I/O
 * is governed by the TSS I/O bitmap alone. Verified on the PVM host: hypercalls work, `cli`
 * and `out` to a closed port raise #GP (tests/guests/run.sh: cli-iopl0, trap-port-closed).
 */
#define X86_BOOT_RFLAGS 0x2ULL

/* The XCR0 bits the monitor enables, of those the host supports: x87 | SSE | AVX. */
#define X86_XCR0_WANT 0x7ULL

struct x86_boot {
	uint64_t cr3;  /* root of the page tables */
	uint64_t rip;  /* entry point */
	uint64_t rdi;  /* first argument: the boot info */
	uint64_t rsp;  /* stack top */
	uint64_t xcr0; /* XCR0 bits the host supports (0: no XSAVE) */
};

/*
 * Put the vCPU in 64-bit mode at CPL3 at boot->rip. The registers take effect at the first
 * KVM_RUN when KVM syncs them through the run area. Returns 0, or -1 with a message in err.
 */
int x86_cpu__boot(struct kvm *kvm, const struct x86_boot *boot, char *err, size_t errlen);

/* Set CS and SS to the DPL3 64-bit code and data segments (back to CPL3). */
void x86_cpu__user_segments(struct kvm_sregs *sregs);

#endif
