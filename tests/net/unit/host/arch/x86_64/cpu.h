/* Host stand-in for kernel/arch/x86_64/cpu.h: hypercalls and the TSC go to the test's monitor. */
#ifndef PITH_ARCH_X86_64_CPU_H
#define PITH_ARCH_X86_64_CPU_H

#include <stdint.h>

/* net_host.c plays the monitor: it answers hypercalls and kicks, and keeps a virtual clock. */
void net_host_hypercall(uint16_t port, void *call);
uint64_t net_host_rdtsc(void);

static inline void pith_hypercall(uint16_t port, void *call)
{
	net_host_hypercall(port, call);
}

static inline uint64_t pith_rdtsc(void)
{
	return net_host_rdtsc();
}

#endif
