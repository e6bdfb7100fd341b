/* x86_64 CPU helpers for the library OS: hypercalls, TSC, FS base, CPUID (all usable at CPL3). */
#ifndef PITH_ARCH_X86_64_CPU_H
#define PITH_ARCH_X86_64_CPU_H

#include <stdint.h>

/*
 * Issue one hypercall: the guest-physical address of the call's struct goes out on the call's
 * port with a 32-bit `outl` (include/pith/abi.h). The "memory" clobber makes the compiler store
 * the struct before the `outl` and reload its OUT fields after it.
 */
static inline void pith_hypercall(uint16_t port, void *call)
{
	uint32_t addr = (uint32_t)(uintptr_t)call;

	__asm__ volatile("outl %0, %w1" : : "a"(addr), "Nd"(port) : "memory");
}

static inline uint64_t pith_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Needs CR4.FSGSBASE, which the monitor sets. */
static inline void pith_wrfsbase(uint64_t base)
{
	__asm__ volatile("wrfsbase %0" : : "r"(base) : "memory");
}

static inline uint64_t pith_rdfsbase(void)
{
	uint64_t base;

	__asm__ volatile("rdfsbase %0" : "=r"(base));
	return base;
}

struct pith_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct pith_cpuid pith_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct pith_cpuid r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#endif
