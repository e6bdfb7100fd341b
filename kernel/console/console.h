/* The console component's interface: the files of fds 0-2 and the output hypercall. */
#ifndef PITH_CONSOLE_H
#define PITH_CONSOLE_H

#include <stddef.h>
#include <sys/uio.h>

#include "fd/fd.h"

/* The files of fds 0-2 (the fd table starts with them). */
extern struct pith_file pith_console_files[3];

/* Send len bytes at buf to the host's stdout (fd 1) or stderr (fd 2): one hypercall. */
void pith_console_out(int fd, const void *buf, size_t len);

/*
 * The console files' writev (f->priv is the stream, 1 or 2): the first total bytes of the
 * iovecs (checked by the caller) with as few hypercalls as possible. Returns total.
 */
long pith_console_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total);

/* Largest byte count one read or write transfers (Linux's MAX_RW_COUNT). */
#define PITH_MAX_RW_COUNT 0x7ffff000L

/* Most iovecs one readv/writev takes (Linux's UIO_MAXIOV). */
#define PITH_IOV_MAX 1024

#endif
