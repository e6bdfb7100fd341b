/* The monitor's seccomp filter, built directly in classic BPF (no libseccomp needed). */
#ifndef VMM_SECCOMP_FILTER_H
#define VMM_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Install the filter (default action: kill the process). vcpu_fd is the only fd ioctl may use.
 * verbose prints the allow-list first. Returns 0, or -1 with a message in err.
 */
int seccomp__install(int vcpu_fd, bool verbose, char *err, size_t errlen);

/* Test hook: make a system call the filter forbids; the process must die of SIGSYS. */
void seccomp__selftest(void);

#endif
