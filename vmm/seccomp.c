/* The monitor's seccomp filter: after setup, only the system calls the run loop needs. */
#include "seccomp_filter.h"

#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "print.h"

/* The vCPU ioctls of the run loop, the compat path and crash reports. */
static const struct {
	unsigned long request;
	const char *name;
} allowed_ioctls[] = {
	{ KVM_RUN, "KVM_RUN" },
	{ KVM_GET_REGS, "KVM_GET_REGS" },
	{ KVM_SET_REGS, "KVM_SET_REGS" },
	{ KVM_GET_SREGS, "KVM_GET_SREGS" },
	{ KVM_SET_SREGS, "KVM_SET_SREGS" },
};

/* System calls allowed with any arguments: sleeping (wait hypercall), clocks, leaving. */
static const int allowed_plain[] = {
	SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_gettime), SCMP_SYS(restart_syscall),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

static int rules__add(scmp_filter_ctx ctx, int vcpu_fd)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
		                       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)vcpu_fd),
		                       SCMP_A1(SCMP_CMP_EQ, allowed_ioctls[i].request));
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

int seccomp__install(int vcpu_fd, bool verbose, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;

	if (!ctx) {
		snprintf(err, errlen, "cannot create a seccomp filter; check libseccomp");
		return -1;
	}
	rc = rules__add(ctx, vcpu_fd);
	if (verbose)
		rules__print(vcpu_fd);
	if (!rc)
		rc = seccomp_load(ctx);
	/* the context is not released: free() may return memory with brk/munmap, now forbidden */
	if (rc) {
		snprintf(err, errlen, "cannot install the seccomp filter: %s; the kernel needs "
		         "seccomp support", strerror(-rc));
		return -1;
	}
	return 0;
}

void seccomp__selftest(void)
{
	syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
}
