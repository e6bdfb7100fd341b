/* The monitor's pages in guest memory: GDT, IDT, TSS with I/O bitmap, CPL0 stubs, IST stack. */
#include "x86_64/desc.h"

#include <string.h>

/*
 * Segment descriptors (Intel SDM Vol. 3A, 3.4.5): limit 0xfffff, base 0, G = 1. Access byte:
 * P | DPL | S | type; code is execute/read, data is read/write, both with accessed already set
 * so the CPU never writes the GDT. L = 1 for 64-bit code, D/B = 1 for data.
 */
#define DESC_CODE64(dpl) (0x00af9b000000ffffULL | ((uint64_t)(dpl) << 45))
#define DESC_DATA(dpl)	 (0x00cf93000000ffffULL | ((uint64_t)(dpl) << 45))

/* 64-bit TSS layout (SDM Vol. 3A, 8.7): RSP0 at 4, IST1 at 36, I/O map base at 102. */
#define TSS_SIZE       104
#define TSS_RSP0       4
#define TSS_IST1       36
#define TSS_IOMAP_BASE 102

/*
 * The I/O bitmap opens the hypercall ports. A 4-byte `outl` is allowed only if the bits of all
 * four ports it covers are clear (SDM Vol. 1, 19.5.2), so `outl` to the last hypercall port also
 * needs the next three bits clear; the monitor rejects any access to those three ports.
 *
 * It also opens PITH_TRAP_PORT_SYSCALL. On hardware KVM, `syscall` enters the LSTAR stub at
 * CPL0, where the bitmap does not apply. On this project's PVM hosts, `syscall` jumps to LSTAR
 * but stays at CPL3 (CS reads 0x23 at the stub's exit; measured), so the stub's `out` needs the
 * port open and the stub's page must be user-accessible. That gives a CPL3 guest nothing: the
 * monitor's answer to the port is "continue at CPL3 at the image's compat entry", which the
 * guest could do with a jump.
 */
#define IOMAP_OPEN_LO PITH_HC_PORT_BASE
#define IOMAP_OPEN_HI (PITH_HC_PORT_BASE + PITH_HC_COUNT - 1 + 3)
/* The doorbells (the NIC's, then the disks'): four ports each, for the 4-byte `outl` that an
   ioeventfd takes; they overlap, so 0x510..0x514 are open. */
#define IOMAP_KICK_LO PITH_NET_KICK_PORT
#define IOMAP_KICK_HI (PITH_BLK_KICK_PORT + 3)
#define IOMAP_BYTES   (IOMAP_KICK_HI / 8 + 1)
_Static_assert(PITH_BLK_KICK_PORT == PITH_NET_KICK_PORT + 1, "the doorbells are adjacent");
_Static_assert(IOMAP_KICK_HI >= IOMAP_OPEN_HI, "the I/O bitmap must cover every open port");

uint32_t x86_desc__tss_limit(void)
{
	return TSS_SIZE + IOMAP_BYTES; /* the terminating 0xff byte is the last one */
}

static void gdt__write(uint8_t *gdt)
{
	uint64_t tss = X86_TSS_ADDR, limit = x86_desc__tss_limit();
	uint64_t d[7] = {
	    0,
	    DESC_CODE64(0),
	    DESC_DATA(0),
	    DESC_DATA(3),
	    DESC_CODE64(3),
	    /* 64-bit TSS, type 0xb (busy), P = 1, DPL 0: 16 bytes (SDM Vol. 3A, 8.2.3) */
	    (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x8bULL << 40) |
		((limit >> 16 & 0xf) << 48) | ((tss >> 24 & 0xff) << 56),
	    tss >> 32,
	};

	memcpy(gdt, d, sizeof(d));
}

static void tss__write(uint8_t *tss)
{
	uint64_t top = X86_IST_TOP;
	uint16_t iomap = TSS_SIZE;
	uint8_t *bitmap = tss + TSS_SIZE;

	memset(tss, 0, TSS_SIZE);
	memcpy(tss + TSS_RSP0, &top, 8);
	memcpy(tss + TSS_IST1, &top, 8);
	memcpy(tss + TSS_IOMAP_BASE, &iomap, 2);
	memset(bitmap, 0xff, IOMAP_BYTES + 1);
	for (unsigned port = IOMAP_OPEN_LO; port <= IOMAP_OPEN_HI; port++)
		bitmap[port / 8] &= (uint8_t) ~(1u << (port % 8));
	for (unsigned port = IOMAP_KICK_LO; port <= IOMAP_KICK_HI; port++)
		bitmap[port / 8] &= (uint8_t) ~(1u << (port % 8));
	bitmap[PITH_TRAP_PORT_SYSCALL / 8] &= (uint8_t) ~(1u << (PITH_TRAP_PORT_SYSCALL % 8));
}

/* Interrupt gate (SDM Vol. 3A, 6.14.1): P = 1, DPL 0, type 0xe, IST 1, to a stub in KCODE. */
static void idt__write(uint8_t *idt)
{
	for (unsigned v = 0; v < X86_IDT_VECTORS; v++) {
		uint64_t off = X86_STUBS_ADDR + v * X86_STUB_SIZE;
		uint64_t lo = (off & 0xffff) | ((uint64_t)PITH_SEL_KCODE << 16) | (1ULL << 32) |
			      (0x8eULL << 40) | ((off >> 16 & 0xffff) << 48);
		uint64_t hi = off >> 32;

		memcpy(idt + v * 16, &lo, 8);
		memcpy(idt + v * 16 + 8, &hi, 8);
	}
}

/*
 * Each stub reports its vector with `out %al, $imm8` (e6 ib) and halts (f4), looping on the hlt
 * (eb fd). Stubs touch no memory and no register: the monitor never resumes them.
 */
static void stub__write(uint8_t *at, uint8_t port)
{
	const uint8_t code[X86_STUB_SIZE] = {0xe6, port, 0xf4, 0xeb, 0xfd, 0xcc, 0xcc, 0xcc};

	memcpy(at, code, sizeof(code));
}

static void stubs__write(uint8_t *stubs, uint8_t *syscall)
{
	memset(stubs, 0xcc, PITH_PAGE_SIZE);
	for (unsigned v = 0; v < X86_IDT_VECTORS; v++)
		stub__write(stubs + v * X86_STUB_SIZE, (uint8_t)(PITH_TRAP_PORT_BASE + v));
	memset(syscall, 0xcc, PITH_PAGE_SIZE);
	stub__write(syscall, PITH_TRAP_PORT_SYSCALL);
}

int x86_desc__write(const struct guest_mem *mem)
{
	uint8_t *p = guest_mem__raw(mem, PITH_MONITOR_BASE, X86_DESC_END - PITH_MONITOR_BASE);

	if (!p)
		return -1;
	gdt__write(p + (X86_GDT_ADDR - PITH_MONITOR_BASE));
	idt__write(p + (X86_IDT_ADDR - PITH_MONITOR_BASE));
	tss__write(p + (X86_TSS_ADDR - PITH_MONITOR_BASE));
	stubs__write(p + (X86_STUBS_ADDR - PITH_MONITOR_BASE),
		     p + (X86_SYSCALL_ADDR - PITH_MONITOR_BASE));
	return 0;
}
