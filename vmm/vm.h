/* The state of one running guest, shared by the monitor's pieces (run loop, handlers, reports). */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include <pith/abi.h>

#include "elf.h"
#include "guestmem.h"
#include "kvm.h"
#include "layout.h"
#include "vmm.h"

#define VM_EXIT_REASONS 64 /* KVM_EXIT_* counted one by one; larger ones share the last */

struct net_dev;
struct blk_dev;

struct upcall_state;
struct protect_state;

struct vm {
	const struct vmm_config *cfg;
	struct kvm kvm;
	struct guest_mem mem;
	struct layout layout;
	struct elf_image image;	 /* the program */
	struct elf_image kernel; /* Pith's compat kernel, when compat is set */
	bool compat;	       /* the program is a static Linux ELF run beside the compat kernel */
	uint64_t entry;	       /* where the vCPU starts */
	uint64_t compat_entry; /* where a `syscall` instruction is completed (0: nowhere) */
	uint64_t cr3;	       /* root of the guest's page tables */
	uint64_t xcr0;	       /* XCR0 bits the host supports */
	uint64_t tsc_hz;
	uint64_t exits; /* VM exits handled (for --verbose) */
	/* By reason (KVM_EXIT_*) and, for port I/O, by port (for --stats). */
	uint64_t exits_by_reason[VM_EXIT_REASONS];
	uint64_t exits_hypercall[PITH_HC_COUNT]; /* port I/O to PITH_HC_PORT_BASE + i */
	uint64_t exits_trap, exits_syscall, exits_other_port;
	struct net_dev *net;	       /* the NIC (net_dev.c), or NULL */
	struct pith_net_info net_info; /* what boot info says about it */
	struct blk_dev *blk;	       /* the disks (blk_dev.c), or NULL */
	struct upcall_state *upcall; /* upcalls, the guest's timer (upcall.c), NULL before setup */
	struct protect_state *protect; /* guard pages, page-table pool (hc_protect.c), or NULL */
};

#endif
