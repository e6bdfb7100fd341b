/* The guest's CPUID table (what KVM supports, set once) and the host facts it tells the monitor. */
#ifndef VMM_X86_64_CPUID_H
#define VMM_X86_64_CPUID_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"

/* KVM never returns more than KVM_MAX_CPUID_ENTRIES (256): one call, no E2BIG retry. */
#define X86_CPUID_MAX_ENTRIES 256

struct x86_cpuid {
	int sys_fd; /* IN: /dev/kvm */
	long rc;    /* OUT: 0, or -errno */
	struct {
		struct kvm_cpuid2 head;
		struct kvm_cpuid_entry2 entry[X86_CPUID_MAX_ENTRIES];
	} table;
};

/*
 * KVM_GET_SUPPORTED_CPUID into c->table (arg is a struct x86_cpuid). The host executes many
 * CPUID instructions for it, which is slow when the host is itself virtualized, so it runs in
 * the helper process: raw system call only.
 */
void x86_cpuid__fetch(void *arg);

/*
 * Give the vCPU the fetched table. *xcr0 receives the XCR0 bits the host supports (CPUID leaf
 * 0xd, sub-leaf 0). Returns 0, or -1 with a message in err.
 */
int x86_cpuid__set(struct kvm *kvm, struct x86_cpuid *c, uint64_t *xcr0, char *err, size_t errlen);

/* The guest's TSC frequency in Hz: KVM_GET_TSC_KHZ, or measured against CLOCK_MONOTONIC. */
uint64_t x86_cpuid__tsc_hz(struct kvm *kvm);

#endif
