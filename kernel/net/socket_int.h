/* Helpers shared by the socket layer's files (socket.c, socket_io.c, socket_opt.c). */
#ifndef PITH_NET_SOCKET_INT_H
#define PITH_NET_SOCKET_INT_H

#include <stdint.h>
#include <sys/socket.h>

#include "net/socket.h"

/* The socket file at fd (no reference taken): -EBADF, or -ENOTSOCK for another kind of file. */
int pith_sock_file(int fd, struct pith_file **f);

/* The socket's operations (f came from pith_sock_file). */
static inline const struct pith_sock_ops *pith_sock_ops(struct pith_file *f)
{
	return f->ops->sock;
}

/* Linux's move_addr_to_kernel: len in [0, sizeof(struct sockaddr_storage)] (-EINVAL) and
   readable (-EFAULT); copies it into *ss. */
int pith_sock_addr_in(const void *uaddr, int len, struct sockaddr_storage *ss);

/* Linux's move_addr_to_user: copies min(*ulen, klen) bytes of a to uaddr and stores klen in
 *ulen (a socklen_t). -EFAULT, -EINVAL for a negative *ulen. */
int pith_sock_addr_out(const void *a, unsigned klen, void *uaddr, socklen_t *ulen);

/* The monotonic time at which a wait of timeout_ns ends (0: never). */
uint64_t pith_sock_deadline(uint64_t timeout_ns);

/* Waits for events on f until deadline (0: forever): 0 when something happened, -EAGAIN when
   the deadline passed; when a signal is to be delivered, -PITH_ERESTARTSYS without a deadline
   (restarted with SA_RESTART), -EINTR with one (a socket timeout: not restarted, signal(7)). */
long pith_sock_wait(struct pith_file *f, pith_events_t events, uint64_t deadline);

/* The pending error (SO_ERROR through the protocol, which clears it), as -errno or 0. */
int pith_sock_error(struct pith_file *f);

#endif
