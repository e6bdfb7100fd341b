/* QEMU floor guest: a minimal PVH kernel that makes QEMU exit at once through isa-debug-exit. */

/*
 * PVH boot (Xen's "HVM direct boot ABI", also used by QEMU's -kernel loader): an ELF note named
 * "Xen" of type XEN_ELFNOTE_PHYS32_ENTRY (18) whose descriptor is the 32-bit physical entry point.
 * The guest starts there in 32-bit protected mode, paging off, flat segments.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
/* isa-debug-exit, placed at this port by the QEMU command line: QEMU exits with (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

	.section .note.pvh, "a", @note
	.balign 4
	.long 4				/* n_namesz: "Xen\0" */
	.long 4				/* n_descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY	/* n_type */
	.asciz "Xen"
	.balign 4
	.long _start
	.balign 4

	.text
	.code32
	.globl _start
_start:
	xorl %eax, %eax
	outb %al, $DEBUG_EXIT_PORT
1:	hlt
	jmp 1b
