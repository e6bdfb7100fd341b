/* The socket layer's interface: what each protocol (TCP, UDP) provides behind an fd. */
#ifndef PITH_NET_SOCKET_H
#define PITH_NET_SOCKET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "fd/fd.h"

/*
 * kernel/net/socket.c implements the socket syscalls (socket, bind, listen, accept, accept4,
 * connect, shutdown, sendto, recvfrom, sendmsg, recvmsg, getsockname, getpeername, setsockopt,
 * getsockopt): it checks and copies user memory, handles the generic options (SO_TYPE,
 * SO_DOMAIN, SO_PROTOCOL, SO_RCVTIMEO, SO_SNDTIMEO, SO_ERROR through the protocol), the flags
 * MSG_DONTWAIT and MSG_NOSIGNAL, and blocking: the operations below never block, they answer
 * -EAGAIN (or -EINPROGRESS from connect) and socket.c waits with pith_file_wait unless the
 * file or the call is non-blocking. Addresses reach the protocol copied and checked (family
 * AF_INET, length), in network byte order.
 *
 * A protocol creates its files with pith_file_new(&its_file_ops, state, O_RDWR), where
 * its_file_ops.sock points at its struct pith_sock_ops, .mode is S_IFSOCK, and its readv/writev
 * are plain recv/send. It calls pith_file_notify(f) whenever readiness changes.
 */
struct pith_sock_ops {
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	int (*bind)(struct pith_file *f, const struct sockaddr_in *a);
	int (*listen)(struct pith_file *f, int backlog);
	/* A connection from the accept queue as a new file (one reference), or -EAGAIN. */
	int (*accept)(struct pith_file *f, struct pith_file **conn, struct sockaddr_in *peer);
	/* 0 when done (UDP), -EINPROGRESS when started (TCP: readiness EPOLLOUT, result through
	   SO_ERROR), -EISCONN, -EALREADY ... as Linux. */
	int (*connect)(struct pith_file *f, const struct sockaddr_in *a);
	/* Bytes queued, or -EAGAIN; to is NULL for a connected send. flags: MSG_* (no DONTWAIT). */
	long (*sendmsg)(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			const struct sockaddr_in *to, int flags);
	/* Bytes received (0: end of stream), or -EAGAIN; from may be NULL. flags: MSG_PEEK,
	   MSG_TRUNC (UDP: the datagram's real length); *msg_flags gets MSG_TRUNC etc. */
	long (*recvmsg)(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			struct sockaddr_in *from, int flags, int *msg_flags);
	int (*shutdown)(struct pith_file *f, int how); /* SHUT_RD, SHUT_WR, SHUT_RDWR */
	/* Our address (peer false) or the peer's; -ENOTCONN if there is none. */
	int (*getname)(struct pith_file *f, struct sockaddr_in *a, bool peer);
	/* level SOL_SOCKET (all but the generic ones above), IPPROTO_TCP, IPPROTO_IP; val and len
	   are kernel copies (len at most 64). -ENOPROTOOPT for an unknown option. */
	int (*setsockopt)(struct pith_file *f, int level, int name, const void *val, unsigned len);
	int (*getsockopt)(struct pith_file *f, int level, int name, void *val, unsigned *len);
};

/* The protocols' constructors: a new unbound socket file (one reference), or -ENOMEM. */
int pith_tcp_socket(struct pith_file **f);
int pith_udp_socket(struct pith_file **f);

/* Whether the protocol has a socket on local port `port` (network order): the ephemeral port
   picker (pith_net_ephemeral_port, socket.c) skips such ports. Weak: a missing one says no. */
bool pith_tcp_port_in_use(uint16_t port) __attribute__((weak));
bool pith_udp_port_in_use(uint16_t port) __attribute__((weak));

#endif
