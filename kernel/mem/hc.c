/* PITH_HC_PROTECT for the mem component, and its counters for `pith run --stats`. */
#include "arch/x86_64/cpu.h"
#include "core/counter.h"
#include "mem/mem.h"

PITH_COUNTER(mem_protect_hypercalls);

PITH_COUNTER_TABLE(mem_stack_cache_counters) = {
    PITH_COUNTER_AT(mem_stack_cache_hits, pith_stack_cache_stats.hits),
    PITH_COUNTER_AT(mem_stack_cache_misses, pith_stack_cache_stats.misses),
    PITH_COUNTER_AT(mem_stack_cache_evictions, pith_stack_cache_stats.evictions),
    PITH_COUNTER_AT(mem_stack_cache_lazy_protects, pith_stack_cache_stats.lazy),
};

int pith_mem_protect_hc(uint64_t addr, uint64_t len, unsigned prot)
{
	struct pith_hc_protect call = {.addr = addr, .len = len, .prot = prot};

	PITH_COUNT(mem_protect_hypercalls);
	pith_hypercall(PITH_HC_PROTECT, &call);
	return call.status;
}
