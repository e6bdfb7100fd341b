/* Thin wrappers around the KVM ioctls the monitor uses: one VM, one memory slot, one vCPU. */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KVM_PATH "/dev/kvm"
#define KVM_API	 12

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
	if (api != KVM_API) {
		snprintf(err, errlen,
			 KVM_PATH " speaks KVM API %d, pith needs %d; use a Linux kernel with the "
				  "standard KVM API",
			 api, KVM_API);
		return -1;
	}
	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		snprintf(err, errlen,
			 "KVM_CREATE_VM failed: %s; check that KVM works on this machine (dmesg "
			 "may say why)",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int kvm__set_memory(struct kvm *kvm, void *host, uint64_t size, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = size,
	    .userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) == 0)
		return 0;
	snprintf(err, errlen,
		 "cannot give %llu bytes of memory to the guest: %s; try a smaller memory size",
		 (unsigned long long)size, strerror(errno));
	return -1;
}

int kvm__create_vcpu(struct kvm *kvm, char *err, size_t errlen)
{
	int size = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	kvm->vcpu_fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, 0);
	if (size <= 0 || kvm->vcpu_fd < 0) {
		snprintf(err, errlen,
			 "cannot create a virtual CPU: %s; check that KVM works on this machine",
			 strerror(errno));
		return -1;
	}
	kvm->run_size = (size_t)size;
	kvm->run = mmap(NULL, kvm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, kvm->vcpu_fd, 0);
	if (kvm->run == MAP_FAILED) {
		kvm->run = NULL;
		snprintf(err, errlen,
			 "cannot map the virtual CPU's run area: %s; check memory limits",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_vcpu__run(struct kvm *kvm)
{
	int rc;

	do
		rc = ioctl(kvm->vcpu_fd, KVM_RUN, 0);
	while (rc < 0 && (errno == EINTR || errno == EAGAIN));
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
