/* The one hypercall ABI between the Pith monitor (vmm/) and the library OS (kernel/). */
#ifndef PITH_ABI_H
#define PITH_ABI_H

/*
 * This header is shared, unchanged, by the host-side monitor and the guest-side library OS.
 * It uses only fixed-width types so that both sides agree on every offset.
 *
 * Versioning: PITH_ABI_VERSION is stored in the image (an ELF note, see below) and checked by
 * the monitor before the guest runs. Any change to a struct, a port number or the memory layout
 * below bumps the version.
 *
 * Hypercalls: the guest fills the call's struct (fields marked IN), writes the struct's
 * guest-physical address with a 32-bit `outl` to the call's port, and reads the fields marked
 * OUT once the `outl` returns. Guest-virtual and guest-physical addresses are identical (the
 * monitor identity-maps guest RAM), so a pointer to a struct is its guest-physical address.
 * Every address and length the guest passes is checked by the monitor; a bad one ends the guest.
 */

#include <stdint.h>

#define PITH_ABI_VERSION 4u

/* ---- The image: an ELF note identifies a Pith image and its ABI ------------------------- */

#define PITH_NOTE_NAME	    "Pith" /* n_name, NUL included in n_namesz (5) */
#define PITH_NOTE_ABI	    1	   /* n_type: desc is struct pith_note_abi */
#define PITH_NOTE_COMPONENT 2	   /* n_type: desc is a NUL-terminated component name */

struct pith_note_abi {
	uint32_t abi_version;  /* PITH_ABI_VERSION the image was built for */
	uint32_t reserved;     /* zero */
	uint64_t compat_entry; /* guest address of the CPL3 entry that completes a
				  `syscall` instruction (the compatibility path) */
};

/* ---- Guest memory layout (identity mapped; guest-virtual == guest-physical) ------------- */

/*
 * [0x1000, 0x80000) is monitor-owned and never writable by the guest: page tables, GDT, IDT, TSS,
 * trap stubs and the IST stack are supervisor-only; the syscall stub page alone is user
 * read+execute (see vmm/x86_64/desc.c).
 */
#define PITH_PAGE_SIZE	   0x1000ULL
#define PITH_MONITOR_BASE  0x1000ULL
#define PITH_MONITOR_END   0x80000ULL
#define PITH_BOOTINFO_BASE 0x80000ULL /* [0x80000, 0x100000): boot info + strings, read-only */
#define PITH_BOOTINFO_END  0x100000ULL
#define PITH_IMAGE_BASE	   0x100000ULL	/* lowest address an image segment may use */
#define PITH_MEM_MIN	   (2ULL << 20) /* smallest guest RAM: 2 MiB */
#define PITH_MEM_MAX	   (4ULL << 30) /* largest guest RAM: 4 GiB (hypercall addresses are 32-bit) */

/* ---- Segment selectors the monitor installs in the GDT ----------------------------------- */

#define PITH_SEL_KCODE 0x08 /* DPL0 64-bit code (trap stubs only) */
#define PITH_SEL_KDATA 0x10 /* DPL0 data */
#define PITH_SEL_UDATA 0x1b /* DPL3 data (0x18 | RPL3) */
#define PITH_SEL_UCODE 0x23 /* DPL3 64-bit code (0x20 | RPL3) */
#define PITH_SEL_TSS   0x28 /* 64-bit TSS, two GDT slots */

/* ---- I/O ports ----------------------------------------------------------------------------- */

/* Hypercall ports: the only ports the TSS I/O bitmap opens to the guest (CPL3). */
#define PITH_HC_PORT_BASE 0x500
#define PITH_HC_CONSOLE	  (PITH_HC_PORT_BASE + 0) /* struct pith_hc_console */
#define PITH_HC_WAIT	  (PITH_HC_PORT_BASE + 1) /* struct pith_hc_wait */
#define PITH_HC_EXIT	  (PITH_HC_PORT_BASE + 2) /* struct pith_hc_exit */
#define PITH_HC_PANIC	  (PITH_HC_PORT_BASE + 3) /* struct pith_hc_panic */
#define PITH_HC_NET_SETUP (PITH_HC_PORT_BASE + 4) /* struct pith_hc_net_setup */
#define PITH_HC_BLK_SETUP (PITH_HC_PORT_BASE + 5) /* struct pith_hc_blk_setup */
#define PITH_HC_SCHED_SETUP (PITH_HC_PORT_BASE + 6) /* struct pith_hc_sched_setup */
#define PITH_HC_TIMER	    (PITH_HC_PORT_BASE + 7) /* struct pith_hc_timer */
#define PITH_HC_PROTECT	    (PITH_HC_PORT_BASE + 8) /* struct pith_hc_protect */
#define PITH_HC_COUNT	    9

/*
 * Doorbell ports: also open to the guest, but bound to an ioeventfd in the host kernel, so a
 * 4-byte `outl` (any value) wakes the monitor's I/O thread without an exit to the monitor
 * (~3 us instead of ~25 us here). Only bound while the device exists: a kick to the port of
 * a device that was never set up ends the guest like any unknown port.
 */
#define PITH_NET_KICK_PORT 0x510 /* the NIC's rings have new work (see struct pith_net_ring) */
#define PITH_BLK_KICK_PORT 0x511 /* some disk's ring has new requests (struct pith_blk_ring) */

/*
 * Trap ports: used only by the monitor's CPL0 stubs, with `out %al, $imm8` (no register or
 * memory is touched). They are closed to the guest by the I/O bitmap.
 */
#define PITH_TRAP_PORT_BASE    0x40 /* 0x40 + vector, for exception vectors 0..31 */
#define PITH_TRAP_PORT_SYSCALL 0x60 /* the LSTAR stub: a `syscall` instruction ran */

/* ---- Hypercall structs --------------------------------------------------------------------- */

/* Write bytes to the host's stdout or stderr. */
struct pith_hc_console {
	uint64_t data;	   /* IN: guest address of the bytes */
	uint64_t len;	   /* IN: number of bytes */
	uint32_t stream;   /* IN: 1 = stdout, 2 = stderr */
	uint32_t reserved; /* IN: zero */
};

/*
 * Sleep in the host until timeout_ns have passed or a device has news for the guest (the NIC's
 * I/O thread posted received frames or freed transmit slots while ring->wake was set). The
 * guest must tell the time itself on return: early returns are normal.
 */
struct pith_hc_wait {
	uint64_t timeout_ns; /* IN: relative timeout; 0 returns at once */
};

/* End the guest; the monitor exits with status (0..255). */
struct pith_hc_exit {
	int32_t status;	   /* IN */
	uint32_t reserved; /* IN: zero */
};

/* A failed kernel assertion or other fatal guest error: the monitor prints a crash report. */
struct pith_hc_panic {
	uint64_t msg; /* IN: guest address of the message */
	uint64_t len; /* IN: its length (the monitor prints at most 4096 bytes) */
};

/*
 * Attach the NIC's two rings (struct pith_net_ring, each in guest RAM, 64-byte aligned). Once per
 * boot, and only if boot info says a NIC exists (PITH_NET_PRESENT); status 0 on success, else a
 * negative errno (-ENODEV: no NIC, -EBUSY: already set up, -EINVAL: bad ring address).
 */
struct pith_hc_net_setup {
	uint64_t tx_ring;  /* IN: guest address of the transmit ring (guest produces frames) */
	uint64_t rx_ring;  /* IN: guest address of the receive ring (guest produces buffers) */
	int32_t status;	   /* OUT */
	uint32_t reserved; /* IN: zero */
};

/*
 * Attach one disk's request ring (struct pith_blk_ring, in guest RAM, 64-byte aligned). Once per
 * disk per boot, for disk < boot info's disk_count; status 0 on success, else a negative errno
 * (-ENODEV: no such disk, -EBUSY: already set up, -EINVAL: bad ring address).
 */
struct pith_hc_blk_setup {
	uint64_t ring;	/* IN: guest address of the disk's ring */
	uint32_t disk;	/* IN: index into boot info's disks[] */
	int32_t status; /* OUT */
};

/* ---- Upcalls: preemption, signals and faults without guest privileged code ------------- */

/*
 * An upcall is the monitor's only way to interrupt the guest. The vCPU stops (a timer or host
 * signal to the vCPU thread makes KVM_RUN return, or an exception at CPL3 reached a trap stub);
 * the monitor writes a struct pith_upcall_frame holding the interrupted registers, then resumes
 * the vCPU at CPL3 with RIP = the upcall entry, RSP = RDI = the frame, RFLAGS = 0x202 and the
 * other registers unchanged. The guest saves its extended state itself (xsave works at CPL3),
 * handles the upcall and returns to the frame's context with ordinary instructions.
 *
 * Where the frame goes:
 * - timer and signal upcalls: at RSP - 128 - sizeof(frame) of the interrupted context (below
 *   its red zone; so `rip`, the last field, is at RSP - 136). If those bytes are not writable
 *   by the guest (a guard page: the thread overflowed its stack), the upcall is made as a fault
 *   instead (vector 14, error code 6, cr2 = the first unwritable address).
 * - fault upcalls: at fault_stack - sizeof(frame) (struct pith_hc_sched_setup).
 *
 * When the monitor does not interrupt:
 * - shared->masked != 0 (the guest's kernel is running): a timer or signal upcall is not made;
 *   its PITH_UPCALL_* bit is set in shared->pending instead, and the guest looks at pending
 *   when it clears masked. Making an upcall sets masked to 1 (the guest clears it).
 * - RIP in [crit_start, crit_end) (the guest's return from an upcall): the monitor retries
 *   100 us later.
 * - a fault is given to the guest only if masked == 0, the vector's bit is set in
 *   shared->fault_vectors and the faulting RSP is not on the fault stack; otherwise the monitor
 *   prints its crash report and ends the guest as before.
 * No upcall of any kind happens before PITH_HC_SCHED_SETUP.
 */
#define PITH_UPCALL_TIMER  1u /* the PITH_HC_TIMER timer expired */
#define PITH_UPCALL_SIGNAL 2u /* host signals arrived: see shared->host_signals */
#define PITH_UPCALL_FAULT  4u /* an exception at CPL3: vector, error_code, cr2 */

#define PITH_UPCALL_REDZONE   128u	   /* bytes below RSP the monitor never writes */
#define PITH_FAULT_STACK_MIN  (16u << 10) /* bytes the fault stack must have below its top */

/* Written by the monitor; the guest may change any register field before returning to it. */
struct pith_upcall_frame {
	uint64_t reason;     /* one PITH_UPCALL_* */
	uint64_t vector;     /* fault: exception vector (0..31); else 0 */
	uint64_t error_code; /* fault: the exception's error code (0 if it has none) */
	uint64_t cr2;	     /* fault: the faulting address (page faults); else 0 */
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags;
	uint64_t rsp; /* the interrupted RSP */
	uint64_t rip; /* the interrupted RIP (the faulting instruction for faults) */
};

/*
 * One per vCPU, in guest RAM (64-byte aligned, writable by the guest), registered with
 * PITH_HC_SCHED_SETUP. The monitor reads and writes it only while the vCPU is stopped; the
 * guest consumes `pending` and `host_signals` with atomic exchanges.
 */
struct pith_sched_shared {
	uint32_t masked;	/* guest: nonzero while its kernel runs (see above) */
	uint32_t pending;	/* monitor sets PITH_UPCALL_* bits deferred while masked;
				   bits 8..31 are the guest's own */
	uint64_t host_signals;	/* monitor ORs in bit (sig - 1) for SIGINT, SIGTERM, SIGHUP */
	uint32_t fault_vectors; /* guest: bit v: give exception vector v to the guest */
	uint32_t reserved[11];
};

/*
 * Turn upcalls on (once per boot): from now on host SIGINT/SIGTERM/SIGHUP are delivered to the
 * guest (PITH_UPCALL_SIGNAL) instead of ending it. status 0, -EBUSY (already done) or -EINVAL
 * (shared not 64-byte aligned guest-writable RAM, upcall not in the image's executable pages,
 * fault_stack not 16-byte aligned with PITH_FAULT_STACK_MIN writable bytes below it, or a
 * critical range that is empty, reversed or outside the image's executable pages).
 */
struct pith_hc_sched_setup {
	uint64_t shared;      /* IN: guest address of struct pith_sched_shared */
	uint64_t upcall;      /* IN: guest address of the upcall entry */
	uint64_t fault_stack; /* IN: top of the stack fault upcalls run on */
	uint64_t crit_start;  /* IN: [crit_start, crit_end): the upcall return sequence */
	uint64_t crit_end;
	int32_t status;	   /* OUT */
	uint32_t reserved; /* IN: zero */
};

/*
 * Make one PITH_UPCALL_TIMER upcall timeout_ns from now (replacing any earlier request);
 * timeout_ns 0 cancels. Nothing is armed unless the guest asks: a guest with one runnable thread
 * and no timers takes no timer exits. status 0, or -EINVAL before PITH_HC_SCHED_SETUP.
 */
struct pith_hc_timer {
	uint64_t timeout_ns; /* IN */
	int32_t status;	     /* OUT */
	uint32_t reserved;   /* IN: zero */
};

/*
 * Change the guest's access to pages of its heap arena [heap_start, heap_end): guard pages
 * (PITH_PROT_NONE), read-only, or back to read-write. Never executable: there is no such value.
 * The monitor rebuilds the affected page tables and switches CR3 before the call returns.
 * The monitor's devices refuse to write into pages that are not read-write. status 0, -EINVAL
 * (unaligned, empty, outside the heap arena, unknown prot) or -ENOMEM (too many distinct
 * ranges: the monitor's page-table pages ran out).
 */
#define PITH_PROT_NONE 0u
#define PITH_PROT_READ 1u
#define PITH_PROT_RW   3u

struct pith_hc_protect {
	uint64_t addr;	/* IN: page-aligned */
	uint64_t len;	/* IN: a multiple of 4 KiB, not 0 */
	uint32_t prot;	/* IN: PITH_PROT_* */
	int32_t status; /* OUT */
};

/* ---- The NIC: two descriptor rings in guest memory ------------------------------------- */

/*
 * Each ring has PITH_NET_RING_SIZE slots and free-running 32-bit indices (slot = index %
 * PITH_NET_RING_SIZE; compare indices by unsigned difference). Guest and monitor run at the same
 * time (the monitor's I/O thread), so every index is written by one side only, with a full
 * barrier between filling slots and publishing the index, and read once before use.
 *
 * Transmit ring: the guest fills slots [tail, head) with frames and advances `head`; the monitor
 * sends them and advances `tail`; slots before `tail` are the guest's again.
 * Receive ring: the guest puts empty buffers (addr, len = capacity) in slots [tail, head) and
 * advances `head`; the monitor writes a frame into each in order, sets its len (and the offload
 * fields) and advances `tail`; the guest consumes slots before `tail` and re-posts them.
 *
 * Notifications (a kick costs ~3 us, an exit ~25 us; neither happens per frame):
 * - `kick`: set to 1 by the monitor when it has run out of work on this ring (transmit: ring
 *   empty; receive: no free buffer) and is about to sleep; after it has set kick it reads `head`
 *   again. The guest, after advancing `head`, reads `kick`; if it is 1 it clears it and writes
 *   PITH_NET_KICK_PORT.
 * - `wake`: set to 1 by the guest before it sleeps in PITH_HC_WAIT; after setting it the guest
 *   reads `tail` again. The monitor, after advancing `tail`, reads `wake`; if it is 1 it clears it
 *   and ends the guest's wait.
 * The monitor checks every descriptor's buffer against guest RAM each time it uses it; a bad one
 * is skipped (its frame dropped, counted in the monitor's statistics), never trusted.
 */
#define PITH_NET_RING_SIZE 256u	 /* slots per ring (a power of two) */
#define PITH_NET_BUF_MIN   1536u /* receive buffers hold at least this much (MTU 1500 + 14 + 22) */

/* Offloads, as virtio-net's header (virtio 1.1 section 5.1.6): zero means none. */
#define PITH_NET_F_NEEDS_CSUM 1u /* checksum from csum_start to the end, stored at +csum_offset */
#define PITH_NET_F_DATA_VALID 2u /* receive: the checksums were already verified by the host */
#define PITH_NET_GSO_NONE     0u
#define PITH_NET_GSO_TCPV4    1u /* a TCP segment larger than the MTU, cut into gso_size pieces */

struct pith_net_desc {
	uint64_t addr;	     /* IN: guest address of the buffer */
	uint32_t len;	     /* transmit: IN frame length; receive: IN capacity, OUT frame length */
	uint8_t flags;	     /* PITH_NET_F_* */
	uint8_t gso_type;    /* PITH_NET_GSO_* */
	uint16_t gso_size;   /* bytes of payload per segment */
	uint16_t hdr_len;    /* bytes of headers before the payload */
	uint16_t csum_start; /* offset where checksumming starts */
	uint16_t csum_offset; /* where to store it, from csum_start */
	uint16_t reserved;
};

struct pith_net_ring {
	uint32_t head; /* written by the producer of slots (the guest, on both rings) */
	uint32_t pad0[15];
	uint32_t tail; /* written by the monitor */
	uint32_t pad1[15];
	uint32_t kick; /* set by the monitor, cleared by the guest */
	uint32_t wake; /* set by the guest, cleared by the monitor */
	uint32_t pad2[14];
	struct pith_net_desc desc[PITH_NET_RING_SIZE];
};

/* ---- Disks: one request ring per disk in guest memory ----------------------------------- */

/*
 * The guest fills slots [tail, head) with requests and advances `head`; the monitor's I/O thread
 * serves them in order (a write is in the host file, with pwrite, before its slot completes; a
 * flush returns after fdatasync), stores each one's status and advances `tail`. Slots before
 * `tail` are the guest's again. Indices, barriers and the kick/wake protocol are the NIC's
 * (see struct pith_net_ring), with PITH_BLK_KICK_PORT as the doorbell (one for all disks: the
 * I/O thread looks at every disk's ring when it rings). Several requests may be in flight.
 * The monitor checks every request against guest RAM and the disk's size each time it serves
 * it; a bad one completes with -EINVAL (never trusted, never fatal to the monitor).
 */
#define PITH_BLK_MAX	   8u	      /* disks per guest */
#define PITH_BLK_RING_SIZE 64u	      /* slots per ring (a power of two) */
#define PITH_BLK_REQ_MAX   (1u << 20) /* largest request, in bytes */
#define PITH_BLK_MOUNT_MAX 64u	      /* bytes of a mount point, NUL included */

#define PITH_BLK_OP_READ  0u /* read len bytes at sector into addr */
#define PITH_BLK_OP_WRITE 1u /* write len bytes from addr at sector */
#define PITH_BLK_OP_FLUSH 2u /* every completed write is durable (fdatasync) when it completes */

struct pith_blk_desc {
	uint64_t sector; /* IN: first sector (units of the disk's sector_size) */
	uint64_t addr;	 /* IN: guest address of the buffer */
	uint32_t len; /* IN: bytes, a multiple of sector_size, 1..PITH_BLK_REQ_MAX; 0 for FLUSH */
	uint8_t op;   /* IN: PITH_BLK_OP_* */
	uint8_t reserved[3];
	int32_t status;	 /* OUT: 0, or -EIO (host error), -EINVAL (bad request), -EROFS */
	uint32_t cookie; /* IN: the guest's own, left alone by the monitor */
};

struct pith_blk_ring {
	uint32_t head; /* written by the guest */
	uint32_t pad0[15];
	uint32_t tail; /* written by the monitor */
	uint32_t pad1[15];
	uint32_t kick; /* set by the monitor, cleared by the guest */
	uint32_t wake; /* set by the guest, cleared by the monitor */
	uint32_t pad2[14];
	struct pith_blk_desc desc[PITH_BLK_RING_SIZE];
};

#define PITH_BLK_RO (1u << 0) /* read-only: writes complete with -EROFS; mount it read-only */

struct pith_blk_info {
	uint64_t sectors;     /* capacity, in sectors */
	uint32_t sector_size; /* 512 (the host file's size is a multiple of it; a tail is unused) */
	uint32_t flags;	      /* PITH_BLK_* */
	char mount[PITH_BLK_MOUNT_MAX]; /* absolute mount point, NUL-terminated ("/data") */
};

/* ---- Boot info: where the monitor tells the guest about its world ------------------------ */

#define PITH_BOOT_MAGIC 0x48544950u /* "PITH" */
#define PITH_BOOT_TRACE (1u << 0)   /* print every syscall (pith run --trace) */
#define PITH_BOOT_COMPAT                                                                           \
	(1u << 1)		  /* the program is a separate static Linux ELF (no Pith note)     \
				     loaded beside Pith's compat kernel: enter it at `entry`       \
				     instead of musl's _start; its syscalls trap */
#define PITH_BOOT_STATS (1u << 2) /* print the kernel's counters at exit (pith run --stats) */

/* The NIC and the IP configuration (boot info `net`). Addresses in network byte order. */
#define PITH_NET_PRESENT  (1u << 0) /* a NIC exists: set it up with PITH_HC_NET_SETUP */
#define PITH_NET_DHCP	  (1u << 1) /* no static address: ask a DHCP server (RFC 2131) */
#define PITH_NET_OFFLOADS (1u << 2) /* the backend takes PITH_NET_F_NEEDS_CSUM and GSO frames */

struct pith_net_info {
	uint32_t flags;	    /* PITH_NET_* */
	uint16_t mtu;	    /* largest IP packet, 576..9000 (usually 1500) */
	uint8_t mac[6];	    /* the NIC's MAC address */
	uint32_t ip;	    /* static address, or 0 with PITH_NET_DHCP */
	uint32_t gateway;   /* default route, or 0 */
	uint32_t dns;	    /* name server, or 0 */
	uint8_t prefix_len; /* netmask length of ip, 0..32 */
	uint8_t reserved[3];
};

/*
 * At entry: the vCPU is in 64-bit mode at CPL3, RIP = the image's ELF entry, RDI = the address
 * of this struct (PITH_BOOTINFO_BASE), RSP = stack_top, all other general registers zero,
 * RFLAGS = 0x2, FS base = 0.
 */
struct pith_boot_info {
	uint32_t magic;	      /* PITH_BOOT_MAGIC */
	uint32_t abi_version; /* PITH_ABI_VERSION */
	uint32_t flags;	      /* PITH_BOOT_* */
	uint32_t reserved;
	uint64_t mem_size;    /* bytes of guest RAM: [0, mem_size) */
	uint64_t heap_start;  /* first free page after the image (page-aligned) */
	uint64_t heap_end;    /* end of the heap: the stack guard page starts here */
	uint64_t stack_top;   /* initial RSP; the stack is [heap_end + 4 KiB, stack_top) */
	uint64_t tsc_hz;      /* TSC frequency (invariant TSC) */
	uint64_t realtime_ns; /* host CLOCK_REALTIME when the guest was started */
	uint64_t phdr;	      /* guest address of the program's headers (AT_PHDR) */
	uint64_t phnum;	      /* their number (AT_PHNUM) */
	uint64_t entry;	      /* the program's ELF entry (AT_ENTRY; with PITH_BOOT_COMPAT
				 the kernel jumps there) */
	uint64_t strings;     /* guest address of argc + envc NUL-terminated strings: */
	uint64_t strings_len; /*   argv[0..argc) then envp[0..envc), back to back */
	uint32_t argc;
	uint32_t envc;
	uint8_t seed[32]; /* random bytes from the host's getrandom() */
	struct pith_net_info net;
	uint32_t disk_count; /* disks[0..disk_count) exist (at most PITH_BLK_MAX) */
	uint32_t reserved2;
	struct pith_blk_info disks[PITH_BLK_MAX];
	uint64_t timeslice_ns;	 /* preemption time slice (pith run --timeslice; default 10 ms) */
	uint64_t xsave_features; /* XCR0: the state components xsave/xrstor must cover */
	uint32_t xsave_size;	 /* bytes of an xsave area for them (CPUID 0xD.0 EBX) */
	uint32_t reserved3;
};

/* Status codes of `pith run` that are not the guest's own exit status. */
#define PITH_EXIT_CRASH 139 /* the guest crashed (report printed): as SIGSEGV in a shell */
#define PITH_EXIT_ERROR 125 /* Pith could not run the guest (usage, image, KVM) */

#endif
