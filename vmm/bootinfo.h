/* The boot info area: what the monitor tells the guest about its world (struct pith_boot_info). */
#ifndef VMM_BOOTINFO_H
#define VMM_BOOTINFO_H

#include <stddef.h>

struct vm;

/*
 * Fill [PITH_BOOTINFO_BASE, PITH_BOOTINFO_END): the struct, the program headers if the image
 * does not map them, then argv and envp strings. Returns 0, or -1 with a message in err.
 */
int bootinfo__write(struct vm *vm, char *err, size_t errlen);

/* Fill the boot info's disk_count and disks[] from vm->blk (nothing without disks). The disks
   are opened after the rest of the boot info is written (see blk_dev__init). */
void bootinfo__write_disks(struct vm *vm);

struct x86_cpuid;

/*
 * Fill xsave_features (the XCR0 the vCPU runs with) and xsave_size (bytes of an xsave area for
 * it, from the CPUID table's leaf 0xd: no CPUID in the guest). After x86_cpuid__set.
 */
void bootinfo__write_xsave(struct vm *vm, const struct x86_cpuid *cpuid);

#endif
