/* Thread switch, a new thread's first instructions, and calls on another stack. */

/*
 * void pith_ctx_switch(uint64_t *save_rsp, uint64_t new_rsp)
 * Saves what the SysV ABI says a callee must preserve (rbx, rbp, r12-r15, the x87 control word
 * and MXCSR's control bits) on the current stack, stores RSP in *save_rsp, then restores the
 * same from the stack at new_rsp and returns there (see PITH_SWITCH_FRAME_SIZE in frame.h).
 * The FS base is switched by the C caller.
 */
	.section .text.pith_ctx_switch, "ax", @progbits
	.globl pith_ctx_switch
	.type pith_ctx_switch, @function
pith_ctx_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	fnstcw (%rsp)
	stmxcsr 4(%rsp)
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	fldcw (%rsp)
	ldmxcsr 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size pith_ctx_switch, . - pith_ctx_switch

/*
 * A new thread's switch frame "returns" here with r12 = the function and r13 = its argument
 * (clone.c builds the frame): call pith_sched_thread_entry(fn, arg) with an aligned stack and
 * no caller frame (rbp = 0 ends backtraces).
 */
	.section .text.pith_ctx_start, "ax", @progbits
	.globl pith_ctx_start
	.type pith_ctx_start, @function
pith_ctx_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	movq %r12, %rdi
	movq %r13, %rsi
	call pith_sched_thread_entry
	ud2
	.size pith_ctx_start, . - pith_ctx_start

/*
 * void pith_stack_call(void (*fn)(long, long, long), long a, long b, long c, uint64_t top)
 * Calls fn(a, b, c) with RSP = top rounded down to 16 bytes, then returns on the caller's stack.
 */
	.section .text.pith_stack_call, "ax", @progbits
	.globl pith_stack_call
	.type pith_stack_call, @function
pith_stack_call:
	pushq %rbp
	movq %rsp, %rbp
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	andq $-16, %r8
	movq %r8, %rsp
	call *%rax
	movq %rbp, %rsp
	popq %rbp
	ret
	.size pith_stack_call, . - pith_stack_call

	.section .note.GNU-stack, "", @progbits
