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
	size_t run_size;
};

/* Open /dev/kvm and create the VM. Returns 0, or -1 with "<what>; <what to do>" in err. */
int kvm__open(struct kvm *kvm, char *err, size_t errlen);

/* Register [0, size) of guest-physical memory, backed by host, as slot 0. */
int kvm__set_memory(struct kvm *kvm, void *host, uint64_t size, char *err, size_t errlen);

/* Create vCPU 0 and map its run area. */
int kvm__create_vcpu(struct kvm *kvm, char *err, size_t errlen);

/* KVM_RUN, retried when a signal interrupts it. Returns 0, or -1 with errno set. */
int kvm_vcpu__run(struct kvm *kvm);

int kvm_vcpu__get_regs(struct kvm *kvm, struct kvm_regs *regs);
int kvm_vcpu__set_regs(struct kvm *kvm, const struct kvm_regs *regs);
int kvm_vcpu__get_sregs(struct kvm *kvm, struct kvm_sregs *sregs);
int kvm_vcpu__set_sregs(struct kvm *kvm, const struct kvm_sregs *sregs);

#endif
