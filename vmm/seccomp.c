/* The monitor's seccomp filter: after setup, only the system calls the run loop needs. */
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>

#include "print.h"

/* The vCPU ioctls of the run loop, the compat path and crash reports. */
static const struct {
	unsigned long request;
	const char *name;
} allowed_ioctls[] = {
    {KVM_RUN, "KVM_RUN"},
    {KVM_GET_REGS, "KVM_GET_REGS"},
    {KVM_SET_REGS, "KVM_SET_REGS"},
    {KVM_GET_SREGS, "KVM_GET_SREGS"},
    {KVM_SET_SREGS, "KVM_SET_SREGS"},
};

/* System calls allowed with any arguments: sleeping (wait hypercall), clocks, leaving. */
static const int allowed_plain[] = {
    SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_gettime), SCMP_SYS(restart_syscall),
    SCMP_SYS(rt_sigreturn),    SCMP_SYS(exit),		SCMP_SYS(exit_group),
};

/*
 * The kernel reads an ioctl's request as 32 bits; libcs pass it zero- (glibc) or sign-extended
 * (musl), so only the low 32 bits are compared.
 */
static int rules__add(scmp_filter_ctx ctx, int vcpu_fd)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]); i++)
		rc |= seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, allowed_ioctls[i].request));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 1));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 2));
	for (size_t i = 0; i < sizeof(allowed_plain) / sizeof(allowed_plain[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_plain[i], 0);
	return rc;
}

static void rules__print(int vcpu_fd)
{
	print__err("pith: seccomp allow-list (everything else kills the monitor):\n");
	for (size_t i = 0; i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]); i++)
		print__err("pith:   ioctl(fd %d, %s)\n", vcpu_fd, allowed_ioctls[i].name);
	print__err("pith:   write(fd 1 or 2)\n");
	for (size_t i = 0; i < sizeof(allowed_plain) / sizeof(allowed_plain[0]); i++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, allowed_plain[i]);

		print__err("pith:   %s\n", name ? name : "?");
		free(name);
	}
}

/* The compiled filter, read back from libseccomp: at most BPF_MAXINSNS instructions. */
static struct sock_filter bpf[BPF_MAXINSNS];

/* Compile the rules to BPF in bpf[]; returns the number of instructions, or -1. */
static int filter__compile(scmp_filter_ctx ctx)
{
	int fd[2], n = -1;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	if (seccomp_export_bpf(ctx, fd[1]) == 0) {
		close(fd[1]);
		fd[1] = -1;
		n = (int)read(fd[0], bpf, sizeof(bpf));
	}
	close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	return n > 0 && n % (int)sizeof(bpf[0]) == 0 ? n / (int)sizeof(bpf[0]) : -1;
}

/*
 * libseccomp builds the filter; this file installs it, so that nothing (no free() that may
 * munmap) runs between the filter going on and the run loop.
 */
int seccomp__install(int vcpu_fd, bool verbose, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	struct sock_fprog prog = {.filter = bpf};
	int n = -1;

	if (ctx && rules__add(ctx, vcpu_fd) == 0)
		n = filter__compile(ctx);
	if (verbose)
		rules__print(vcpu_fd);
	seccomp_release(ctx);
	if (n < 0) {
		snprintf(err, errlen, "cannot build the seccomp filter; check libseccomp");
		return -1;
	}
	prog.len = (unsigned short)n;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		snprintf(err, errlen,
			 "cannot install the seccomp filter: %s; the kernel needs "
			 "seccomp support",
			 strerror(errno));
		return -1;
	}
	return 0;
}

void seccomp__selftest(void)
{
	syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
}
