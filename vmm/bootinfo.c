/* The boot info area: what the monitor tells the guest about its world (struct pith_boot_info). */
#include "bootinfo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <pith/abi.h>

#include "blk.h"
#include "vm.h"
#include "x86_64/cpu.h"
#include "x86_64/cpuid.h"

#define ALIGN16(x)	     (((x) + 15) & ~(uint64_t)15)
#define PHDR_SIZE	     56	       /* sizeof(Elf64_Phdr) */
#define TIMESLICE_DEFAULT_NS 10000000u /* 10 ms, when the configuration leaves it 0 */
#define XSAVE_LEGACY_HEADER  576u      /* legacy region (512) + xsave header (64): SDM 13.4 */

/* Bytes that argv and envp need as NUL-terminated strings. */
static uint64_t strings__size(const struct vmm_config *cfg)
{
	uint64_t n = 0;

	for (int i = 0; i < cfg->argc; i++)
		n += strlen(cfg->argv[i]) + 1;
	for (int i = 0; i < cfg->envc; i++)
		n += strlen(cfg->envp[i]) + 1;
	return n;
}

static char *strings__copy(char *dst, char *const *src, int n)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(src[i]) + 1;

		memcpy(dst, src[i], len);
		dst += len;
	}
	return dst;
}

/*
 * The program headers must be visible to the guest (AT_PHDR): if no segment maps them, copy
 * them to at. Returns their guest address, or 0 if they do not fit.
 */
static uint64_t phdrs__place(struct vm *vm, uint64_t at)
{
	uint64_t len = (uint64_t)vm->image.phnum * PHDR_SIZE;

	if (vm->image.phdr_vaddr)
		return vm->image.phdr_vaddr;
	if (len > PITH_BOOTINFO_END - at)
		return 0;
	memcpy(guest_mem__raw(&vm->mem, at, len), vm->image.phdrs, len);
	return at;
}

static int strings__write(struct vm *vm, struct pith_boot_info *bi, uint64_t at, char *err,
			  size_t errlen)
{
	const struct vmm_config *cfg = vm->cfg;
	uint64_t size = strings__size(cfg), max = PITH_BOOTINFO_END - at;
	char *dst;

	if (size > max) {
		snprintf(err, errlen,
			 "arguments and environment too large (%llu bytes; max %llu); pass fewer "
			 "or shorter arguments or environment variables",
			 (unsigned long long)size, (unsigned long long)max);
		return -1;
	}
	dst = guest_mem__raw(&vm->mem, at, size);
	strings__copy(strings__copy(dst, cfg->argv, cfg->argc), cfg->envp, cfg->envc);
	bi->strings = at;
	bi->strings_len = size;
	bi->argc = (uint32_t)cfg->argc;
	bi->envc = (uint32_t)cfg->envc;
	return 0;
}

static int host__facts(struct pith_boot_info *bi, char *err, size_t errlen)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	bi->realtime_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (getrandom(bi->seed, sizeof(bi->seed), 0) == (ssize_t)sizeof(bi->seed))
		return 0;
	snprintf(err, errlen, "getrandom failed: %s; the guest needs a random seed",
		 strerror(errno));
	return -1;
}

int bootinfo__write(struct vm *vm, char *err, size_t errlen)
{
	struct pith_boot_info *bi = guest_mem__raw(&vm->mem, PITH_BOOTINFO_BASE, sizeof(*bi));
	uint64_t at = ALIGN16(PITH_BOOTINFO_BASE + sizeof(*bi));

	*bi = (struct pith_boot_info){
	    .magic = PITH_BOOT_MAGIC,
	    .abi_version = PITH_ABI_VERSION,
	    .flags = (vm->cfg->trace ? PITH_BOOT_TRACE : 0) | (vm->compat ? PITH_BOOT_COMPAT : 0) |
		     (vm->cfg->stats ? PITH_BOOT_STATS : 0),
	    .mem_size = vm->layout.mem_size,
	    .heap_start = vm->layout.heap_start,
	    .heap_end = vm->layout.heap_end,
	    .stack_top = vm->layout.stack_top,
	    .tsc_hz = vm->tsc_hz,
	    .phnum = vm->image.phnum,
	    .entry = vm->image.entry,
	    .net = vm->net_info, /* filled by net_dev__init, all zero without a NIC */
	    .timeslice_ns = vm->cfg->timeslice_ns ? vm->cfg->timeslice_ns : TIMESLICE_DEFAULT_NS,
	};
	bi->phdr = phdrs__place(vm, at);
	if (!bi->phdr) {
		snprintf(err, errlen, "%s has too many program headers (%u); link it with fewer",
			 vm->cfg->image_path, vm->image.phnum);
		return -1;
	}
	if (bi->phdr == at)
		at = ALIGN16(at + (uint64_t)vm->image.phnum * PHDR_SIZE);
	if (host__facts(bi, err, errlen) < 0)
		return -1;
	return strings__write(vm, bi, at, err, errlen);
}

void bootinfo__write_disks(struct vm *vm)
{
	struct pith_boot_info *bi = guest_mem__raw(&vm->mem, PITH_BOOTINFO_BASE, sizeof(*bi));

	if (!vm->blk)
		return;
	bi->disk_count = vm->cfg->blk.count;
	for (unsigned i = 0; i < bi->disk_count; i++)
		blk_dev__info(vm, i, &bi->disks[i]);
}

static const struct kvm_cpuid_entry2 *cpuid__find(const struct x86_cpuid *c, uint32_t fn,
						  uint32_t index)
{
	for (uint32_t i = 0; i < c->table.head.nent && i < X86_CPUID_MAX_ENTRIES; i++)
		if (c->table.entry[i].function == fn && c->table.entry[i].index == index)
			return &c->table.entry[i];
	return NULL;
}

/*
 * The standard (non-compacted) xsave area for xcr0: the legacy region and header, then each
 * enabled component i >= 2 at CPUID.(0xd, i).EBX with CPUID.(0xd, i).EAX bytes (SDM Vol. 1,
 * 13.4 and 13.5). This is CPUID.(0xd, 0).EBX for that XCR0, computed from the sub-leaves:
 * sub-leaf 0's EBX in the supported table need not match the XCR0 the vCPU runs with.
 */
static uint32_t xsave__size(const struct x86_cpuid *c, uint64_t xcr0)
{
	uint32_t size = XSAVE_LEGACY_HEADER;

	for (uint32_t i = 2; i < 64; i++) {
		const struct kvm_cpuid_entry2 *e = xcr0 >> i & 1 ? cpuid__find(c, 0xd, i) : NULL;

		if (e && e->ebx + e->eax > size)
			size = e->ebx + e->eax;
	}
	return size;
}

void bootinfo__write_xsave(struct vm *vm, const struct x86_cpuid *cpuid)
{
	struct pith_boot_info *bi = guest_mem__raw(&vm->mem, PITH_BOOTINFO_BASE, sizeof(*bi));
	uint64_t xcr0 = vm->xcr0 & X86_XCR0_WANT;

	bi->xsave_features = xcr0;
	bi->xsave_size = xcr0 ? xsave__size(cpuid, xcr0) : 0;
}
