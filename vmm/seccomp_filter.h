/* The seccomp filters of the monitor and its helper, built directly in classic BPF. */
#ifndef VMM_SECCOMP_FILTER_H
#define VMM_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Install the filter (default action: kill the process). vcpu_fd is the only fd ioctl may use.
 * verbose prints the allow-list first. Returns 0, or -1 with a message in err.
 */
int seccomp__install(int vcpu_fd, bool verbose, char *err, size_t errlen);

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
