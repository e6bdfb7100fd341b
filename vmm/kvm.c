/* Thin wrappers around the KVM ioctls the monitor uses: one VM, one memory slot, one vCPU. */
#include "kvm.h"
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rawsys.h"

#define KVM_PATH      "/dev/kvm"
#define KVM_API	      12
/* The local APIC's default base (Intel SDM Vol. 3A, 11.4.1) */
#define KVM_APIC_BASE 0xfee00000ULL

static int kvm__open_dev(char *err, size_t errlen)
{
	int fd = open(KVM_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
		snprintf(err, errlen,
			 KVM_PATH " not found; this machine needs KVM (load kvm_intel or kvm_amd, "
				  "or enable nested virtualization)");
	else if (errno == EACCES || errno == EPERM)
		snprintf(err, errlen,
			 "no permission to open " KVM_PATH
			 "; add yourself to the kvm group or run as root");
	else
		snprintf(err, errlen,
			 "cannot open " KVM_PATH ": %s; check that KVM works on this machine",
			 strerror(errno));
	return -1;
}

int kvm__open(struct kvm *kvm, char *err, size_t errlen)
{
	int api;

	kvm->vm_fd = kvm->vcpu_fd = -1;
	kvm->run = NULL;
	kvm->sys_fd = kvm__open_dev(err, errlen);
	if (kvm->sys_fd < 0)
		return -1;
	api = ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0);
	if (api == KVM_API)
		return 0;
	if (api < 0) {
		snprintf(err, errlen,
			 KVM_PATH " is not a KVM device (KVM_GET_API_VERSION: %s); check that the "
				  "kvm module is loaded and /dev/kvm is its device node",
			 strerror(errno));
		return -1;
	}
	snprintf(err, errlen,
		 KVM_PATH " speaks KVM API %d, pith needs %d; use a Linux kernel with the standard "
			  "KVM API",
		 api, KVM_API);
	return -1;
}

int kvm__create_vm(struct kvm *kvm, char *err, size_t errlen)
{
	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd >= 0)
		return 0;
	snprintf(err, errlen,
		 "KVM_CREATE_VM failed: %s; check that KVM works on this machine (dmesg may say "
		 "why)",
		 strerror(errno));
	return -1;
}

/*
 * An in-kernel local APIC (KVM_CAP_SPLIT_IRQCHIP: the APIC in KVM, no PIC or IOAPIC) only to
 * make KVM_CREATE_VCPU cheap. Without one, KVM counts the vCPU in a static key that it flips
 * with live code patching at every first vCPU and again at teardown (~0.2 ms here); the APIC's
 * own static key is released lazily, so back-to-back runs patch nothing. The guest never sees
 * the APIC: it is software-disabled from reset, the guest's IF is 0 and its page tables map
 * nothing at the APIC's address. Best effort: without the capability, boot goes on without it.
 */
void kvm__enable_local_apic(struct kvm *kvm, uint64_t mem_size)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_SPLIT_IRQCHIP, .args = {0}};

	if (mem_size <= KVM_APIC_BASE) /* hardware KVM may put its APIC page there */
		ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap);
}

void kvm__set_memory(void *arg)
{
	struct kvm_memslot *slot = arg;
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = slot->size,
	    .userspace_addr = (uint64_t)(uintptr_t)slot->host,
	};

	slot->rc =
	    rawsys__call3(SYS_ioctl, slot->kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, (long)&region);
}

int kvm__reset_memory(const struct kvm *kvm, void *host, uint64_t size)
{
	struct kvm_userspace_memory_region region = {.slot = 0,
						     .userspace_addr = (uint64_t)(uintptr_t)host};

	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -1;
	region.memory_size = size;
	return ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0 ? -1 : 0;
}

int kvm__memory_result(const struct kvm_memslot *slot, char *err, size_t errlen)
{
	if (slot->rc == 0)
		return 0;
	snprintf(err, errlen,
		 "cannot give %llu bytes of memory to the guest: %s; try a smaller memory size",
		 (unsigned long long)slot->size, strerror((int)-slot->rc));
	return -1;
}

int kvm__create_vcpu(struct kvm *kvm, char *err, size_t errlen)
{
	int size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (size <= 0) {
		snprintf(err, errlen,
			 "KVM does not say how large a virtual CPU's run area is (%s); check that "
			 "KVM works on this machine",
			 size < 0 ? strerror(errno) : "size 0");
		return -1;
	}
	kvm->vcpu_fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, 0);
	if (kvm->vcpu_fd < 0) {
		snprintf(err, errlen,
			 "cannot create a virtual CPU: %s; check that KVM works on this machine",
			 strerror(errno));
		return -1;
	}
	kvm->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, kvm->vcpu_fd, 0);
	if (kvm->run == MAP_FAILED) {
		kvm->run = NULL;
		snprintf(err, errlen,
			 "cannot map the virtual CPU's run area: %s; check memory limits",
			 strerror(errno));
		return -1;
	}
	kvm->sync_regs = ioctl(kvm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	if (kvm->sync_regs < 0)
		kvm->sync_regs = 0;
	return 0;
}

int kvm_vcpu__run(struct kvm *kvm)
{
	int rc;

	do
		rc = ioctl(kvm->vcpu_fd, KVM_RUN, 0);
	while (rc < 0 && (errno == EINTR || errno == EAGAIN) && !stop__requested());
	return rc < 0 ? -1 : 0;
}

int kvm_vcpu__get_regs(struct kvm *kvm, struct kvm_regs *regs)
{
	return ioctl(kvm->vcpu_fd, KVM_GET_REGS, regs) < 0 ? -1 : 0;
}

int kvm_vcpu__set_regs(struct kvm *kvm, const struct kvm_regs *regs)
{
	return ioctl(kvm->vcpu_fd, KVM_SET_REGS, regs) < 0 ? -1 : 0;
}

int kvm_vcpu__get_sregs(struct kvm *kvm, struct kvm_sregs *sregs)
{
	return ioctl(kvm->vcpu_fd, KVM_GET_SREGS, sregs) < 0 ? -1 : 0;
}

int kvm_vcpu__set_sregs(struct kvm *kvm, const struct kvm_sregs *sregs)
{
	return ioctl(kvm->vcpu_fd, KVM_SET_SREGS, sregs) < 0 ? -1 : 0;
}
