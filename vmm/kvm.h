/* Thin wrappers around the KVM ioctls the monitor uses: one VM, one memory slot, one vCPU. */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct kvm {
	int sys_fd; /* /dev/kvm */
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run; /* the vCPU's shared run area */
	int sync_regs;	     /* KVM_SYNC_X86_* sets KVM can pass through the run area */
};

/* Open /dev/kvm and check its API version. Returns 0, or -1 with "<what>; <what to do>" in err. */
int kvm__open(struct kvm *kvm, char *err, size_t errlen);

/* Create the VM (after kvm__open). Same return convention. */
int kvm__create_vm(struct kvm *kvm, char *err, size_t errlen);

/* Give the VM an in-kernel local APIC if guest RAM stays below it (see kvm.c). Before vCPUs. */
void kvm__enable_local_apic(struct kvm *kvm, uint64_t mem_size);

/* Registering guest memory: the ioctl may run in the helper process (vmm/helper.h). */
struct kvm_memslot {
	const struct kvm *kvm; /* IN: the VM */
	void *host;	       /* IN: backing of guest-physical [0, size) */
	uint64_t size;	       /* IN */
	long rc;	       /* OUT: 0, or -errno */
};

/* Register slot->host as slot 0 (arg is a struct kvm_memslot). Raw system call: a helper job. */
void kvm__set_memory(void *arg);

/* The outcome of kvm__set_memory: 0, or -1 with "<what>; <what to do>" in err. */
int kvm__memory_result(const struct kvm_memslot *slot, char *err, size_t errlen);

/*
 * Make KVM forget every shadow page table of the VM: delete memory slot 0 and register it
 * again. On x86, by default, deleting a slot zaps every shadow page of every slot
 * (Documentation/virt/kvm/api.rst, KVM_X86_QUIRK_SLOT_ZAP_ALL, on by default for the default VM
 * type); measured on this machine's PVM too (docs in vmm/hc_protect.c). Guest memory keeps its
 * contents. From the vCPU thread, between two KVM_RUN. 0, or -1 (errno).
 */
int kvm__reset_memory(const struct kvm *kvm, void *host, uint64_t size);

/* Create vCPU 0, map its run area and note which registers KVM syncs through it. */
int kvm__create_vcpu(struct kvm *kvm, char *err, size_t errlen);

/* KVM_RUN, retried when a signal interrupts it. Returns 0, or -1 with errno set. */
int kvm_vcpu__run(struct kvm *kvm);

int kvm_vcpu__get_regs(struct kvm *kvm, struct kvm_regs *regs);
int kvm_vcpu__set_regs(struct kvm *kvm, const struct kvm_regs *regs);
int kvm_vcpu__get_sregs(struct kvm *kvm, struct kvm_sregs *sregs);
int kvm_vcpu__set_sregs(struct kvm *kvm, const struct kvm_sregs *sregs);

#endif
