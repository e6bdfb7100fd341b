/* The protect hypercall: guard and read-only heap pages, by new page tables and a new CR3. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "print.h"
#include "protect.h"
#include "vm.h"

/*
 * Why page tables are rebuilt and never edited, measured on this machine (PVM, shadow paging),
 * with a throwaway CPL3 guest reading one page in a loop:
 * - clearing the page's PTE in place, then KVM_SET_SREGS with the same CR3: the page stayed
 *   readable (the host's shadow pages do not see the monitor's stores);
 * - the changed path written into fresh pages and the new root loaded with KVM_SET_SREGS: the
 *   next read faulted;
 * - a tree rebuilt in pages that an earlier, loaded tree had used: the old mapping stayed in
 *   effect (stale shadow pages), unless memory slot 0 was deleted and registered again first
 *   (kvm__reset_memory): then the rebuilt tree was obeyed at once. The two ioctls took 0.1 to
 *   16 ms there (mean of 20: 0.3-0.9 ms, a busy machine); a reset inside pith, 5-6 ms with 2 to
 *   64 MiB of RAM, ~45 ms with 1 GiB (`--stats`: pt_pool_zap_ms); the guest then refaults the
 *   pages it touches.
 * So: fresh pages from a pool for every change; when the pool is used up, one reset.
 */

static struct protect_state protect_state; /* static: no allocation once seccomp is on */

static int protect__zap(void *arg)
{
	struct vm *vm = arg;

	return kvm__reset_memory(&vm->kvm, vm->mem.base, vm->mem.size);
}

/* Load the new root: KVM_SET_SREGS with only CR3 changed. */
static int protect__load_cr3(struct vm *vm, uint64_t cr3)
{
	struct kvm_sregs s;

	if (kvm_vcpu__get_sregs(&vm->kvm, &s) < 0)
		return -1;
	s.cr3 = cr3;
	if (kvm_vcpu__set_sregs(&vm->kvm, &s) < 0)
		return -1;
	vm->cr3 = cr3;
	return 0;
}

static struct protect_state *protect__state(struct vm *vm)
{
	if (!vm->protect) {
		protect__init(&protect_state, &vm->layout);
		vm->protect = &protect_state;
		guest_mem__set_prot(&vm->mem, &protect_state.published);
	}
	return vm->protect;
}

/* The struct's status field (OUT), as net_setup does: only where the guest could write. */
static int protect__reply(struct vm *vm, int32_t status)
{
	const struct kvm_run *run = vm->kvm.run;
	uint32_t addr;
	uint8_t *p;

	memcpy(&addr, (const uint8_t *)run + run->io.data_offset, sizeof(addr));
	p = guest_mem__ptr_rw(&vm->mem, addr, sizeof(struct pith_hc_protect));
	if (!p)
		return crash__guest_error("protect hypercall with its struct at %#x, where the "
					  "guest cannot write",
					  addr);
	memcpy(p + offsetof(struct pith_hc_protect, status), &status, sizeof(status));
	return HC_RESUME;
}

static int protect__handle(struct vm *vm, void *arg)
{
	const struct pith_hc_protect *c = arg;
	struct protect_env env = {
	    .l = &vm->layout, .mem = &vm->mem, .cr3 = vm->cr3, .zap = protect__zap, .zap_arg = vm};
	int rc = protect__apply(protect__state(vm), &env, c->addr, c->len, c->prot);

	if (rc == -EIO) {
		print__err("pith: cannot re-register guest memory to reset the page tables: %s; "
			   "check that KVM works on this machine\n",
			   strerror(errno));
		return PITH_EXIT_ERROR;
	}
	if (rc == 0 && protect__load_cr3(vm, env.cr3) < 0) {
		print__err("pith: KVM_SET_SREGS failed while switching page tables: %s; check "
			   "that KVM works on this machine\n",
			   strerror(errno));
		return PITH_EXIT_ERROR;
	}
	return protect__reply(vm, rc);
}

HYPERCALL(PITH_HC_PROTECT, protect, struct pith_hc_protect, protect__handle);

void protect__print_stats(const struct vm *vm)
{
	const struct protect_state *p = vm->protect;

	if (!p)
		return;
	print__err("pith: stats: protect_calls %llu\n", (unsigned long long)p->protects);
	print__err("pith: stats: protect_refused %llu\n", (unsigned long long)p->refused);
	print__err("pith: stats: protect_ms %.3f\n", p->protect_ns / 1e6);
	print__err("pith: stats: pt_pool_resets %llu\n", (unsigned long long)p->resets);
	print__err("pith: stats: pt_pool_reset_ms %.3f\n", p->reset_ns / 1e6);
	print__err("pith: stats: pt_pool_zap_ms %.3f\n", p->zap_ns / 1e6);
}
