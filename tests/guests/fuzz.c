/* Test guest: a seeded random run of hostile actions against the monitor, until one ends it. */
/*
 * Usage: pith run fuzz [SEED [-v]]. SEED (decimal or 0x hex) seeds the generator; without it
 * the boot info's random seed does, and the guest prints the seed it used. -v prints every
 * action with its sequence number (each line is a console hypercall: a VM exit).
 *
 * Each step is either "tame" (valid hypercalls with random contents, writes to the heap, syscall
 * instructions on a usable stack, harmless instructions: the guest usually goes on) or, with
 * probability 1/HOSTILE_ONE_IN, hostile (any address class, any field, any port, privileged
 * instructions, jumps, far transfers, software interrupts, random registers and flags): most
 * end the guest, and the monitor must then stop it with a report, never crash or hang itself.
 * A run that survives ACTIONS_MAX steps exits 0.
 *
 * What the guest never asks for, so that tests/guests/run.sh can hold the monitor to strict
 * rules: an exit status whose low byte is 125 or 139 (the monitor's own statuses), a console
 * write to stderr (stderr belongs to the monitor's report), a console write of more than
 * CONSOLE_MAX bytes, a wait longer than WAIT_MAX_NS, a jump into its own code (a loop there
 * would be a guest hang, not a monitor bug), a write to its own data or live stack, a stack
 * that could `ret` into its own code (see stack_ok) and a compat return to the syscall stub
 * (see compat_return). A hypercall whose struct lies in memory the guest can read is predicted
 * from the bytes the monitor will read; bytes of guest RAM the guest cannot read (the guard
 * page, gaps between segments) are taken as zero: nothing ever writes them.
 */
#include "compat_entry.h"
#include "guest.h"

GUEST_NOTE(PITH_ABI_VERSION, guest_compat_entry);
GUEST_START();
GUEST_COMPAT_ENTRY();

#define ACTIONS_MAX    2000	  /* a run that survives this many steps exits 0 */
#define HOSTILE_ONE_IN 12	  /* one step in this many is hostile */
#define WAIT_MAX_NS    100000ULL  /* longest wait the guest asks for: 0.1 ms */
#define CONSOLE_MAX    4096	  /* longest console write to stdout the guest asks for */
#define LIVE_STACK     0x10000ULL /* below the current RSP, this much stack is left alone */
#define SCRATCH_STACK  0x8000ULL  /* heap stack of the actions, then I/O buffer, then structs */
#define RANGES_MAX     16
#define ENOSYS	       38
#define RFLAGS_TF      0x100ULL
#define RFLAGS_AC      0x40000ULL  /* alignment checks: live at CPL3 on hosts whose CR0.AM is set */
#define RFLAGS_USER    0x244cd5ULL /* CF PF AF ZF SF DF OF NT AC ID: what popfq may change */
#define HC_PORTS       12	   /* 0x500..0x50b are open in the I/O bitmap */
#define TRAP_STUBS     0x4000ULL /* the monitor's trap stubs (X86_STUBS_ADDR, vmm/x86_64/desc.h) */
#define SYSCALL_STUB   0x5000ULL /* its user-executable syscall stub (X86_SYSCALL_ADDR) */

/* ELF64 program header (System V gABI, "Program Header"). */
struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD 1
#define PF_X	1
#define PF_W	2

struct range {
	uint64_t lo, hi;
};

/* The guest's view of its memory, from the boot info and its program headers. */
static struct world {
	uint64_t mem, heap_lo, heap_hi, stack_lo, stack_top, image_lo, image_hi;
	struct range readable[RANGES_MAX], text[RANGES_MAX], own_rw[RANGES_MAX];
	unsigned nreadable, ntext, nown_rw;
} w;

/* Registers for fz_syscall/fz_jump (order: rax rbx rcx rdx rsi rdi rbp rsp r8..r15). */
struct fz_state {
	uint64_t reg[16];
	uint64_t flags, target, saved_rsp;
} fz;

enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_SP };

static uint64_t rng;
static int tame, verbose;
static uint32_t seq;
static uint8_t scratch[64]; /* hypercall structs in the guest's own bss */

/* ---- random numbers (splitmix64) ------------------------------------------------------------- */

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned one_in)
{
	return rnd_below(one_in) == 0;
}

static uint64_t rnd_in(uint64_t lo, uint64_t hi)
{
	return hi > lo ? lo + rnd_below(hi - lo) : lo;
}

/* ---- console output (verbose mode and the seed line) ----------------------------------------- */

static void put_hex(uint64_t v)
{
	char buf[19];
	int i = 18;

	do
		buf[i--] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	buf[i--] = 'x';
	buf[i] = '0';
	guest_write(1, buf + i, 19 - (size_t)i);
}

static void say(const char *what, uint64_t a, uint64_t b)
{
	if (!verbose)
		return;
	guest_puts(1, "fuzz: #");
	put_hex(seq);
	guest_puts(1, tame ? " tame " : " hostile ");
	guest_puts(1, what);
	guest_puts(1, " ");
	put_hex(a);
	guest_puts(1, " ");
	put_hex(b);
	guest_puts(1, "\n");
}

/* ---- the memory map -------------------------------------------------------------------------- */

static void range_add(struct range *r, unsigned *n, uint64_t lo, uint64_t hi)
{
	if (*n < RANGES_MAX && lo < hi)
		r[(*n)++] = (struct range){lo, hi};
}

static int in_ranges(const struct range *r, unsigned n, uint64_t a)
{
	for (unsigned i = 0; i < n; i++)
		if (a >= r[i].lo && a < r[i].hi)
			return 1;
	return 0;
}

static int overlaps(const struct range *r, unsigned n, uint64_t lo, uint64_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (lo < r[i].hi && lo + len > r[i].lo)
			return 1;
	return 0;
}

static void world_segments(const struct pith_boot_info *bi)
{
	const struct phdr *ph = (const struct phdr *)(uintptr_t)bi->phdr;

	w.image_lo = ~0ULL;
	for (uint64_t i = 0; i < bi->phnum; i++) {
		uint64_t lo = ph[i].vaddr & ~(PITH_PAGE_SIZE - 1);
		uint64_t hi =
		    (ph[i].vaddr + ph[i].memsz + PITH_PAGE_SIZE - 1) & ~(PITH_PAGE_SIZE - 1);

		if (ph[i].type != PT_LOAD)
			continue;
		range_add(w.readable, &w.nreadable, lo, hi);
		if (ph[i].flags & PF_X)
			range_add(w.text, &w.ntext, lo, hi);
		if (ph[i].flags & PF_W)
			range_add(w.own_rw, &w.nown_rw, lo, hi);
		w.image_lo = lo < w.image_lo ? lo : w.image_lo;
		w.image_hi = hi > w.image_hi ? hi : w.image_hi;
	}
}

static void world_init(const struct pith_boot_info *bi)
{
	w.mem = bi->mem_size;
	w.heap_lo = bi->heap_start;
	w.heap_hi = bi->heap_end;
	w.stack_lo = bi->heap_end + PITH_PAGE_SIZE;
	w.stack_top = bi->stack_top;
	range_add(w.readable, &w.nreadable, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END);
	range_add(w.readable, &w.nreadable, w.heap_lo, w.heap_hi);
	range_add(w.readable, &w.nreadable, w.stack_lo, w.stack_top);
	world_segments(bi);
}

/* A byte of guest RAM as the monitor would read it (see the top of the file). */
static uint8_t peek(uint64_t a)
{
	return in_ranges(w.readable, w.nreadable, a) ? *(volatile uint8_t *)(uintptr_t)a : 0;
}

static uint64_t peek_n(uint64_t a, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | peek(a + n);
	return v;
}

/* Write the bytes of [a, a + n) that lie in the heap or in scratch[]; skip the others. */
static void poke_n(uint64_t a, uint64_t v, unsigned n)
{
	uint64_t s = (uintptr_t)scratch;

	for (unsigned i = 0; i < n; i++, v >>= 8)
		if ((a + i >= w.heap_lo && a + i < w.heap_hi) || (a + i >= s && a + i < s + 64))
			*(volatile uint8_t *)(uintptr_t)(a + i) = (uint8_t)v;
}

/* What guest_mem__ptr accepts: [a, a + len) inside [boot info, end of RAM), no wrap. */
static int monitor_reads(uint64_t a, uint64_t len)
{
	return a >= PITH_BOOTINFO_BASE && a + len >= a && a + len <= w.mem;
}

static uint64_t live_sp(void)
{
	return (uintptr_t)__builtin_frame_address(0);
}

/* A write the guest allows itself: never its own data/bss nor the live stack. */
static int write_allowed(uint64_t a, uint64_t len)
{
	struct range live = {live_sp() - LIVE_STACK, w.stack_top};

	return !overlaps(w.own_rw, w.nown_rw, a, len) && !overlaps(&live, 1, a, len);
}

/*
 * A stack or frame pointer the guest allows itself: `ret`, `leave` or `lretq` there must not
 * pop an address of its own code, as the boot info (the entry), the image (rodata's switch
 * tables, the data) and the heap's hypercall structs (pointers of any class) could hold.
 */
static int stack_ok(uint64_t sp)
{
	struct range no[2] = {{PITH_BOOTINFO_BASE, w.image_hi},
			      {w.heap_lo + SCRATCH_STACK, w.heap_hi}};
	uint64_t lo = sp - PITH_PAGE_SIZE, len = PITH_PAGE_SIZE + 64; /* pushes below, pops above */

	return write_allowed(lo, len) && !overlaps(no, 2, lo, len);
}

/* ---- values ---------------------------------------------------------------------------------- */

enum {
	A_HEAP,
	A_IMAGE,
	A_BOOTINFO,
	A_STACK,
	A_TAME, /* classes above: readable memory a tame step uses */
	A_NULL = A_TAME,
	A_MONITOR,
	A_STUB,
	A_HEAP_END,
	A_GUARD,
	A_RAM_END,
	A_PAST_RAM,
	A_WRAP32,
	A_HUGE,
	A_RANDOM,
	A_CLASSES
};

static uint64_t addr_huge(void)
{
	static const uint64_t v[] = {1ULL << 47, 0xffff800000000000ULL, 1ULL << 63, 1ULL << 32,
				     0xfffffffffffff000ULL};

	return chance(3) ? ~0ULL - rnd_below(0x10000) : v[rnd_below(5)] + rnd_below(64);
}

static uint64_t addr_of(unsigned cls)
{
	switch (cls) {
	case A_HEAP:
		return rnd_in(w.heap_lo, w.heap_hi);
	case A_IMAGE:
		return rnd_in(w.image_lo, w.image_hi);
	case A_BOOTINFO:
		return PITH_BOOTINFO_BASE + rnd_below(chance(2) ? 256 : 0x80000);
	case A_STACK:
		return rnd_in(w.stack_lo, w.stack_top);
	case A_NULL:
		return rnd_below(PITH_PAGE_SIZE);
	case A_MONITOR:
		return rnd_in(PITH_MONITOR_BASE, PITH_MONITOR_END);
	case A_STUB: /* the trap stubs (supervisor) and the syscall stub page (user) */
		return chance(2) ? TRAP_STUBS + 8 * rnd_below(33) : SYSCALL_STUB + rnd_below(16);
	case A_HEAP_END:
		return w.heap_hi - rnd_below(32);
	case A_GUARD:
		return rnd_in(w.heap_hi, w.stack_lo);
	case A_RAM_END:
		return w.mem - 32 + rnd_below(64);
	case A_PAST_RAM:
		return chance(2) ? w.mem + rnd_below(0x10000) : rnd_in(w.mem, 1ULL << 32);
	case A_WRAP32:
		return 0xffffffffULL - rnd_below(32);
	case A_HUGE:
		return addr_huge();
	}
	return rnd();
}

static uint64_t addr_pick(void)
{
	return addr_of((unsigned)rnd_below(tame ? A_TAME : A_CLASSES));
}

static uint64_t len_pick(void)
{
	if (tame)
		return rnd_below(chance(4) ? CONSOLE_MAX + 2 : 64);
	switch (rnd_below(9)) {
	case 0:
		return 0;
	case 1:
		return rnd_below(0x2000);
	case 2:
		return w.mem - rnd_below(4) + 1;
	case 3:
		return ~0ULL - rnd_below(0x2000); /* lengths near 2^64 */
	case 4:
		return (1ULL << 63) + rnd_below(2);
	case 5:
		return 1ULL << (32 + rnd_below(32));
	case 6:
		return rnd_below(w.mem);
	case 7:
		return PITH_PAGE_SIZE * rnd_below(1024);
	}
	return rnd();
}

static uint32_t stream_pick(void)
{
	static const uint32_t v[] = {0, 1, 2, 3, 0xffffffffu, 0x80000001u, 0x80000002u};

	return tame ? 1 : chance(4) ? (uint32_t)rnd() : v[rnd_below(7)];
}

static uint64_t reg_pick(void)
{
	switch (rnd_below(5)) {
	case 0:
		return rnd_below(512);
	case 1:
		return addr_pick();
	case 2:
		return -rnd_below(512);
	}
	return rnd();
}

/* ---- hypercalls ------------------------------------------------------------------------------ */

/* Bytes of each call's struct, by port - 0x500; 0: not a hypercall (any access is refused). */
static const uint32_t hc_size[HC_PORTS] = {sizeof(struct pith_hc_console),
					   sizeof(struct pith_hc_wait),
					   sizeof(struct pith_hc_exit),
					   sizeof(struct pith_hc_panic),
					   sizeof(struct pith_hc_net_setup),
					   sizeof(struct pith_hc_blk_setup),
					   sizeof(struct pith_hc_sched_setup),
					   sizeof(struct pith_hc_timer),
					   sizeof(struct pith_hc_protect),
					   0,
					   0,
					   0};
_Static_assert(PITH_HC_COUNT == 9, "hc_size lists every hypercall");

static int console_forbidden(uint64_t data, uint64_t len, uint32_t stream, uint32_t reserved)
{
	if (reserved || (stream != 1 && stream != 2) || !monitor_reads(data, len))
		return 0; /* the monitor refuses it */
	return stream == 2 ? len > 0 : len > CONSOLE_MAX;
}

static int exit_status_reserved(uint32_t status)
{
	return (status & 0xff) == PITH_EXIT_ERROR || (status & 0xff) == PITH_EXIT_CRASH;
}

/* Whether `outl` of struct address a to port 0x500 + call does what the guest never asks for. */
static int hc_forbidden(unsigned call, uint32_t a)
{
	if (call >= HC_PORTS || !hc_size[call] || !monitor_reads(a, hc_size[call]))
		return 0;
	switch (call) {
	case 0:
		return console_forbidden(peek_n(a, 8), peek_n(a + 8, 8),
					 (uint32_t)peek_n(a + 16, 4), (uint32_t)peek_n(a + 20, 4));
	case 1:
		return peek_n(a, 8) > WAIT_MAX_NS;
	case 2:
		return peek_n(a + 4, 4) == 0 && exit_status_reserved((uint32_t)peek_n(a, 4));
	}
	return 0;
}

/* Fill a struct for the call at a with random fields (only the guest-writable bytes land). */
static void hc_fill(unsigned call, uint64_t a)
{
	uint64_t wait = chance(2) ? 0 : rnd_below(WAIT_MAX_NS + 1);

	switch (call) {
	case 0:
		poke_n(a, tame || chance(2) ? addr_pick() : rnd(), 8);
		poke_n(a + 8, len_pick(), 8);
		poke_n(a + 16, stream_pick(), 4);
		poke_n(a + 20, tame || !chance(4) ? 0 : rnd(), 4);
		break;
	case 1: /* huge timeouts are generated, then capped: a run never sleeps long */
		poke_n(a, tame || !chance(4) ? wait : len_pick() % (WAIT_MAX_NS + 1), 8);
		break;
	case 2:
		poke_n(a, chance(2) ? rnd_below(256) : rnd(), 4);
		poke_n(a + 4, tame || !chance(4) ? 0 : rnd(), 4);
		break;
	case 3:
		poke_n(a, addr_pick(), 8);
		poke_n(a + 8, len_pick(), 8);
		break;
	default:
		poke_n(a, addr_pick(), 8);
		poke_n(a + 8, rnd(), 8);
		poke_n(a + 16, rnd(), 8);
	}
}

/* Make a forbidden call allowed where the guest can write the field that decides it. */
static void hc_tidy(unsigned call, uint64_t a)
{
	if (call == 0 && hc_forbidden(call, (uint32_t)a))
		poke_n(a + 16, 1, 4);
	if (call == 0 && hc_forbidden(call, (uint32_t)a))
		poke_n(a + 8, rnd_below(CONSOLE_MAX), 8);
	if (call == 1 && hc_forbidden(call, (uint32_t)a))
		poke_n(a, rnd_below(WAIT_MAX_NS), 8);
	if (call == 2 && hc_forbidden(call, (uint32_t)a))
		poke_n(a, peek_n(a, 4) ^ 1, 4);
}

/* Where the struct goes: anywhere in the heap (any alignment), astride its end, in the bss. */
static uint64_t hc_home(void)
{
	switch (rnd_below(tame ? 2 : 4)) {
	case 0:
		return rnd_in(w.heap_lo + 2 * SCRATCH_STACK, w.heap_hi - 32);
	case 1:
		return (uintptr_t)scratch + rnd_below(40);
	case 2:
		return w.heap_hi - rnd_below(32);
	}
	return addr_pick(); /* memory the guest may not even read: nothing is filled */
}

static void hc_out(uint16_t port, uint32_t a)
{
	__asm__ volatile("outl %0, %1" : : "a"(a), "Nd"(port) : "memory");
}

static void act_hypercall(void)
{
	unsigned r = (unsigned)rnd_below(50), call = (unsigned)rnd_below(HC_PORTS);

	if (tame) /* mostly console and wait; an exit or a panic ends the run */
		call = r < 30 ? 0 : r < 47 ? 1 : r < 48 ? 2 : 3;
	uint64_t a;

	a = hc_home();
	hc_fill(call, a);
	hc_tidy(call, a);
	if (!tame && chance(4))
		a = chance(2) ? addr_pick() : rnd();
	if (hc_forbidden(call, (uint32_t)a))
		return;
	say("hypercall", PITH_HC_PORT_BASE + call, (uint32_t)a);
	hc_out((uint16_t)(PITH_HC_PORT_BASE + call), (uint32_t)a);
}

/* ---- port I/O -------------------------------------------------------------------------------- */

/*
 * RCX and R11 are set as a `syscall` instruction would set them, so that an access to the
 * syscall stub's port (which the monitor answers by entering the compat entry) comes back here.
 * RAX is an output: the compat entry returns its result there.
 */
#define IO_BACK	   "lea 1f(%%rip), %%rcx\n\tmov $2, %%r11d\n\t"
#define IO_CLOBBER "rcx", "r11", "cc", "memory"

static void port_io(unsigned op, uint16_t port, uint32_t v, uint64_t buf, uint64_t n)
{
	switch (op) {
	case 0:
		__asm__ volatile(IO_BACK "outb %%al, %%dx\n1:" : "+a"(v) : "d"(port) : IO_CLOBBER);
		break;
	case 1:
		__asm__ volatile(IO_BACK "outw %%ax, %%dx\n1:" : "+a"(v) : "d"(port) : IO_CLOBBER);
		break;
	case 2:
		__asm__ volatile(IO_BACK "outl %%eax, %%dx\n1:" : "+a"(v) : "d"(port) : IO_CLOBBER);
		break;
	case 3:
		__asm__ volatile(IO_BACK "inb %%dx, %%al\n1:" : "+a"(v) : "d"(port) : IO_CLOBBER);
		break;
	case 4:
		__asm__ volatile(IO_BACK "inl %%dx, %%eax\n1:" : "+a"(v) : "d"(port) : IO_CLOBBER);
		break;
	case 5:
		__asm__ volatile(IO_BACK "outsb\n1:" : "+a"(v), "+S"(buf) : "d"(port) : IO_CLOBBER);
		break;
	case 6:
		__asm__ volatile(IO_BACK "outsl\n1:" : "+a"(v), "+S"(buf) : "d"(port) : IO_CLOBBER);
		break;
	case 7:
		__asm__ volatile("rep outsl" : "+S"(buf), "+c"(n) : "d"(port) : "cc", "memory");
		break;
	default:
		__asm__ volatile("rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "cc", "memory");
	}
}

/* Hypercall ports weighted heavily (with their closed neighbours), then trap ports, then any. */
static uint16_t port_pick(void)
{
	unsigned r = (unsigned)rnd_below(10);

	if (tame)
		return PITH_TRAP_PORT_SYSCALL;
	if (r < 6)
		return (uint16_t)(PITH_HC_PORT_BASE - 3 + rnd_below(HC_PORTS + 4));
	if (r < 8)
		return (uint16_t)(PITH_TRAP_PORT_BASE + rnd_below(0x21));
	return (uint16_t)rnd();
}

/* The value a 4-byte out carries: for a hypercall port, a struct address the guest may send. */
static int port_value(uint16_t port, uint32_t *v)
{
	unsigned call = (unsigned)(port - PITH_HC_PORT_BASE);
	uint64_t a = hc_home();

	*v = (uint32_t)rnd();
	if (call >= HC_PORTS)
		return 0;
	hc_fill(call, a);
	hc_tidy(call, a);
	if (!chance(4))
		*v = (uint32_t)a;
	return hc_forbidden(call, *v);
}

static void act_port(void)
{
	uint16_t port = port_pick();
	unsigned op = (unsigned)(tame ? 5 * rnd_below(2) : rnd_below(9));
	uint64_t buf = w.heap_lo + SCRATCH_STACK, n = 1 + rnd_below(4);
	uint32_t v;

	if (port_value(port, &v))
		return;
	for (unsigned i = 0; i < 4; i++)
		poke_n(buf + 4 * i, v, 4);
	say("port", port, op);
	port_io(op, port, v, buf, n);
}

/* ---- writes ---------------------------------------------------------------------------------- */

static void act_write(void)
{
	uint64_t a = tame ? rnd_in(w.heap_lo, w.heap_hi - 64) : addr_pick(), v = rnd();
	uint64_t n = 1 + rnd_below(64);
	unsigned how = (unsigned)rnd_below(4);

	if (!write_allowed(a, 64))
		return;
	say("write", a, how);
	if (how == 0)
		*(volatile uint8_t *)(uintptr_t)a = (uint8_t)v;
	else if (how == 1)
		*(volatile uint64_t *)(uintptr_t)a = v;
	else if (how == 2)
		__asm__ volatile("lock xaddq %0, (%1)" : "+r"(v) : "r"(a) : "cc", "memory");
	else
		__asm__ volatile("rep stosb" : "+D"(a), "+c"(n) : "a"(v) : "memory");
}

/* ---- running code with chosen registers ------------------------------------------------------ */

/*
 * fz_syscall and fz_jump save the callee-saved registers and RSP, load RFLAGS and all sixteen
 * general registers from fz, then execute `syscall` or jump to fz.target. Whatever comes back
 * (the compat entry returning to RCX, or a slot's `ret`) lands on fz_back, which restores them.
 * fz_slot_* are the instructions to try, one per 16-byte slot, each followed by `ret`.
 */
#define FZ_LOAD                                                                                    \
	"push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"                       \
	"mov %rsp, fz+144(%rip)\npushq fz+128(%rip)\npopfq\n"                                      \
	"mov fz+0(%rip), %rax\nmov fz+8(%rip), %rbx\nmov fz+16(%rip), %rcx\n"                      \
	"mov fz+24(%rip), %rdx\nmov fz+32(%rip), %rsi\nmov fz+40(%rip), %rdi\n"                    \
	"mov fz+48(%rip), %rbp\nmov fz+64(%rip), %r8\nmov fz+72(%rip), %r9\n"                      \
	"mov fz+80(%rip), %r10\nmov fz+88(%rip), %r11\nmov fz+96(%rip), %r12\n"                    \
	"mov fz+104(%rip), %r13\nmov fz+112(%rip), %r14\nmov fz+120(%rip), %r15\n"                 \
	"mov fz+56(%rip), %rsp\n"

/* One 16-byte slot: the instructions, then `ret`; the assembler refuses a longer slot. */
#define SLOT(insns)                                                                                \
	".balign 16\n9:\n" insns "\nret\n.if . - 9b > 16\n"                                        \
	".error \"fuzz.c: an instruction slot is longer than 16 bytes\"\n.endif\n"

/*
 * Tame slots usually return; hostile ones are privileged, invalid or faulting instructions
 * (0xf1 int1, 0xce into, 0f 01 c1 vmcall, 0f 01 d9 vmmcall, 0f 37 getsec, 0f 01 cf encls, f0 90
 * lock nop, 0x17 pop %ss, 0f b9 ud1, cd 03 `int $3` through the gate, unmasked SSE and x87
 * exceptions), far slots are `ljmp`/`lcall` through the far pointer at RAX (REX.W ff /5, /3),
 * `lretq` and `iretq`; then one `int $n` for every vector.
 */
/* clang-format off */
__asm__(".text\n.globl fz_syscall, fz_jump, fz_back\n"
	"fz_syscall:\n" FZ_LOAD "syscall\n"
	"fz_back:\n"
	"mov fz+144(%rip), %rsp\npushq $2\npopfq\n"
	"pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n"
	"fz_jump:\n" FZ_LOAD "jmp *fz+136(%rip)\n"
	".balign 16\nfz_slot_tame:\n"
	SLOT("cpuid") SLOT("rdtsc") SLOT("pause") SLOT("mfence") SLOT("xor %ecx, %ecx\nxgetbv")
	SLOT("rdrand %rax") SLOT("lar %ax, %edx") SLOT("lsl %ax, %edx") SLOT("verr %ax")
	SLOT("verw %ax") SLOT("wrfsbase %rax") SLOT("rdgsbase %rax") SLOT("mov (%rax), %rdx")
	SLOT("and $63, %ecx\nrep movsb") SLOT("prefetcht0 (%rax)") SLOT("clflush (%rax)")
	SLOT("cmpxchg16b (%rax)") SLOT("vzeroupper") SLOT("fninit") SLOT("pushfq\npopfq")
	SLOT("mov %ds, %eax\nmov %eax, %es")
	".balign 16\nfz_slot_hostile:\n"
	SLOT("hlt") SLOT("cli") SLOT("sti") SLOT("int3") SLOT("ud2") SLOT(".byte 0xf1")
	SLOT(".byte 0xce") SLOT("rdmsr") SLOT("wrmsr") SLOT("mov %cr0, %rax")
	SLOT("mov %rax, %cr3") SLOT("mov %cr8, %rax") SLOT("lgdt (%rax)") SLOT("lidt (%rax)")
	SLOT("ltr %ax") SLOT("lldt %ax") SLOT("invlpg (%rax)") SLOT("wbinvd") SLOT("invd")
	SLOT("clts") SLOT("mov %dr7, %rax") SLOT("mov %rax, %dr0") SLOT("swapgs") SLOT("sysretq")
	SLOT("sysexitq") SLOT("sysenter") SLOT("xsetbv") SLOT("rdpmc") SLOT("in $0x70, %al")
	SLOT("out %al, $0x80") SLOT("monitor") SLOT("mwait") SLOT(".byte 0x0f, 0x01, 0xc1")
	SLOT(".byte 0x0f, 0x01, 0xd9") SLOT("clac") SLOT("stac") SLOT(".byte 0x0f, 0x37")
	SLOT(".byte 0x0f, 0x01, 0xcf") SLOT(".byte 0xf0, 0x90") SLOT(".byte 0x17")
	SLOT(".byte 0x0f, 0xb9, 0xc0") SLOT("xor %ecx, %ecx\ndiv %rcx")
	SLOT("or $-1, %rcx\nshl $63, %rax\ncqo\nidiv %rcx")
	SLOT("pushq $0\nldmxcsr (%rsp)\nxorps %xmm0, %xmm0\ndivss %xmm0, %xmm0")
	SLOT("pushq $0x340\nfldcw (%rsp)\nfldz\nfdiv %st(0), %st\nfwait") SLOT("ldmxcsr (%rax)")
	SLOT("fxrstor (%rax)") SLOT("xrstor (%rax)") SLOT(".byte 0xcd, 0x03") SLOT("mov %ax, %ss")
	SLOT("mov %ax, %ds") SLOT("mov %ax, %es") SLOT("mov %ax, %fs") SLOT("mov %ax, %gs")
	SLOT("wrgsbase %rax\nmov %gs:0, %rdx") SLOT("sgdt (%rax)") SLOT("sidt (%rax)")
	SLOT("sldt (%rax)") SLOT("str (%rax)") SLOT("smsw (%rax)") SLOT("xsave (%rax)")
	SLOT("movaps (%rax), %xmm0") SLOT("rdtscp") SLOT("rdpid %rax")
	SLOT("and $4095, %ecx\nrep movsb") SLOT("mov (%rax), %rdx") SLOT("mov %rax, (%rax)")
	SLOT("jmp *%rax") SLOT("call *%rax") SLOT("push %rax\nret") SLOT("xbegin 1f\n1:")
	SLOT("rdpkru") SLOT("enter $0xffff, $31") SLOT("leave")
	".balign 16\nfz_slot_far:\n"
	SLOT(".byte 0x48, 0xff, 0x28") SLOT(".byte 0x48, 0xff, 0x18") SLOT("lretq") SLOT("iretq")
	".balign 16\nfz_slot_int:\n.set fz_v, 0\n.rept 256\n"
	SLOT("int $fz_v") ".set fz_v, fz_v + 1\n.endr\n"
	".balign 16\nfz_slot_end:\n");
/* clang-format on */

void fz_syscall(void);
void fz_jump(void);
extern const char fz_back[], fz_slot_tame[], fz_slot_hostile[], fz_slot_far[], fz_slot_int[],
    fz_slot_end[];

long guest_syscall(long nr, long a, long b, long c, long d)
{
	(void)nr, (void)a, (void)b, (void)c, (void)d;
	return -ENOSYS;
}

/* The top of the heap stack the actions use; a hostile step may pick any address instead. */
static uint64_t stack_pick(void)
{
	uint64_t sp = w.heap_lo + SCRATCH_STACK - 64 - rnd_below(256);

	if (!tame && chance(2))
		sp = addr_pick();
	return stack_ok(sp) ? sp : w.heap_lo + SCRATCH_STACK - 64;
}

/*
 * RCX is where the compat entry returns after the syscall stub: never the stub's page, or the
 * guest would bounce between stub and compat entry forever (a guest loop, not a monitor hang).
 */
static uint64_t compat_return(uint64_t rcx)
{
	return rcx >> 12 == SYSCALL_STUB >> 12 ? (uintptr_t)fz_back : rcx;
}

/* Random registers, none pointing into the guest's own data or live stack. */
static void regs_pick(void)
{
	for (unsigned i = 0; i < 16; i++) {
		uint64_t v =
		    tame ? (rnd_in(w.heap_lo, w.heap_lo + SCRATCH_STACK) & ~63ULL) : reg_pick();

		if (!write_allowed(v - 8192, 16384) || in_ranges(w.text, w.ntext, v))
			v = w.heap_lo;
		fz.reg[i] = v;
	}
	fz.reg[R_SP] = stack_pick();
	fz.reg[R_BP] = stack_ok(fz.reg[R_BP]) ? fz.reg[R_BP] : w.heap_lo;
	fz.reg[R_CX] = tame ? (uintptr_t)fz_back : compat_return(fz.reg[R_CX]);
	fz.reg[11] = tame ? 2 : fz.reg[11];
	fz.flags = (rnd() & (tame ? RFLAGS_USER & ~RFLAGS_AC : RFLAGS_USER)) | 2;
}

static void act_syscall(void)
{
	regs_pick();
	fz.reg[R_AX] = chance(2) ? rnd_below(460) : rnd();
	say("syscall", fz.reg[R_AX], fz.reg[R_SP]);
	fz_syscall();
}

/* A jump target outside the guest's own code: the syscall stub page, or any address. */
static uint64_t jump_pick(void)
{
	for (int i = 0; i < 8; i++) {
		uint64_t t = tame || chance(4) ? SYSCALL_STUB : addr_pick();

		if (!in_ranges(w.text, w.ntext, t))
			return t;
	}
	return 0;
}

static void act_jump(void)
{
	regs_pick();
	fz.target = jump_pick();
	if (!tame && chance(4))
		fz.reg[R_CX] = compat_return(jump_pick());
	if (!tame && chance(8))
		fz.flags |= RFLAGS_TF; /* single-step: #DB after the first instruction */
	say("jump", fz.target, fz.reg[R_SP]);
	fz_jump();
}

/* Run slot i of [tab, end): RSP on a heap stack whose top word returns to fz_back. */
static void slot_run(const char *what, const char *tab, const char *end, uint64_t i)
{
	uint64_t n = (uint64_t)(end - tab) / 16, sp;

	regs_pick();
	sp = fz.reg[R_SP];
	if (tame || chance(2))
		sp = w.heap_lo + SCRATCH_STACK - 64;
	poke_n(sp, (uintptr_t)fz_back, 8);
	fz.reg[R_SP] = sp;
	fz.target = (uintptr_t)(tab + 16 * (i % n));
	say(what, fz.target, sp);
	fz_jump();
}

static void act_insn(void)
{
	if (tame)
		slot_run("insn", fz_slot_tame, fz_slot_hostile, rnd());
	else
		slot_run("insn", fz_slot_hostile, fz_slot_far, rnd());
}

static void act_int(void)
{
	slot_run("int", fz_slot_int, fz_slot_end, rnd());
}

/* ---- far transfers and frame chains ---------------------------------------------------------- */

static uint16_t sel_pick(void)
{
	static const uint16_t v[] = {0,	   0x08, 0x0b, 0x10, 0x13, 0x18, 0x1b, 0x20,
				     0x23, 0x28, 0x2b, 0x33, 0x3b, 0x04, 0x0f, 0xffff};

	return chance(3) ? PITH_SEL_UCODE : chance(4) ? (uint16_t)rnd() : v[rnd_below(16)];
}

/*
 * ljmp/lcall through a far pointer, lretq/iretq from a frame, to any selector and target. The
 * far pointer (offset, selector) and the frame (RIP, CS, RFLAGS, RSP, SS) share one layout.
 */
static void act_far(void)
{
	uint64_t kind = rnd_below(4), f = w.heap_lo + SCRATCH_STACK - 64;
	uint64_t frame[5] = {jump_pick(), sel_pick(), (rnd() & RFLAGS_USER) | 2, stack_pick(),
			     chance(2) ? PITH_SEL_UDATA : sel_pick()};

	for (unsigned i = 0; i < 5; i++)
		poke_n(f + 8 * i, frame[i], 8);
	regs_pick();
	fz.reg[R_AX] = fz.reg[R_SP] = f;
	if (chance(4))
		fz.reg[R_CX] = (uintptr_t)fz_back;
	fz.target = (uintptr_t)(fz_slot_far + 16 * kind);
	say("far", frame[0], frame[1]);
	fz_jump();
}

static uint64_t text_pick(void)
{
	const struct range *r = &w.text[rnd_below(w.ntext)];

	return chance(16) ? addr_pick() : rnd_in(r->lo, r->hi);
}

/* A crash with RBP at a long chain of frames in the heap: the monitor's backtrace walks it. */
static void act_frames(void)
{
	static const uint64_t crash_at[] = {0, SYSCALL_STUB + 5, 1ULL << 63, TRAP_STUBS};
	uint64_t base = w.heap_lo + SCRATCH_STACK + 8 * rnd_below(64), rbp = base;
	uint64_t max = (w.heap_hi - base) / 16 - 1, n = rnd_below(max < 80000 ? max : 80000);
	uint64_t ret = text_pick();

	for (uint64_t i = 0; i < n; i++, rbp += 16) {
		if (chance(8))
			ret = text_pick();
		*(volatile uint64_t *)(uintptr_t)rbp =
		    chance(1024) ? rnd_in(base, rbp + 32) : rbp + 16;
		*(volatile uint64_t *)(uintptr_t)(rbp + 8) = ret;
	}
	regs_pick();
	fz.reg[R_BP] = base + (chance(8) ? rnd_below(8) : 0);
	if (chance(2))
		fz.reg[R_SP] = base + 8; /* the word at RSP is a return address */
	fz.target = crash_at[rnd_below(4)];
	say("frames", n, fz.target);
	fz_jump();
}

/* ---- the run --------------------------------------------------------------------------------- */

static uint64_t seed_parse(const char *s)
{
	uint64_t v = 0, base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned c = (unsigned)*s | 32;
		uint64_t d = c >= '0' && c <= '9'   ? c - '0'
			     : c >= 'a' && c <= 'f' ? c - 'a' + 10
						    : 99;

		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

static void seed_init(const struct pith_boot_info *bi)
{
	if (bi->argc > 1) {
		rng = seed_parse(guest_arg(bi, 1));
		verbose = guest_streq(guest_arg(bi, 2), "-v");
		return;
	}
	for (unsigned i = 0; i < 8; i++)
		rng = rng << 8 | bi->seed[i];
	guest_puts(1, "fuzz: seed ");
	put_hex(rng);
	guest_puts(1, "\n");
}

/* One step; interrupts, far transfers and frame chains are always hostile. */
static void step(void)
{
	unsigned r = (unsigned)rnd_below(100);

	tame = !chance(HOSTILE_ONE_IN);
	if (r < 35)
		act_hypercall();
	else if (r < 47)
		act_port();
	else if (r < 57)
		act_write();
	else if (r < 65)
		act_jump();
	else if (r < 77)
		act_syscall();
	else if (r < 90 || tame)
		act_insn();
	else if (r < 94)
		act_int();
	else if (r < 97)
		act_frames();
	else
		act_far();
}

int guest_main(const struct pith_boot_info *bi)
{
	world_init(bi);
	seed_init(bi);
	for (seq = 1; seq <= ACTIONS_MAX; seq++)
		step();
	return 0;
}
