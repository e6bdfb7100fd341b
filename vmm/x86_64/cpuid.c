/* The guest's CPUID table (what KVM supports, set once) and the host facts it tells the monitor. */
#include "x86_64/cpuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <x86intrin.h>

#include "rawsys.h"

static uint64_t cpuid__xcr0(const struct x86_cpuid *c)
{
	for (uint32_t i = 0; i < c->table.head.nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->table.entry[i];

		if (e->function == 0xd && e->index == 0)
			return e->eax | (uint64_t)e->edx << 32;
	}
	return 0;
}

void x86_cpuid__fetch(void *arg)
{
	struct x86_cpuid *c = arg;

	c->table.head.nent = X86_CPUID_MAX_ENTRIES;
	c->rc = rawsys__call3(SYS_ioctl, c->sys_fd, KVM_GET_SUPPORTED_CPUID, (long)&c->table);
}

int x86_cpuid__set(struct kvm *kvm, struct x86_cpuid *c, uint64_t *xcr0, char *err, size_t errlen)
{
	if (c->rc < 0) {
		snprintf(err, errlen,
			 "KVM_GET_SUPPORTED_CPUID failed: %s; check that KVM works on this machine",
			 strerror((int)-c->rc));
		return -1;
	}
	if (ioctl(kvm->vcpu_fd, KVM_SET_CPUID2, &c->table) < 0) {
		snprintf(err, errlen,
			 "KVM_SET_CPUID2 failed: %s; check that KVM works on this machine",
			 strerror(errno));
		return -1;
	}
	*xcr0 = cpuid__xcr0(c);
	return 0;
}

static uint64_t clock__ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Fallback: count TSC ticks over 2 ms of CLOCK_MONOTONIC (slow; KVM normally knows). */
static uint64_t tsc__measure(void)
{
	uint64_t t0 = clock__ns(), c0 = __rdtsc(), t1, c1;

	do
		t1 = clock__ns();
	while (t1 - t0 < 2000000);
	c1 = __rdtsc();
	return (c1 - c0) * 1000000000u / (t1 - t0);
}

/* The VM's default (what its vCPUs get) needs no vCPU load; older kernels know only the vCPU's. */
uint64_t x86_cpuid__tsc_hz(struct kvm *kvm)
{
	int khz = ioctl(kvm->vm_fd, KVM_GET_TSC_KHZ, 0);

	if (khz <= 0)
		khz = ioctl(kvm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	return khz > 0 ? (uint64_t)khz * 1000 : tsc__measure();
}
