/* Linux guest test: a `syscall` instruction on the compat path preserves what Linux preserves. */
/*
 * Built with musl-gcc -static and run on Pith's compat kernel: a `syscall` instruction keeps
 * every register Linux keeps (all but RAX, RCX, R11), the flags (DF, CF), the XMM registers, and
 * never writes the 128-byte red zone below RSP.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Loaded by probe() into rax (the number), rbx, rdx, rsi, rdi, rbp, r8..r10, r12..r15 (the
 * slots of rcx and r11 are unused). */
uint64_t regs_in[15];
/* Filled by probe(): [0..14] rax rbx rcx rdx rsi rdi rbp r8..r15, [15] rflags, [16..31] the red
 * zone from -8(%rsp) down, [32..63] xmm0..xmm15. */
uint64_t snap[64];
uint64_t xmm_init[32];
void probe(void);
extern char probe_after_syscall[];

#define GPR_SEED      0x0101010101010100ULL
#define SYS_GETPID    39
#define SYS_GETRANDOM 318
#define RED_SEED      0x5a5a5a5a00000000ULL

__asm__(".text\n"
	".globl probe\n"
	"probe:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	movabs $0x5a5a5a5a00000000, %rax\n"
	"	.irp i,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
	"	mov %rax, -8*\\i(%rsp); inc %rax\n"
	"	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu xmm_init+16*\\i(%rip), %xmm\\i\n"
	"	.endr\n"
	"	mov regs_in+8*1(%rip), %rbx; mov regs_in+8*3(%rip), %rdx\n"
	"	mov regs_in+8*4(%rip), %rsi; mov regs_in+8*5(%rip), %rdi\n"
	"	mov regs_in+8*6(%rip), %rbp; mov regs_in+8*7(%rip), %r8\n"
	"	mov regs_in+8*8(%rip), %r9; mov regs_in+8*9(%rip), %r10\n"
	"	mov regs_in+8*11(%rip), %r12; mov regs_in+8*12(%rip), %r13\n"
	"	mov regs_in+8*13(%rip), %r14; mov regs_in+8*14(%rip), %r15\n"
	"	mov regs_in+8*0(%rip), %rax\n" /* the syscall number */
	"	std; stc\n"
	"	syscall\n"
	".globl probe_after_syscall\n"
	"probe_after_syscall:\n"
	"	lea -256(%rsp), %rsp; pushfq; popq snap+8*15(%rip); lea 256(%rsp), %rsp\n"
	"	cld\n"
	"	mov %rax, snap+8*0(%rip); mov %rbx, snap+8*1(%rip); mov %rcx, snap+8*2(%rip)\n"
	"	mov %rdx, snap+8*3(%rip); mov %rsi, snap+8*4(%rip); mov %rdi, snap+8*5(%rip)\n"
	"	mov %rbp, snap+8*6(%rip); mov %r8, snap+8*7(%rip); mov %r9, snap+8*8(%rip)\n"
	"	mov %r10, snap+8*9(%rip); mov %r11, snap+8*10(%rip); mov %r12, snap+8*11(%rip)\n"
	"	mov %r13, snap+8*12(%rip); mov %r14, snap+8*13(%rip); mov %r15, snap+8*14(%rip)\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu %xmm\\i, snap+8*32+16*\\i(%rip)\n"
	"	.endr\n"
	"	.irp i,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
	"	mov -8*\\i(%rsp), %rax; mov %rax, snap+8*(15+\\i)(%rip)\n"
	"	.endr\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n");

static unsigned passed, failed;

static void check(int ok, const char *what)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "FAIL %s\n", what);
}

/* Runs the probe for syscall nr; args (up to 3) go in rdi, rsi, rdx; checks what it kept. */
static void probe_syscall(uint64_t nr, const uint64_t *args, uint64_t want_rax)
{
	static const char *const names[15] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
					      "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

	for (int i = 0; i < 15; i++)
		regs_in[i] = GPR_SEED + (uint64_t)i;
	regs_in[0] = nr;
	regs_in[5] = args[0];
	regs_in[4] = args[1];
	regs_in[3] = args[2];
	for (int i = 0; i < 32; i++)
		xmm_init[i] = 0x1234567800000000ULL + (uint64_t)i * 0x10001 + nr;
	probe();
	check(snap[0] == want_rax, "rax: the result");
	check(snap[2] == (uint64_t)(uintptr_t)probe_after_syscall, "rcx: the return address");
	for (int i = 1; i < 15; i++)
		if (i != 2 && i != 10) /* rcx and r11 are Linux's to clobber */
			check(snap[i] == regs_in[i], names[i]);
	check((snap[15] & 0x400) != 0, "DF kept set across the syscall");
	check((snap[15] & 0x1) != 0, "CF kept set across the syscall");
	check((snap[10] & 0x401) == 0x401, "r11: the flags at the syscall");
	for (int i = 0; i < 16; i++)
		check(snap[16 + i] == RED_SEED + (uint64_t)i, "red zone qword untouched");
	check(memcmp(&snap[32], xmm_init, sizeof(xmm_init)) == 0, "xmm0..15 kept");
}

static void test_registers(void)
{
	static unsigned char buf[64];
	const uint64_t none[3] = {GPR_SEED + 5, GPR_SEED + 4, GPR_SEED + 3};
	const uint64_t rnd[3] = {(uint64_t)(uintptr_t)buf, sizeof(buf), 0};

	probe_syscall(SYS_GETPID, none, 1); /* Pith's pid */
	/* getrandom's ChaCha20 runs on SSE registers inside the kernel */
	probe_syscall(SYS_GETRANDOM, rnd, sizeof(buf));
}

/* Six-argument and pointer-taking syscalls through the compat path. */
static void test_calls(void)
{
	struct timespec ts;
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check(p != MAP_FAILED && p[0] == 0 && p[8191] == 0, "mmap (6 arguments)");
	check(munmap(p, 8192) == 0, "munmap");
	check(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, "clock_gettime");
	check(write(1, "compat write ok\n", 16) == 16, "write");
}

int main(void)
{
	test_registers();
	test_calls();
	printf("%u passed, %u failed\n", passed, failed);
	return failed != 0;
}
