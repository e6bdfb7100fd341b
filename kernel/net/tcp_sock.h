/* Shared by TCP's socket files (tcp_sock.c, tcp_io.c, tcp_opt.c): the pieces of the ops. */
#ifndef PITH_NET_TCP_SOCK_H
#define PITH_NET_TCP_SOCK_H

#include "net/socket.h"
#include "net/tcp.h"

static inline struct tcp_conn *tcp_sock_conn(struct pith_file *f)
{
	return f->priv;
}

long tcp_sendmsg(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		 const struct sockaddr_in *to, int flags);
long tcp_recvmsg(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		 struct sockaddr_in *from, int flags, int *msg_flags);
long tcp_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total);
long tcp_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total);
long tcp_ioctl(struct pith_file *f, unsigned long req, unsigned long arg);
pith_events_t tcp_poll(struct pith_file *f);
int tcp_setsockopt(struct pith_file *f, int level, int name, const void *val, unsigned len);
int tcp_getsockopt(struct pith_file *f, int level, int name, void *val, unsigned *len);

#endif
