/* Output without stdio: safe under the seccomp filter (only write(2) to fds 1 and 2). */
#ifndef VMM_PRINT_H
#define VMM_PRINT_H

#include <stddef.h>

/* Write all of buf to fd, retrying partial writes and EINTR. Returns 0, or -1 on an error. */
int print__write(int fd, const void *buf, size_t len);

/* Format (at most 1 KiB) and write to stderr in one write. */
void print__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
