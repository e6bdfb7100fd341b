/* Host stand-in for kernel/arch/x86_64/cpu.h: hypercalls go to the storage tests' fake monitor. */
#ifndef PITH_ARCH_X86_64_CPU_H
#define PITH_ARCH_X86_64_CPU_H

#include <stdint.h>

/* fs_host.c answers them (the console itself, the rest through fs_host_monitor). */
void fs_host_hypercall(uint16_t port, void *call);

static inline void pith_hypercall(uint16_t port, void *call)
{
	fs_host_hypercall(port, call);
}

static inline uint64_t pith_rdtsc(void)
{
	return 0;
}

#endif
