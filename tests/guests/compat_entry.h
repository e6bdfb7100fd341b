/* The CPL3 entry that completes a `syscall` instruction in the test guests (the compat path). */
#ifndef TESTS_GUESTS_COMPAT_ENTRY_H
#define TESTS_GUESTS_COMPAT_ENTRY_H

/*
 * The monitor enters guest_compat_entry with every register as the `syscall` instruction left
 * it: RAX = number, RDI, RSI, RDX, R10 = arguments, RCX = return address, R11 = RFLAGS, RSP =
 * the caller's stack. It steps over the red zone, calls
 * long guest_syscall(long nr, long a, long b, long c, long d), restores every register except
 * RAX (the result), RCX and R11 as Linux does, then restores RFLAGS and returns to RCX.
 */
#define GUEST_COMPAT_ENTRY()                                                                       \
	__asm__(".text\n.globl guest_compat_entry\n.type guest_compat_entry,@function\n"           \
		"guest_compat_entry:\n"                                                            \
		"lea -128(%rsp), %rsp\n"                                                           \
		"push %rcx\npush %r11\npush %rbp\nmov %rsp, %rbp\nand $-16, %rsp\n"                \
		"push %rdi\npush %rsi\npush %rdx\npush %r10\npush %r8\npush %r9\n"                 \
		"mov %r10, %r8\nmov %rdx, %rcx\nmov %rsi, %rdx\nmov %rdi, %rsi\n"                  \
		"mov %rax, %rdi\ncall guest_syscall\n"                                             \
		"pop %r9\npop %r8\npop %r10\npop %rdx\npop %rsi\npop %rdi\n"                       \
		"mov %rbp, %rsp\npop %rbp\npop %r11\npop %rcx\n"                                   \
		"push %r11\npopfq\nlea 128(%rsp), %rsp\njmp *%rcx\n"                               \
		".size guest_compat_entry, .-guest_compat_entry\n")

long guest_syscall(long nr, long a, long b, long c, long d);

#endif
