/* The seccomp filters: the monitor's (only what the run loop needs) and its helper process's. */
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>

#include "print.h"
#include "rawsys.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct named {
	unsigned long nr;
	const char *name;
};

/* The vCPU ioctls of the run loop, the compat path and crash reports. */
static const struct named allowed_ioctls[] = {
    {KVM_RUN, "KVM_RUN"},
    {KVM_GET_REGS, "KVM_GET_REGS"},
    {KVM_SET_REGS, "KVM_SET_REGS"},
    {KVM_GET_SREGS, "KVM_GET_SREGS"},
    {KVM_SET_SREGS, "KVM_SET_SREGS"},
};

/* The VM ioctl of the NIC's setup hypercall: binding the doorbell port to its eventfd. */
static const struct named allowed_vm_ioctls[] = {
    {KVM_IOEVENTFD, "KVM_IOEVENTFD"},
    /* PITH_HC_PROTECT's page-table pool reset deletes and re-creates the memory slot, which
       makes KVM drop its shadow pages (vmm/hc_protect.c) */
    {KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION"},
};

/*
 * System calls allowed with any arguments: sleeping (the wait hypercall: ppoll, with the stop and
 * timer signals unblocked, on the devices' wake eventfds if any), clocks, leaving.
 */
static const struct named allowed_plain[] = {
    {SYS_ppoll, "ppoll"},
    {SYS_rt_sigtimedwait, "rt_sigtimedwait"},
    {SYS_clock_gettime, "clock_gettime"},
    {SYS_restart_syscall, "restart_syscall"},
    {SYS_rt_sigreturn, "rt_sigreturn"},
    {SYS_exit, "exit"},
    {SYS_exit_group, "exit_group"},
};

/* The NIC's I/O thread (vmm/net_io.c): sleeping in poll, leaving. Its fds are checked below. */
static const struct named io_plain[] = {
    {SYS_ppoll, "ppoll"},
    {SYS_poll, "poll"},
    {SYS_restart_syscall, "restart_syscall"},
    {SYS_rt_sigreturn, "rt_sigreturn"},
    {SYS_exit, "exit"},
    {SYS_exit_group, "exit_group"},
};

/*
 * The helper process after its job (vmm/helper.c): futex wait/wake on its flags (checked
 * separately), close of fds 0-2, then waiting to die.
 */
static const struct named helper_plain[] = {
    {SYS_getppid, "getppid"},
    {SYS_pause, "pause"},
    {SYS_restart_syscall, "restart_syscall"},
    {SYS_rt_sigreturn, "rt_sigreturn"},
    {SYS_exit, "exit"},
    {SYS_exit_group, "exit_group"},
};
static const unsigned helper_close_fds[] = {0, 1, 2};
static const struct named helper_futex_ops[] = {
    {FUTEX_WAIT_PRIVATE, "FUTEX_WAIT_PRIVATE"},
    {FUTEX_WAKE_PRIVATE, "FUTEX_WAKE_PRIVATE"},
};

/*
 * The filter program, written directly in classic BPF (Documentation/userspace-api/seccomp_filter
 * and <linux/filter.h>): it reads struct seccomp_data (nr, arch, instruction_pointer, args[6]).
 * Arguments are 64 bits, little-endian: the low half of args[i] is at args[i], the high half 4
 * bytes further.
 */
#define DATA(field)  offsetof(struct seccomp_data, field)
#define ARG_LO(i)    (DATA(args) + 8 * (i))
#define ARG_HI(i)    (ARG_LO(i) + 4)
#define LOAD(off)    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(action)  BPF_STMT(BPF_RET | BPF_K, (action))
#define FILTER_MAX   128
#define X32_SYSCALLS 0x40000000u /* __X32_SYSCALL_BIT: x32 numbers alias the x86_64 ones */

struct filter {
	struct sock_filter insn[FILTER_MAX];
	unsigned n;
};

static void filter__emit(struct filter *f, struct sock_filter insn)
{
	if (f->n < FILTER_MAX)
		f->insn[f->n] = insn;
	f->n++;
}

/* If A == k go on with the next instruction, else kill. */
static void filter__emit_require(struct filter *f, uint32_t k)
{
	filter__emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 1, 0));
	filter__emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
}

/* If A == k allow, else go on. */
static void filter__emit_allow_if(struct filter *f, uint32_t k)
{
	filter__emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 1));
	filter__emit(f, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
}

/* The native ABI only; the system call number goes in A; the plain calls are allowed. */
static void filter__emit_head(struct filter *f, const struct named *plain, size_t nplain)
{
	filter__emit(f, (struct sock_filter)LOAD(DATA(arch)));
	filter__emit_require(f, AUDIT_ARCH_X86_64);
	filter__emit(f, (struct sock_filter)LOAD(DATA(nr)));
	filter__emit(f,
		     (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALLS, 0, 1));
	filter__emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	for (size_t i = 0; i < nplain; i++)
		filter__emit_allow_if(f, (uint32_t)plain[i].nr);
}

/* If A is system call nr, run block b (which must end in a return), else jump over it. */
static void filter__emit_block(struct filter *f, unsigned long nr, const struct filter *b)
{
	filter__emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0,
						     (uint8_t)b->n));
	for (unsigned i = 0; i < b->n && i < FILTER_MAX; i++)
		filter__emit(f, b->insn[i]);
}

/*
 * If A is system call nr, its argument 0 is one of the fds and, for ioctl, the low 32 bits of
 * argument 1 one of the requests (the kernel reads a request as 32 bits; libcs pass it zero- or
 * sign-extended): allow. Otherwise go on with A = the system call number again, so that several
 * rules may name the same call (ioctl on the vCPU fd and on the VM fd). Relative jumps cannot
 * leave a block, so blocks are built in a scratch program and jumped over. Block layout:
 * [0] high half of fd, [2] low half, [3..] the fds, then the requests, ALLOW, FAIL (reload nr).
 */
static void filter__emit_call(struct filter *f, unsigned long nr, const unsigned *fds, size_t nfds,
			      const struct named *req, size_t nreq)
{
	struct filter b = {.n = 0};
	unsigned allow = 3 + (unsigned)nfds + (nreq ? 1 + (unsigned)nreq : 0), fail = allow + 1;

	filter__emit(&b, (struct sock_filter)LOAD(ARG_HI(0)));
	filter__emit(
	    &b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, (uint8_t)(fail - 2)));
	filter__emit(&b, (struct sock_filter)LOAD(ARG_LO(0)));
	for (size_t i = 0; i < nfds; i++) /* on a match, to the instruction after the fds */
		filter__emit(&b, (struct sock_filter)BPF_JUMP(
				     BPF_JMP | BPF_JEQ | BPF_K, fds[i], (uint8_t)(nfds - 1 - i),
				     (uint8_t)(i + 1 == nfds ? fail - (4 + i) : 0)));
	if (nreq)
		filter__emit(&b, (struct sock_filter)LOAD(ARG_LO(1)));
	for (size_t j = 0; j < nreq; j++) {
		unsigned at = 4 + (unsigned)nfds + (unsigned)j;

		filter__emit(&b, (struct sock_filter)BPF_JUMP(
				     BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)req[j].nr,
				     (uint8_t)(allow - (at + 1)),
				     (uint8_t)(j + 1 == nreq ? fail - (at + 1) : 0)));
	}
	filter__emit(&b, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
	filter__emit(&b, (struct sock_filter)LOAD(DATA(nr)));
	filter__emit_block(f, nr, &b);
}

/*
 * futex(2) only on one of the nwords addresses (all 64 bits of argument 0 compared) and only
 * with the operations of helper_futex_ops (low 32 bits of argument 1: the kernel reads an int).
 * Per address: high half equal, else on to the next address; low half equal: on to the ops.
 */
static void filter__emit_futex(struct filter *f, const void *const *words, unsigned nwords)
{
	struct filter b = {.n = 0};

	for (unsigned i = 0; i < nwords; i++) {
		uint64_t a = (uint64_t)(uintptr_t)words[i];

		filter__emit(&b, (struct sock_filter)LOAD(ARG_HI(0)));
		filter__emit(&b, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							      (uint32_t)(a >> 32), 0, 2));
		filter__emit(&b, (struct sock_filter)LOAD(ARG_LO(0)));
		filter__emit(&b,
			     (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)a,
							  (uint8_t)(4 * (nwords - 1 - i) + 1), 0));
	}
	filter__emit(&b, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	filter__emit(&b, (struct sock_filter)LOAD(ARG_LO(1)));
	for (size_t i = 0; i < COUNT(helper_futex_ops); i++)
		filter__emit_allow_if(&b, (uint32_t)helper_futex_ops[i].nr);
	filter__emit(&b, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
	filter__emit_block(f, SYS_futex, &b);
}

/* The fds the vCPU thread writes (out) and reads (in): fds 1 and 2, the devices' eventfds. */
static void vcpu__fds(const struct seccomp_vcpu *v, unsigned out[4], size_t *nout, unsigned in[2],
		      size_t *nin)
{
	out[0] = 1;
	out[1] = 2;
	*nout = 2;
	*nin = 0;
	if (v->kick_fd >= 0) {
		out[(*nout)++] = (unsigned)v->kick_fd;
		in[(*nin)++] = (unsigned)v->wake_fd;
	}
	if (v->disks) {
		out[(*nout)++] = (unsigned)v->blk_kick_fd;
		in[(*nin)++] = (unsigned)v->blk_wake_fd;
	}
}

static void filter__build(struct filter *f, const struct seccomp_vcpu *v)
{
	const unsigned vcpu[] = {(unsigned)v->vcpu_fd}, vm[] = {(unsigned)v->vm_fd};
	const unsigned timer[] = {(unsigned)v->timer_id};
	unsigned out[4], in[2];
	size_t nout, nin;

	vcpu__fds(v, out, &nout, in, &nin);
	f->n = 0;
	filter__emit_head(f, allowed_plain, COUNT(allowed_plain));
	filter__emit_call(f, SYS_ioctl, vcpu, 1, allowed_ioctls, COUNT(allowed_ioctls));
	if (v->timer_id >= 0)
		filter__emit_call(f, SYS_timer_settime, timer, 1, NULL, 0);
	filter__emit_call(f, SYS_write, out, nout, NULL, 0);
	if (v->vm_fd >= 0)
		filter__emit_call(f, SYS_ioctl, vm, 1, allowed_vm_ioctls, COUNT(allowed_vm_ioctls));
	if (nin)
		filter__emit_call(f, SYS_read, in, nin, NULL, 0);
	filter__emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
}

static void rules__print(const struct seccomp_vcpu *v)
{
	bool net = v->kick_fd >= 0;

	print__err("pith: seccomp allow-list (everything else kills the monitor):\n");
	for (size_t i = 0; i < COUNT(allowed_ioctls); i++)
		print__err("pith:   ioctl(fd %d, %s)\n", v->vcpu_fd, allowed_ioctls[i].name);
	print__err("pith:   write(fd 1 or 2)\n");
	for (size_t i = 0; i < COUNT(allowed_plain); i++)
		print__err("pith:   %s\n", allowed_plain[i].name);
	for (size_t i = 0; v->vm_fd >= 0 && i < COUNT(allowed_vm_ioctls); i++)
		print__err("pith:   ioctl(fd %d, %s)\n", v->vm_fd, allowed_vm_ioctls[i].name);
	if (net) {
		print__err("pith:   write(fd %d: the NIC's doorbell eventfd)\n", v->kick_fd);
		print__err("pith:   read(fd %d: the NIC's wake eventfd)\n", v->wake_fd);
	}
	if (v->disks) {
		print__err("pith:   write(fd %d: the disks' doorbell eventfd)\n", v->blk_kick_fd);
		print__err("pith:   read(fd %d: the disks' wake eventfd)\n", v->blk_wake_fd);
	}
	if (v->timer_id >= 0)
		print__err("pith:   timer_settime(timer %d: the guest's upcall timer)\n",
			   v->timer_id);
}

static int filter__install(struct filter *f, const char *whose, char *err, size_t errlen)
{
	struct sock_fprog prog = {.filter = f->insn, .len = (unsigned short)f->n};

	if (f->n > FILTER_MAX) {
		snprintf(err, errlen,
			 "the %s seccomp filter has %u instructions, more than %d; this is a bug "
			 "in pith",
			 whose, f->n, FILTER_MAX);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		snprintf(err, errlen,
			 "cannot install the %s seccomp filter: %s; the kernel needs "
			 "seccomp support",
			 whose, strerror(errno));
		return -1;
	}
	return 0;
}

/* Nothing (no free() that may munmap) runs between the filter going on and the run loop. */
int seccomp__install(const struct seccomp_vcpu *v, bool verbose, char *err, size_t errlen)
{
	static struct filter f;

	filter__build(&f, v);
	if (verbose)
		rules__print(v);
	return filter__install(&f, "monitor's", err, errlen);
}

static void filter__build_io(struct filter *f, const struct seccomp_io *io)
{
	const unsigned rd[] = {(unsigned)io->backend_fd, (unsigned)io->kick_fd};
	const unsigned wr[] = {(unsigned)io->backend_fd, (unsigned)io->wake_fd, 2};
	const unsigned be[] = {(unsigned)io->backend_fd};

	f->n = 0;
	filter__emit_head(f, io_plain, COUNT(io_plain));
	filter__emit_call(f, SYS_read, rd, COUNT(rd), NULL, 0);
	filter__emit_call(f, SYS_write, wr, COUNT(wr), NULL, 0);
	filter__emit_call(f, SYS_readv, be, 1, NULL, 0);
	filter__emit_call(f, SYS_writev, be, 1, NULL, 0);
	filter__emit_call(f, SYS_sendmsg, be, 1, NULL, 0); /* stream backends: MSG_NOSIGNAL */
	filter__emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
}

static void rules__print_io(const struct seccomp_io *io)
{
	print__err("pith: seccomp allow-list of the NIC's I/O thread (everything else kills the "
		   "monitor):\n");
	print__err("pith:   read, readv, write, writev, sendmsg(fd %d: the backend)\n",
		   io->backend_fd);
	print__err("pith:   read(fd %d: the doorbell eventfd)\n", io->kick_fd);
	print__err("pith:   write(fd %d: the wake eventfd, or fd 2)\n", io->wake_fd);
	for (size_t i = 0; i < COUNT(io_plain); i++)
		print__err("pith:   %s\n", io_plain[i].name);
}

int seccomp__install_io(const struct seccomp_io *io, bool verbose, char *err, size_t errlen)
{
	static struct filter f;

	filter__build_io(&f, io);
	if (verbose)
		rules__print_io(io);
	return filter__install(&f, "I/O thread's", err, errlen);
}

/* The disks' I/O thread (vmm/blk_io.c): sleeping in ppoll, leaving. Its fds are checked below. */
static const struct named blk_plain[] = {
    {SYS_ppoll, "ppoll"},
    {SYS_restart_syscall, "restart_syscall"},
    {SYS_rt_sigreturn, "rt_sigreturn"},
    {SYS_exit, "exit"},
    {SYS_exit_group, "exit_group"},
};

/* Every disk's fd (rd), and those of the disks opened read-write (wr). */
static size_t blk__fds(const struct seccomp_blk *b, unsigned rd[SECCOMP_BLK_MAX],
		       unsigned wr[SECCOMP_BLK_MAX])
{
	size_t nwr = 0;

	for (unsigned i = 0; i < b->ndisks && i < SECCOMP_BLK_MAX; i++) {
		rd[i] = (unsigned)b->disk_fds[i];
		if (!b->disk_ro[i])
			wr[nwr++] = (unsigned)b->disk_fds[i];
	}
	return nwr;
}

static void filter__build_blk(struct filter *f, const struct seccomp_blk *b)
{
	unsigned rd[SECCOMP_BLK_MAX], wr[SECCOMP_BLK_MAX];
	const unsigned kick[] = {(unsigned)b->kick_fd}, out[] = {(unsigned)b->wake_fd, 2};
	size_t nrd = b->ndisks < SECCOMP_BLK_MAX ? b->ndisks : SECCOMP_BLK_MAX;
	size_t nwr = blk__fds(b, rd, wr);

	f->n = 0;
	filter__emit_head(f, blk_plain, COUNT(blk_plain));
	if (nrd)
		filter__emit_call(f, SYS_pread64, rd, nrd, NULL, 0);
	if (nwr) {
		filter__emit_call(f, SYS_pwrite64, wr, nwr, NULL, 0);
		filter__emit_call(f, SYS_fdatasync, wr, nwr, NULL, 0);
	}
	filter__emit_call(f, SYS_read, kick, 1, NULL, 0);
	filter__emit_call(f, SYS_write, out, COUNT(out), NULL, 0);
	filter__emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
}

static void rules__print_blk(const struct seccomp_blk *b)
{
	print__err("pith: seccomp allow-list of the disk I/O thread (everything else kills the "
		   "monitor):\n");
	for (unsigned i = 0; i < b->ndisks && i < SECCOMP_BLK_MAX; i++)
		print__err("pith:   %s(fd %d: disk %u)\n",
			   b->disk_ro[i] ? "pread64" : "pread64, pwrite64, fdatasync",
			   b->disk_fds[i], i);
	print__err("pith:   read(fd %d: the disks' doorbell eventfd)\n", b->kick_fd);
	print__err("pith:   write(fd %d: the disks' wake eventfd, or fd 2)\n", b->wake_fd);
	for (size_t i = 0; i < COUNT(blk_plain); i++)
		print__err("pith:   %s\n", blk_plain[i].name);
}

int seccomp__install_blk(const struct seccomp_blk *b, bool verbose, char *err, size_t errlen)
{
	static struct filter f;

	filter__build_blk(&f, b);
	if (verbose)
		rules__print_blk(b);
	return filter__install(&f, "disk I/O thread's", err, errlen);
}

static void filter__build_helper(struct filter *f, const void *const *words, unsigned nwords)
{
	f->n = 0;
	filter__emit_head(f, helper_plain, COUNT(helper_plain));
	filter__emit_futex(f, words, nwords);
	filter__emit_call(f, SYS_close, helper_close_fds, COUNT(helper_close_fds), NULL, 0);
	filter__emit(f, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
}

/* Raw system calls only: this runs in the helper, which shares the monitor's TLS (errno). */
int seccomp__install_helper(const void *const *futex_words, unsigned nwords)
{
	static struct filter f;
	struct sock_fprog prog = {.filter = f.insn};
	long rc;

	if (nwords > SECCOMP_HELPER_MAX_WORDS)
		return -E2BIG;
	filter__build_helper(&f, futex_words, nwords);
	if (f.n > FILTER_MAX)
		return -E2BIG;
	prog.len = (unsigned short)f.n;
	rc = rawsys__call5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (rc == 0)
		rc = rawsys__call3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog);
	return (int)rc;
}

void seccomp__selftest(void)
{
	syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
}
