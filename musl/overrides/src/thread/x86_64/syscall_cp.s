# Pith's __syscall_cp_asm for musl: a cancellation-point syscall as a call of pith_syscall.
#
# long __syscall_cp_asm(volatile int *cancel, long nr, long u, long v, long w, long x,
#                       long y, long z)
# musl's pthread_cancel.c calls this with the thread's cancel flag; its signal handler treats a
# PC in [__cp_begin, __cp_end) as "the syscall has not started" and resumes at __cp_cancel.
# Here the syscall itself is a tail call of the kernel's runtime dispatcher
#   long pith_syscall(long n, long a, long b, long c, long d, long e, long f)
# (SysV ABI: n..e in rdi, rsi, rdx, rcx, r8, r9; f on the stack at 8(%rsp) on entry).
# The window closes before the jump: a syscall blocked inside the kernel is not interrupted by
# an asynchronous cancel (Pith delivers no host signals into the guest).

	.text
	.global __cp_begin
	.hidden __cp_begin
	.global __cp_end
	.hidden __cp_end
	.global __cp_cancel
	.hidden __cp_cancel
	.hidden __cancel
	.global __syscall_cp_asm
	.hidden __syscall_cp_asm
	.type __syscall_cp_asm,@function
__syscall_cp_asm:
__cp_begin:
	movl (%rdi), %eax		# cancel requested already?
	testl %eax, %eax
	jnz __cp_cancel
	movq %rsi, %rdi			# n = nr
	movq %rdx, %rsi			# a = u
	movq %rcx, %rdx			# b = v
	movq %r8, %rcx			# c = w
	movq %r9, %r8			# d = x
	movq 8(%rsp), %r9		# e = y
	movq 16(%rsp), %rax		# f = z, moved into our own first stack-argument slot,
	movq %rax, 8(%rsp)		#   which the callee owns (SysV ABI 3.2.3)
__cp_end:
	jmp pith_syscall
__cp_cancel:
	jmp __cancel
	.size __syscall_cp_asm, . - __syscall_cp_asm

	.section .note.GNU-stack, "", @progbits
