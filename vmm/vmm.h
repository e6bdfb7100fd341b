/* The monitor's entry point: run one Pith image in one KVM virtual machine. */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blk.h"
#include "net.h"

struct vmm_config {
	const char *image_path; /* the .pith image, or a static Linux ELF (compat path) */
	/* Writes the path of Pith's compat kernel image (needed only for a static Linux ELF, so
	   it is looked up only then); returns 0, or -1 if there is none. NULL: no compat path. */
	int (*compat_kernel)(char *path, size_t len);
	uint64_t mem_size; /* guest RAM in bytes, PITH_MEM_MIN..PITH_MEM_MAX, validated */
	int argc;	   /* guest argv (argv[0] included) */
	char *const *argv;
	int envc; /* guest environment, "NAME=value" */
	char *const *envp;
	bool trace;	       /* --trace: the guest prints every syscall */
	bool verbose;	       /* --verbose: print setup steps and the seccomp allow-list */
	bool selftest_seccomp; /* hidden test hook: make a forbidden host syscall after the
				  filter is installed (the monitor must die of SIGSYS) */
	struct net_config net; /* the NIC (kind NET_NONE: none) */
	bool stats;	       /* --stats: print the monitor's and the guest's counters at exit */
	struct blk_config blk; /* the disks (count 0: none) */
	uint64_t timeslice_ns; /* --timeslice: the guest's preemption time slice (0: 10 ms) */
	int ready_fd; /* -1, or an fd the monitor writes one byte ('R') to and closes once the VM
			 and its devices are set up, just before the guest's first instruction
			 (pith run -d: the caller learns that the start succeeded) */
};

/*
 * Boot the image and run it to the end. If the guest could not be started, returns
 * PITH_EXIT_ERROR after printing one line "pith: ..." saying what is wrong and what to do.
 * Once the guest has started, does not return: the process exits with what `pith run` exits
 * with, the guest's exit status (0..255) or PITH_EXIT_CRASH after a crash report. (By then the
 * seccomp filter forbids almost every system call, so the caller could not do much anyway;
 * stdio buffers are flushed before the filter goes on.)
 */
int vmm__run(const struct vmm_config *cfg);

#endif
