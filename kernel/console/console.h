/* The console component's interface: fds 0-2 (stdin reads EOF, stdout/stderr go to the host). */
#ifndef PITH_CONSOLE_H
#define PITH_CONSOLE_H

#include <stddef.h>

/* Access modes for pith_console_check. */
#define PITH_CONSOLE_READ  1
#define PITH_CONSOLE_WRITE 2

/* 0 if fd is an open console fd allowing mode, else -EBADF. */
int pith_console_check(int fd, int mode);

/* Send len bytes at buf to the host's stdout (fd 1) or stderr (fd 2): one hypercall. */
void pith_console_out(int fd, const void *buf, size_t len);

/* Largest byte count one read or write transfers (Linux's MAX_RW_COUNT). */
#define PITH_MAX_RW_COUNT 0x7ffff000L

/* Most iovecs one readv/writev takes (Linux's UIO_MAXIOV). */
#define PITH_IOV_MAX 1024

#endif
