/* The monitor's pages in guest memory: GDT, IDT, TSS with I/O bitmap, CPL0 stubs, IST stack. */
#ifndef VMM_X86_64_DESC_H
#define VMM_X86_64_DESC_H

#include <stdint.h>

#include <pith/abi.h>

#include "guestmem.h"

/* Where each monitor page lives in [PITH_MONITOR_BASE, PITH_MONITOR_END). */
#define X86_GDT_ADDR	 0x1000ULL
#define X86_IDT_ADDR	 0x2000ULL
#define X86_TSS_ADDR	 0x3000ULL
#define X86_STUBS_ADDR	 0x4000ULL /* trap stubs: supervisor read-only, executable */
#define X86_SYSCALL_ADDR 0x5000ULL /* the LSTAR stub: read-only, executable, user-accessible */
#define X86_IST_BASE	 0x6000ULL /* two pages of exception stack */
#define X86_IST_TOP	 0x8000ULL
#define X86_PT_BASE	 0x8000ULL   /* page-table pages, up to PITH_MONITOR_END */
#define X86_DESC_END	 X86_PT_BASE /* end of the pages the guest's CPU must see mapped */

#define X86_GDT_LIMIT	(7 * 8 - 1) /* null, kcode, kdata, udata, ucode, tss (2) */
#define X86_IDT_VECTORS 32
#define X86_IDT_LIMIT	(X86_IDT_VECTORS * 16 - 1)
#define X86_STUB_SIZE	8

/* TSS limit (last valid byte): the 104-byte TSS, the I/O bitmap and its terminating byte. */
uint32_t x86_desc__tss_limit(void);

/* Write the GDT, IDT, TSS (with I/O bitmap) and the trap stubs into guest memory. */
int x86_desc__write(const struct guest_mem *mem);

#endif
