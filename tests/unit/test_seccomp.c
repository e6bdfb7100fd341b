/* The seccomp filters of the monitor and its helper: what passes and what kills, in children. */
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "seccomp_filter.h"
#include "test.h"

#define SURVIVED 42

static int vcpu_fd;
static uint32_t word_a, word_b, word_other; /* the helper's futex words, and another one */

/* With a NIC: the VM fd and the NIC's eventfds (plain fds here, the filter only checks numbers). */
static int vm_fd, kick_fd, wake_fd, backend_fd;

/* With disks: their eventfds and two disk files (the second one opened read-only, as :ro). */
static int blk_kick_fd, blk_wake_fd, disk_rw_fd, disk_ro_fd;

#define TIMER_ID 5 /* the upcall timer's kernel id: the filter only compares the number */

static int install_monitor(void)
{
	struct seccomp_vcpu v = {
	    .vcpu_fd = vcpu_fd, .vm_fd = -1, .kick_fd = -1, .wake_fd = -1, .timer_id = TIMER_ID};
	char err[256];

	if (seccomp__install(&v, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int install_monitor_net(void)
{
	struct seccomp_vcpu v = {
	    .vcpu_fd = vcpu_fd, .vm_fd = vm_fd, .kick_fd = kick_fd, .wake_fd = wake_fd};
	char err[256];

	if (seccomp__install(&v, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int install_io(void)
{
	struct seccomp_io io = {.backend_fd = backend_fd, .kick_fd = kick_fd, .wake_fd = wake_fd};
	char err[256];

	if (seccomp__install_io(&io, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* The vCPU thread with disks only (net = false) or with a NIC too. */
static int install_monitor_disks_with(bool net)
{
	struct seccomp_vcpu v = {.vcpu_fd = vcpu_fd,
				 .vm_fd = vm_fd,
				 .kick_fd = net ? kick_fd : -1,
				 .wake_fd = net ? wake_fd : -1,
				 .disks = true,
				 .blk_kick_fd = blk_kick_fd,
				 .blk_wake_fd = blk_wake_fd};
	char err[256];

	if (seccomp__install(&v, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int install_monitor_disks(void)
{
	return install_monitor_disks_with(false);
}

static int install_monitor_disks_net(void)
{
	return install_monitor_disks_with(true);
}

static int install_blk(void)
{
	struct seccomp_blk b = {.disk_fds = {disk_rw_fd, disk_ro_fd},
				.disk_ro = {false, true},
				.ndisks = 2,
				.kick_fd = blk_kick_fd,
				.wake_fd = blk_wake_fd};
	char err[256];

	if (seccomp__install_blk(&b, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int install_helper(void)
{
	const void *const words[] = {&word_a, &word_b};
	int rc = seccomp__install_helper(words, 2);

	if (rc < 0)
		fprintf(stderr, "seccomp__install_helper: %d\n", rc);
	return rc;
}

static int (*install)(void) = install_monitor;

/* Fork; the child installs the filter, makes one call, then exits SURVIVED if it still lives. */
static void trial(const char *what, bool allowed, void (*call)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (install() < 0)
			_exit(99);
		call();
		syscall(SYS_exit_group, SURVIVED);
	}
	if (!CHECKF(pid > 0 && waitpid(pid, &status, 0) == pid, "%s: fork/wait", what))
		return;
	if (allowed)
		CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == SURVIVED,
		       "%s: allowed (status %#x)", what, status);
	else
		CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		       "%s: killed by SIGSYS (status %#x)", what, status);
}

static void run(void)
{
	syscall(SYS_ioctl, vcpu_fd, KVM_RUN, 0);
}
static void get_regs(void)
{
	struct kvm_regs r;
	syscall(SYS_ioctl, vcpu_fd, KVM_GET_REGS, &r);
}
static void set_sregs_sext(void)
{
	syscall(SYS_ioctl, vcpu_fd, (long)(int)KVM_SET_SREGS, 0);
}
static void get_sregs_hi(void)
{
	syscall(SYS_ioctl, vcpu_fd, 0x100000000L | KVM_GET_SREGS, 0);
}
static void get_fpu(void)
{
	syscall(SYS_ioctl, vcpu_fd, KVM_GET_FPU, 0);
}
static void other_fd(void)
{
	syscall(SYS_ioctl, vcpu_fd + 1, KVM_RUN, 0);
}
static void fd_high_bits(void)
{
	syscall(SYS_ioctl, 0x100000000L | vcpu_fd, KVM_RUN, 0);
}
static void write1(void)
{
	syscall(SYS_write, 1, "", 0);
}
static void write2(void)
{
	syscall(SYS_write, 2, "", 0);
}
static void write0(void)
{
	syscall(SYS_write, 0, "", 0);
}
static void write3(void)
{
	syscall(SYS_write, 3, "", 0);
}
static void write1_high_bits(void)
{
	syscall(SYS_write, 0x100000001L, "", 0);
}
static void openat_root(void)
{
	syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
}
static void getpid_call(void)
{
	syscall(SYS_getpid);
}
static void mmap_call(void)
{
	syscall(SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
}
static void x32_write(void)
{
	syscall(0x40000000 | SYS_write, 1, "", 0);
}
static void exit_call(void)
{
	syscall(SYS_exit, SURVIVED);
}

static void clocks(void)
{
	struct timespec t, d = {0, 1000};

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
	syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &d, NULL);
}

static void clock_get(void)
{
	struct timespec t;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
}

/* The upcall timer (PITH_HC_TIMER) and taking the signals KVM_RUN left pending. */
static void settime(int id)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	syscall(SYS_timer_settime, id, 0, &its, NULL);
}
static void settime_ours(void)
{
	settime(TIMER_ID);
}
static void settime_other(void)
{
	settime(TIMER_ID + 1);
}
static void settime_high_bits(void)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	syscall(SYS_timer_settime, 0x100000000L | TIMER_ID, 0, &its, NULL);
}
static void timer_create_call(void)
{
	int id;

	syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id);
}
static void sigtimedwait_call(void)
{
	struct timespec t = {0, 0};
	uint64_t set = 1ULL << (SIGTERM - 1);

	syscall(SYS_rt_sigtimedwait, &set, NULL, &t, 8);
}
static void sigprocmask_call(void)
{
	uint64_t set = 0;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8);
}

/* The NIC's calls (fds whose reads would block are non-blocking eventfds). */
static void ppoll_call(void)
{
	struct timespec t = {0, 0};

	syscall(SYS_ppoll, NULL, 0, &t, NULL, 8);
}
static void read_wake(void)
{
	uint64_t v;
	syscall(SYS_read, wake_fd, &v, 8);
}
static void read_kick(void)
{
	uint64_t v;
	syscall(SYS_read, kick_fd, &v, 8);
}
static void write_kick(void)
{
	uint64_t v = 1;
	syscall(SYS_write, kick_fd, &v, 8);
}
static void write_wake(void)
{
	uint64_t v = 1;
	syscall(SYS_write, wake_fd, &v, 8);
}
static void ioeventfd_vm(void)
{
	syscall(SYS_ioctl, vm_fd, KVM_IOEVENTFD, 0); /* EFAULT, but allowed */
}
static void ioeventfd_vcpu(void)
{
	syscall(SYS_ioctl, vcpu_fd, KVM_IOEVENTFD, 0);
}
static void create_vcpu_vm(void)
{
	syscall(SYS_ioctl, vm_fd, KVM_CREATE_VCPU, 5);
}
static void backend_io(void)
{
	uint64_t v = 1;
	struct iovec iov = {&v, 8};

	syscall(SYS_write, backend_fd, &v, 8);
	syscall(SYS_read, backend_fd, &v, 8);
	syscall(SYS_writev, backend_fd, &iov, 1);
	syscall(SYS_readv, backend_fd, &iov, 1);
}
static void backend_sendmsg(void)
{
	uint64_t v = 1;
	struct iovec iov = {&v, 8};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	syscall(SYS_sendmsg, backend_fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
}
static void kick_sendmsg(void)
{
	uint64_t v = 1;
	struct iovec iov = {&v, 8};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	syscall(SYS_sendmsg, kick_fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
}
static void readv_kick(void)
{
	uint64_t v;
	struct iovec iov = {&v, 8};
	syscall(SYS_readv, kick_fd, &iov, 1);
}

static void net_trials(void)
{
	trial("no NIC: ppoll (the wait hypercall)", true, ppoll_call);
	trial("no NIC: KVM_IOEVENTFD on the VM fd", false, ioeventfd_vm);
	install = install_monitor_net;
	trial("NIC: KVM_RUN", true, run);
	trial("NIC: write to fd 2", true, write2);
	trial("NIC: ppoll", true, ppoll_call);
	trial("NIC: read the wake eventfd", true, read_wake);
	trial("NIC: write the doorbell eventfd", true, write_kick);
	trial("NIC: KVM_IOEVENTFD on the VM fd", true, ioeventfd_vm);
	trial("NIC: KVM_IOEVENTFD on the vCPU fd", false, ioeventfd_vcpu);
	trial("NIC: KVM_CREATE_VCPU on the VM fd", false, create_vcpu_vm);
	trial("NIC: KVM_RUN on the VM fd", false, other_fd);
	trial("NIC: read the doorbell eventfd", false, read_kick);
	trial("NIC: write the wake eventfd", false, write_wake);
	trial("NIC: write to fd 3", false, write3);
	trial("NIC: openat", false, openat_root);
	install = install_io;
	trial("I/O thread: read/write/readv/writev on the backend", true, backend_io);
	trial("I/O thread: sendmsg on the backend", true, backend_sendmsg);
	trial("I/O thread: sendmsg on the doorbell eventfd", false, kick_sendmsg);
	trial("I/O thread: read the doorbell eventfd", true, read_kick);
	trial("I/O thread: write the wake eventfd", true, write_wake);
	trial("I/O thread: write to fd 2", true, write2);
	trial("I/O thread: ppoll", true, ppoll_call);
	trial("I/O thread: exit", true, exit_call);
	trial("I/O thread: write to fd 1", false, write1);
	trial("I/O thread: write the doorbell eventfd", false, write_kick);
	trial("I/O thread: read the wake eventfd", false, read_wake);
	trial("I/O thread: readv on the doorbell eventfd", false, readv_kick);
	trial("I/O thread: KVM_RUN", false, run);
	trial("I/O thread: openat", false, openat_root);
	trial("I/O thread: mmap", false, mmap_call);
	trial("I/O thread: clock_nanosleep", false, clocks);
	install = install_monitor;
}

/* The disks' calls: the vCPU thread's wait and setup, the disk thread's I/O. */
static void read_blk_wake(void)
{
	uint64_t v;
	syscall(SYS_read, blk_wake_fd, &v, 8);
}
static void write_blk_kick(void)
{
	uint64_t v = 1;
	syscall(SYS_write, blk_kick_fd, &v, 8);
}
static void read_blk_kick(void)
{
	uint64_t v;
	syscall(SYS_read, blk_kick_fd, &v, 8);
}
static void write_blk_wake(void)
{
	uint64_t v = 1;
	syscall(SYS_write, blk_wake_fd, &v, 8);
}
static void disk_rw_io(void)
{
	char b[512] = {0};

	syscall(SYS_pwrite64, disk_rw_fd, b, 512, 0);
	syscall(SYS_pread64, disk_rw_fd, b, 512, 0);
	syscall(SYS_fdatasync, disk_rw_fd);
}
static void disk_ro_read(void)
{
	char b[512];
	syscall(SYS_pread64, disk_ro_fd, b, 512, 0);
}
static void disk_ro_write(void)
{
	char b[512] = {0};
	syscall(SYS_pwrite64, disk_ro_fd, b, 512, 0);
}
static void disk_ro_fdatasync(void)
{
	syscall(SYS_fdatasync, disk_ro_fd);
}
static void disk_rw_fsync(void)
{
	syscall(SYS_fsync, disk_rw_fd);
}
static void disk_rw_write(void)
{
	char b[512] = {0};
	syscall(SYS_write, disk_rw_fd, b, 512);
}
static void disk_rw_read(void)
{
	char b[512];
	syscall(SYS_read, disk_rw_fd, b, 512);
}
static void poll_call(void)
{
	syscall(SYS_poll, NULL, 0, 0);
}
static void pread_kick(void)
{
	uint64_t v;
	syscall(SYS_pread64, blk_kick_fd, &v, 8, 0);
}
static void pread_high_bits(void)
{
	char b[512];
	syscall(SYS_pread64, 0x100000000L | disk_rw_fd, b, 512, 0);
}

static void disk_vcpu_trials(void)
{
	install = install_monitor_disks;
	trial("disks: KVM_RUN", true, run);
	trial("disks: ppoll", true, ppoll_call);
	trial("disks: read the disks' wake eventfd", true, read_blk_wake);
	trial("disks: write the disks' doorbell eventfd", true, write_blk_kick);
	trial("disks: KVM_IOEVENTFD on the VM fd", true, ioeventfd_vm);
	trial("disks: write to fd 2", true, write2);
	trial("disks: read the NIC's wake eventfd (no NIC)", false, read_wake);
	trial("disks: write the NIC's doorbell eventfd (no NIC)", false, write_kick);
	trial("disks: read the disks' doorbell eventfd", false, read_blk_kick);
	trial("disks: write the disks' wake eventfd", false, write_blk_wake);
	trial("disks: pread64 on a disk", false, disk_ro_read);
	trial("disks: KVM_CREATE_VCPU on the VM fd", false, create_vcpu_vm);
	trial("disks: openat", false, openat_root);
	install = install_monitor_disks_net;
	trial("disks + NIC: read both wake eventfds", true, read_wake);
	trial("disks + NIC: read the disks' wake eventfd", true, read_blk_wake);
	trial("disks + NIC: write both doorbells", true, write_kick);
	trial("disks + NIC: write the disks' doorbell", true, write_blk_kick);
	trial("disks + NIC: ppoll", true, ppoll_call);
	trial("disks + NIC: write to fd 3", false, write3);
	install = install_monitor;
	trial("no disks: read the disks' wake eventfd", false, read_blk_wake);
}

static void disk_thread_trials(void)
{
	install = install_blk;
	trial("disk thread: pread64/pwrite64/fdatasync on a read-write disk", true, disk_rw_io);
	trial("disk thread: pread64 on a read-only disk", true, disk_ro_read);
	trial("disk thread: read the doorbell eventfd", true, read_blk_kick);
	trial("disk thread: write the wake eventfd", true, write_blk_wake);
	trial("disk thread: write to fd 2", true, write2);
	trial("disk thread: ppoll", true, ppoll_call);
	trial("disk thread: exit", true, exit_call);
	trial("disk thread: pwrite64 on a read-only disk", false, disk_ro_write);
	trial("disk thread: fdatasync on a read-only disk", false, disk_ro_fdatasync);
	trial("disk thread: fsync", false, disk_rw_fsync);
	trial("disk thread: write on a disk", false, disk_rw_write);
	trial("disk thread: read on a disk", false, disk_rw_read);
	trial("disk thread: pread64 on the doorbell eventfd", false, pread_kick);
	trial("disk thread: pread64 with high bits in the fd", false, pread_high_bits);
	trial("disk thread: write the doorbell eventfd", false, write_blk_kick);
	trial("disk thread: read the wake eventfd", false, read_blk_wake);
	trial("disk thread: write to fd 1", false, write1);
	trial("disk thread: KVM_RUN", false, run);
	trial("disk thread: openat", false, openat_root);
	trial("disk thread: mmap", false, mmap_call);
	trial("disk thread: poll", false, poll_call);
	trial("disk thread: x32 write", false, x32_write);
	install = install_monitor;
}

/* The helper's calls: futex on its words (a wait whose value differs returns at once). */
static void futex_wake_a(void)
{
	syscall(SYS_futex, &word_a, FUTEX_WAKE_PRIVATE, 1);
}
static void futex_wait_b(void)
{
	syscall(SYS_futex, &word_b, FUTEX_WAIT_PRIVATE, 1, NULL);
}
static void futex_wake_other(void)
{
	syscall(SYS_futex, &word_other, FUTEX_WAKE_PRIVATE, 1);
}
static void futex_wake_a_high_bits(void)
{
	syscall(SYS_futex, (uintptr_t)&word_a ^ (1ULL << 40), FUTEX_WAKE_PRIVATE, 1);
}
static void futex_wake_shared(void)
{
	syscall(SYS_futex, &word_a, FUTEX_WAKE, 1);
}
static void futex_requeue(void)
{
	syscall(SYS_futex, &word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &word_b, 0);
}
static void close_std(void)
{
	syscall(SYS_close, 0);
	syscall(SYS_close, 1);
	syscall(SYS_close, 2);
}
static void close3(void)
{
	syscall(SYS_close, 3);
}
static void getppid_call(void)
{
	syscall(SYS_getppid);
}
static void exit_group_call(void)
{
	syscall(SYS_exit_group, SURVIVED);
}

static void helper_trials(void)
{
	install = install_helper;
	trial("helper: futex wake on its first word", true, futex_wake_a);
	trial("helper: futex wait on its second word", true, futex_wait_b);
	trial("helper: close fds 0-2", true, close_std);
	trial("helper: getppid", true, getppid_call);
	trial("helper: exit", true, exit_call);
	trial("helper: exit_group", true, exit_group_call);

	trial("helper: futex on another word", false, futex_wake_other);
	trial("helper: futex on its word with high bits changed", false, futex_wake_a_high_bits);
	trial("helper: futex without FUTEX_PRIVATE_FLAG", false, futex_wake_shared);
	trial("helper: futex requeue", false, futex_requeue);
	trial("helper: close fd 3", false, close3);
	trial("helper: write to fd 1", false, write1);
	trial("helper: KVM_RUN", false, run);
	trial("helper: clock_nanosleep", false, clocks);
	trial("helper: openat", false, openat_root);
	trial("helper: mmap", false, mmap_call);
	trial("helper: getpid", false, getpid_call);
	trial("helper: x32 write", false, x32_write);
	install = install_monitor;
}

int main(void)
{
	int sys_fd, fds[2];

	if (!test__require_kvm())
		return test__done();
	sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	vcpu_fd = vm_fd < 0 ? -1 : ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (!CHECKF(vcpu_fd >= 0, "create a VM and a vCPU"))
		return test__done();
	kick_fd = eventfd(0, EFD_NONBLOCK);
	wake_fd = eventfd(0, EFD_NONBLOCK);
	if (!CHECKF(kick_fd >= 0 && wake_fd >= 0 &&
			socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds) == 0,
		    "eventfds and a socket pair"))
		return test__done();
	backend_fd = fds[0];
	blk_kick_fd = eventfd(0, EFD_NONBLOCK);
	blk_wake_fd = eventfd(0, EFD_NONBLOCK);
	disk_rw_fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	disk_ro_fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (!CHECKF(blk_kick_fd >= 0 && blk_wake_fd >= 0 && disk_rw_fd >= 0 && disk_ro_fd >= 0 &&
			ftruncate(disk_rw_fd, 4096) == 0 && ftruncate(disk_ro_fd, 4096) == 0,
		    "the disks' eventfds and files"))
		return test__done();

	trial("KVM_RUN on the vCPU fd", true, run);
	trial("KVM_GET_REGS", true, get_regs);
	trial("KVM_SET_SREGS, request sign-extended", true, set_sregs_sext);
	trial("KVM_GET_SREGS, request with high bits", true, get_sregs_hi);
	trial("write to fd 1", true, write1);
	trial("write to fd 2", true, write2);
	trial("clock_gettime", true, clock_get);
	trial("clock_nanosleep (the wait sleeps in ppoll)", false, clocks);
	trial("exit", true, exit_call);
	trial("timer_settime on the upcall timer", true, settime_ours);
	trial("timer_settime on another timer", false, settime_other);
	trial("timer_settime with high bits in the id", false, settime_high_bits);
	trial("timer_create", false, timer_create_call);
	trial("rt_sigtimedwait", true, sigtimedwait_call);
	trial("rt_sigprocmask", false, sigprocmask_call);

	trial("KVM_GET_FPU", false, get_fpu);
	trial("ioctl on another fd", false, other_fd);
	trial("ioctl with high bits in the fd", false, fd_high_bits);
	trial("write to fd 0", false, write0);
	trial("write to fd 3", false, write3);
	trial("write with high bits in the fd", false, write1_high_bits);
	trial("openat", false, openat_root);
	trial("getpid", false, getpid_call);
	trial("mmap", false, mmap_call);
	trial("x32 write", false, x32_write);
	trial("monitor: getppid", false, getppid_call);
	trial("monitor: futex", false, futex_wake_a);
	net_trials();
	disk_vcpu_trials();
	disk_thread_trials();
	helper_trials();
	return test__done();
}
