/* The seccomp filters of the monitor and its helper, built directly in classic BPF. */
#ifndef VMM_SECCOMP_FILTER_H
#define VMM_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The fds the vCPU thread's filter names. Without a NIC, kick_fd and wake_fd are -1; without a
 * NIC and without disks, vm_fd is -1 too. The disks' eventfds count only when disks is set.
 */
struct seccomp_vcpu {
	int vcpu_fd;	 /* ioctl: the run loop's vCPU ioctls */
	int vm_fd;	 /* ioctl: KVM_IOEVENTFD (the setup hypercalls bind the doorbells) */
	int kick_fd;	 /* write: the NIC's doorbell eventfd (the setup starts the I/O thread) */
	int wake_fd;	 /* read: the NIC's wake eventfd (the wait hypercall, with ppoll) */
	bool disks;	 /* there are disks: */
	int blk_kick_fd; /* write: the disks' doorbell eventfd (a disk's setup wakes their thread)
			  */
	int blk_wake_fd; /* read: the disks' wake eventfd (the wait hypercall, with ppoll) */
	int timer_id;	 /* timer_settime: the upcall timer (PITH_HC_TIMER), or -1 */
};

/*
 * Install the calling thread's filter (default action: kill the process): ioctl only on the
 * fds above, write to fds 1 and 2 (and kick_fd), timer_settime on timer_id, sleeping (ppoll),
 * clocks, leaving. verbose prints the
 * allow-list first. Returns 0, or -1 with a message in err.
 */
int seccomp__install(const struct seccomp_vcpu *v, bool verbose, char *err, size_t errlen);

/* The fds the NIC's I/O thread uses. */
struct seccomp_io {
	int backend_fd; /* read, readv, write, writev */
	int kick_fd;	/* read */
	int wake_fd;	/* write (and fd 2 for its one error line) */
};

/*
 * The I/O thread's own filter, installed by the thread itself first thing (a filter covers
 * only the thread that installs it and the threads it creates later). Same conventions.
 */
int seccomp__install_io(const struct seccomp_io *io, bool verbose, char *err, size_t errlen);

#define SECCOMP_BLK_MAX 8 /* PITH_BLK_MAX */

/* The fds the disks' I/O thread uses. */
struct seccomp_blk {
	int disk_fds[SECCOMP_BLK_MAX]; /* pread64; pwrite64 and fdatasync unless disk_ro */
	bool disk_ro[SECCOMP_BLK_MAX];
	unsigned ndisks;
	int kick_fd; /* read */
	int wake_fd; /* write (and fd 2 for its error lines) */
};

/* The disk thread's own filter, installed by the thread itself first thing. Same conventions. */
int seccomp__install_blk(const struct seccomp_blk *b, bool verbose, char *err, size_t errlen);

#define SECCOMP_HELPER_MAX_WORDS 4

/*
 * The helper process's filter (vmm/helper.c), for after its job: futex(FUTEX_WAIT_PRIVATE or
 * FUTEX_WAKE_PRIVATE) on one of the nwords (at most SECCOMP_HELPER_MAX_WORDS) futex_words,
 * close of fds 0-2, getppid, pause, exit, exit_group, restart_syscall, rt_sigreturn; everything
 * else kills the helper. Raw system calls only (safe in the helper). Returns 0 or -errno.
 */
int seccomp__install_helper(const void *const *futex_words, unsigned nwords);

/* Test hook: make a system call the filter forbids; the process must die of SIGSYS. */
void seccomp__selftest(void);

#endif
