/* The upcall entry and the return to an interrupted context (include/pith/abi.h "Upcalls"). */
#include "sched/frame.h"

/*
 * pith_upcall_entry: the monitor resumes the vCPU here with RSP = RDI = the frame (every general
 * register but RSP, RIP, RFLAGS is the interrupted one, and all are saved in the frame). Below
 * the frame: a 64-byte aligned xsave area of pith_sched_xsave_size bytes (its header zeroed, as
 * xrstor requires for the standard format), the extended state saved with EDX:EAX =
 * pith_sched_xsave_features, then pith_upcall_handler(frame) with masked == 1 (the monitor set
 * it; the handler clears it). The frame pointer lives in rbx and the xsave area in r12
 * (callee-saved) across the call, which may switch threads: both stay on this thread's stack.
 */
	.section .text.pith_upcall_entry, "ax", @progbits
	.globl pith_upcall_entry
	.type pith_upcall_entry, @function
pith_upcall_entry:
	movq %rdi, %rbx
	movl pith_sched_xsave_size(%rip), %ecx
	subq %rcx, %rsp
	andq $-64, %rsp
	xorl %eax, %eax
	movq %rax, 512(%rsp)
	movq %rax, 520(%rsp)
	movq %rax, 528(%rsp)
	movq %rax, 536(%rsp)
	movq %rax, 544(%rsp)
	movq %rax, 552(%rsp)
	movq %rax, 560(%rsp)
	movq %rax, 568(%rsp)
	movl pith_sched_xsave_features(%rip), %eax
	movl pith_sched_xsave_features+4(%rip), %edx
	xsave64 (%rsp)
	movq %rsp, %r12
	cld
	movq %rbx, %rdi
	call pith_upcall_handler
	movq %rbx, %rdi
	movq %r12, %rsi
	jmp pith_frame_resume
	.size pith_upcall_entry, . - pith_upcall_entry

/*
 * pith_frame_resume(const struct pith_upcall_frame *f, const void *xsave_area): resume f's
 * context with the extended state of xsave_area (NULL: the current one). Runs with masked == 0,
 * so an upcall may come in the middle: every step leaves the data it still needs above RSP,
 * where the monitor's next frame (below RSP - 128) cannot reach it.
 *  1. copy f to a temporary below the current RSP (f may be anywhere, even where step 3 writes);
 *  2. xrstor (nothing below touches the vector registers: rep movsq and general registers only);
 *  3. move the copy to f->rsp - 128 - sizeof(frame), where the monitor puts its frames: its
 *     `rip` field is then at f->rsp - 136, below the interrupted red zone, never in it;
 *  4. popfq the flags, load every register from there, and in the critical range (the monitor
 *     never interrupts there) set RSP = f->rsp and jump through the slot at RSP - 136.
 */
	.section .text.pith_frame_resume, "ax", @progbits
	.globl pith_frame_resume
	.type pith_frame_resume, @function
pith_frame_resume:
	movq %rsi, %r12
	subq $PITH_UF_SIZE, %rsp
	andq $-16, %rsp
	movq %rsp, %r13
	movq %rdi, %rsi
	movq %r13, %rdi
	movl $PITH_UF_SIZE / 8, %ecx
	cld
	rep movsq
	testq %r12, %r12
	jz 1f
	movl pith_sched_xsave_features(%rip), %eax
	movl pith_sched_xsave_features+4(%rip), %edx
	xrstor64 (%r12)
1:	movq PITH_UF_RSP(%r13), %r14
	subq $PITH_UF_BELOW_RSP, %r14
	/* RSP below both the copy and the destination, so a nested frame misses both. */
	movq %r14, %rax
	cmpq %r13, %rax
	cmovaq %r13, %rax
	subq $512, %rax
	andq $-16, %rax
	movq %rax, %rsp
	/* memmove(r14, r13, sizeof(frame)): backwards when the destination is above. */
	movq %r13, %rsi
	movq %r14, %rdi
	movl $PITH_UF_SIZE / 8, %ecx
	cmpq %rsi, %rdi
	jbe 2f
	leaq PITH_UF_SIZE - 8(%rsi), %rsi
	leaq PITH_UF_SIZE - 8(%rdi), %rdi
	std
	rep movsq
	cld
	jmp 3f
2:	rep movsq
3:	movq %r14, %rsp
	pushq PITH_UF_RFLAGS(%rsp)
	popfq
	movq PITH_UF_RAX(%rsp), %rax
	movq PITH_UF_RBX(%rsp), %rbx
	movq PITH_UF_RCX(%rsp), %rcx
	movq PITH_UF_RDX(%rsp), %rdx
	movq PITH_UF_RSI(%rsp), %rsi
	movq PITH_UF_RDI(%rsp), %rdi
	movq PITH_UF_RBP(%rsp), %rbp
	movq PITH_UF_R8(%rsp), %r8
	movq PITH_UF_R9(%rsp), %r9
	movq PITH_UF_R10(%rsp), %r10
	movq PITH_UF_R11(%rsp), %r11
	movq PITH_UF_R12(%rsp), %r12
	movq PITH_UF_R13(%rsp), %r13
	movq PITH_UF_R14(%rsp), %r14
	movq PITH_UF_R15(%rsp), %r15
	.globl pith_upcall_crit_start
pith_upcall_crit_start:
	movq PITH_UF_RSP(%rsp), %rsp
	jmp *-136(%rsp)
	.globl pith_upcall_crit_end
pith_upcall_crit_end:
	.size pith_frame_resume, . - pith_frame_resume

	.section .note.GNU-stack, "", @progbits
