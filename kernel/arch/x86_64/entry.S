/* Guest entry points: pith_start (the ELF entry), pith_enter_program, pith_compat_entry. */

/*
 * pith_start: the monitor enters here at CPL3 with RDI = boot info and RSP = stack_top. The C
 * boot code runs on a private boot stack so that the program's initial stack (argc, argv, envp,
 * auxv, strings) can be built at stack_top; it never returns.
 */
	.section .text.pith_start, "ax", @progbits
	.globl pith_start
	.type pith_start, @function
pith_start:
	xorl %ebp, %ebp
	leaq pith_boot_stack_top(%rip), %rsp
	call pith_boot
	ud2
	.size pith_start, . - pith_start

/*
 * void pith_enter_program(uint64_t entry, uint64_t sp): jump to a program's entry as Linux's
 * execve leaves it: RSP = sp (pointing at argc), every general register zero (RDX = 0 means "no
 * exit handler to register"). The entry address is pushed below sp and taken with `ret`, so no
 * register keeps it.
 */
	.section .text.pith_enter_program, "ax", @progbits
	.globl pith_enter_program
	.type pith_enter_program, @function
pith_enter_program:
	movq %rsi, %rsp
	pushq %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	ret
	.size pith_enter_program, . - pith_enter_program

/*
 * pith_compat_entry: the monitor sends a `syscall` instruction executed by guest code here, with
 * the registers exactly as the instruction left them: RAX = number, RDI RSI RDX R10 R8 R9 =
 * arguments, RCX = return RIP, R11 = saved RFLAGS, RSP = the caller's stack.
 *
 * Linux preserves every register across a syscall except RAX (the result), RCX and R11, and
 * compiled code relies on it (inline `syscall` asm clobbers only "rcx", "r11", "memory"). So:
 * - step below the 128-byte red zone first: no byte of it is ever written;
 * - save the argument registers and the x87/SSE state (fxsave: the kernel is compiled for
 *   baseline x86-64 without AVX, and legacy SSE instructions leave the upper YMM halves alone,
 *   so the 512-byte FXSAVE image covers every vector state kernel code can change);
 * - call pith_syscall(nr, a, b, c, d, e, f) with a 16-byte aligned stack and DF clear;
 * - restore, then `popfq` the R11 value while still below the red zone and `jmp *%rcx`.
 * On return RCX = RIP and R11 = RFLAGS, as after Linux's `sysret`.
 */
	.section .text.pith_compat_entry, "ax", @progbits
	.globl pith_compat_entry
	.type pith_compat_entry, @function
pith_compat_entry:
	leaq -128(%rsp), %rsp
	pushq %rcx		/* 72(%rbx): return RIP */
	pushq %r11		/* 64: RFLAGS */
	pushq %rbx		/* 56 */
	pushq %rax		/* 48: number, then the result */
	pushq %rdi		/* 40 */
	pushq %rsi		/* 32 */
	pushq %rdx		/* 24 */
	pushq %r10		/* 16 */
	pushq %r8		/* 8 */
	pushq %r9		/* 0 */
	movq %rsp, %rbx
	cld
	subq $512, %rsp
	andq $-64, %rsp
	fxsave64 (%rsp)
	subq $8, %rsp
	pushq 0(%rbx)		/* f (stack argument) */
	movq 8(%rbx), %r9	/* e */
	movq 16(%rbx), %r8	/* d */
	movq 24(%rbx), %rcx	/* c */
	movq 32(%rbx), %rdx	/* b */
	movq 40(%rbx), %rsi	/* a */
	movq 48(%rbx), %rdi	/* number */
	call pith_syscall
	movq %rax, 48(%rbx)
	addq $16, %rsp
	fxrstor64 (%rsp)
	movq %rbx, %rsp
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	popq %rbx
	popq %r11
	popq %rcx
	pushq %r11		/* 136 bytes below the caller's RSP: outside the red zone */
	popfq
	leaq 128(%rsp), %rsp	/* lea leaves the restored flags alone */
	jmp *%rcx
	.size pith_compat_entry, . - pith_compat_entry

/* The boot stack: used by pith_boot only, until the program starts on its own stack. The
   components' init hooks run on it too (mounting disks reads metadata): 64 KiB, of which the
   host backs only the pages actually touched. */
	.section .bss.pith_boot_stack, "aw", @nobits
	.balign 16
pith_boot_stack:
	.skip 65536
pith_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
