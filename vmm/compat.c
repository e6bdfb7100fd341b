/* The compatibility path: programs that make Linux syscalls with the `syscall` instruction. */
#include "compat.h"

#include <stdio.h>

#include <pith/abi.h>

#include "abicheck.h"
#include "crash.h"
#include "hypercall.h"
#include "vm.h"
#include "x86_64/cpu.h"

int compat__open_kernel(struct vm *vm, char *err, size_t errlen)
{
	char path[4096];

	if (!vm->cfg->compat_kernel || vm->cfg->compat_kernel(path, sizeof(path)) < 0) {
		snprintf(
		    err, errlen,
		    "%s is not a Pith image and Pith's compat kernel cannot be found; build it "
		    "with pith build",
		    vm->cfg->image_path);
		return -1;
	}
	if (elf_image__open(&vm->kernel, path, PITH_MEM_MAX, err, errlen) < 0)
		return -1;
	if (abicheck__image(&vm->kernel, path, err, errlen) < 0)
		return -1;
	vm->compat = true;
	vm->entry = vm->kernel.entry;
	vm->compat_entry = vm->kernel.abi.compat_entry;
	return 0;
}

/*
 * Nothing here checks that the port came from the stub: on PVM the stub runs at CPL3 (see
 * x86_64/desc.c), and a guest that reaches this by itself only gets what a jump would give it.
 */
int compat__syscall(struct vm *vm)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (kvm_vcpu__get_sregs(&vm->kvm, &s) < 0 || kvm_vcpu__get_regs(&vm->kvm, &r) < 0)
		return crash__guest_error(
		    "cannot read the virtual CPU after a syscall instruction");
	if (!vm->compat_entry)
		return crash__guest_error(
		    "a syscall instruction ran at %#llx and the image has no compat entry",
		    (unsigned long long)r.rcx - 2);
	r.rip = vm->compat_entry;
	if (s.cs.selector != PITH_SEL_UCODE || s.ss.selector != PITH_SEL_UDATA) {
		x86_cpu__user_segments(&s); /* hardware KVM: back from CPL0 (PVM stays at CPL3) */
		if (kvm_vcpu__set_sregs(&vm->kvm, &s) < 0)
			return crash__guest_error("cannot return the virtual CPU to CPL3 after a "
						  "syscall instruction");
	}
	if (kvm_vcpu__set_regs(&vm->kvm, &r) < 0)
		return crash__guest_error("cannot set the virtual CPU's registers after a "
					  "syscall instruction");
	return HC_RESUME;
}
