/* The socket data syscalls: sendto, recvfrom, sendmsg, recvmsg (blocking, flags, addresses). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/core.h"
#include "net/socket_int.h"
#include "syscall/syscall.h"

#define MAX_RW_COUNT 0x7ffff000L /* Linux's MAX_RW_COUNT */

/* Whether [base, base + n) may be read (send) or written (recv) by the kernel. */
static bool buf_ok(const void *base, size_t n, bool send)
{
	if (!pith_user_access_ok(base, n))
		return false;
	return send ? pith_user_readable(base, n) : pith_user_writable(base, n);
}

/* Checks user iovecs as import_iovec does, plus that every byte of the clamped total is
   mapped; the total or -errno. */
static long iov_check(const struct iovec *iov, int iovcnt, bool send)
{
	long total;
	size_t left;

	if (iovcnt > 0 && !buf_ok(iov, (size_t)iovcnt * sizeof(*iov), true))
		return -EFAULT;
	total = pith_iov_import(iov, iovcnt, send);
	if (total < 0)
		return total;
	left = total;
	for (int i = 0; i < iovcnt && left; i++) {
		size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;

		if (!buf_ok(iov[i].iov_base, n, send))
			return -EFAULT;
		left -= n;
	}
	return total;
}

/* The single iovec piece that starts `done` bytes into the iovecs, at most total - done long. */
static struct iovec iov_piece(const struct iovec *iov, int iovcnt, size_t done, size_t total)
{
	size_t skip = done;

	for (int i = 0; i < iovcnt; i++) {
		if (skip < iov[i].iov_len) {
			size_t n = iov[i].iov_len - skip;

			return (struct iovec){(char *)iov[i].iov_base + skip,
					      n < total - done ? n : total - done};
		}
		skip -= iov[i].iov_len;
	}
	return (struct iovec){0};
}

/* Sends through the protocol; a blocking stream send goes on until everything is queued. */
static long sock_send(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		      const struct sockaddr_in *to, int flags)
{
	const struct pith_sock_ops *ops = pith_sock_ops(f);
	bool nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
	uint64_t deadline = 0;
	bool waited = false;
	size_t done = 0;

	flags &= ~MSG_DONTWAIT;
	for (;;) {
		struct iovec piece;
		long n, err;

		if (!done) {
			n = ops->sendmsg(f, iov, iovcnt, total, to, flags);
		} else {
			piece = iov_piece(iov, iovcnt, done, total);
			n = ops->sendmsg(f, &piece, 1, piece.iov_len, to, flags);
		}
		if (n > 0) {
			done += n;
			if (done >= total || ops->type != SOCK_STREAM || nonblock)
				return done;
			continue;
		}
		if (n == -EPIPE && !done && !(flags & MSG_NOSIGNAL))
			pith_raise_sigpipe(); /* send(2): EPIPE, and SIGPIPE unless MSG_NOSIGNAL */
		if (n != -EAGAIN || nonblock)
			return done ? (long)done : n;
		if (!waited)
			deadline = pith_sock_deadline(f->snd_timeout_ns), waited = true;
		err = pith_sock_wait(f, EPOLLOUT, deadline);
		if (err) /* timed out or interrupted: what was moved, else why not */
			return done ? (long)done : err;
	}
}

/* Receives through the protocol; waits unless non-blocking; MSG_WAITALL on a stream goes on
   until total bytes, end of stream, an error or the timeout (with MSG_PEEK it is ignored). */
static long sock_recv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		      struct sockaddr_in *from, int flags, int *msg_flags)
{
	const struct pith_sock_ops *ops = pith_sock_ops(f);
	bool nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
	bool waitall = (flags & MSG_WAITALL) && !(flags & MSG_PEEK) && ops->type == SOCK_STREAM;
	uint64_t deadline = 0;
	bool waited = false;
	size_t done = 0;

	if (flags & MSG_ERRQUEUE)
		return -EAGAIN; /* no error queue: nothing is ever queued there */
	flags &= ~(MSG_DONTWAIT | MSG_WAITALL | MSG_CMSG_CLOEXEC);
	for (;;) {
		struct iovec piece;
		long n, err;

		if (!done) {
			n = ops->recvmsg(f, iov, iovcnt, total, from, flags, msg_flags);
		} else {
			piece = iov_piece(iov, iovcnt, done, total);
			n = ops->recvmsg(f, &piece, 1, piece.iov_len, from, flags, msg_flags);
		}
		if (n > 0) {
			done += n;
			if (!waitall || done >= total)
				return done;
			continue;
		}
		if (n != -EAGAIN || nonblock)
			return done ? (long)done : n;
		if (!waited)
			deadline = pith_sock_deadline(f->rcv_timeout_ns), waited = true;
		err = pith_sock_wait(f, EPOLLIN, deadline);
		if (err) /* timed out or interrupted: what was moved, else why not */
			return done ? (long)done : err;
	}
}

/* A destination from user memory as udp_sendmsg checks it; NULL (ignored) for a stream. */
static int send_dest(struct pith_file *f, const void *uaddr, int len, struct sockaddr_in *to,
		     const struct sockaddr_in **dest)
{
	struct sockaddr_storage ss;
	int err;

	*dest = NULL;
	if (!uaddr || len == 0)
		return 0;
	err = pith_sock_addr_in(uaddr, len, &ss);
	if (err < 0)
		return err;
	if (pith_sock_ops(f)->type == SOCK_STREAM)
		return 0; /* TCP ignores the address of a send (no fast open) */
	if (len < (int)sizeof(*to))
		return -EINVAL;
	memcpy(to, &ss, sizeof(*to));
	if (to->sin_family != AF_INET && to->sin_family != AF_UNSPEC)
		return -EAFNOSUPPORT;
	to->sin_family = AF_INET;
	*dest = to;
	return 0;
}

PITH_SYSCALL6(sendto, int, fd, const void *, buf, size_t, len, int, flags, const struct sockaddr *,
	      addr, int, alen)
{
	struct iovec iov = {(void *)buf, len > MAX_RW_COUNT ? MAX_RW_COUNT : len};
	const struct sockaddr_in *dest;
	struct sockaddr_in to;
	struct pith_file *f;
	int err;

	if (!pith_user_access_ok(buf, iov.iov_len))
		return -EFAULT;
	err = pith_sock_file(fd, &f);
	if (err < 0)
		return err;
	err = send_dest(f, addr, alen, &to, &dest);
	if (err < 0)
		return err;
	if (!buf_ok(buf, iov.iov_len, true))
		return -EFAULT;
	return sock_send(f, &iov, 1, iov.iov_len, dest, flags);
}

/* Copies the sender's address out after a receive (klen 0 when the protocol gave none). */
static int recv_name(const struct sockaddr_in *from, void *uaddr, socklen_t *ulen)
{
	unsigned klen = from->sin_family == AF_INET ? sizeof(*from) : 0;

	return pith_sock_addr_out(from, klen, uaddr, ulen);
}

PITH_SYSCALL6(recvfrom, int, fd, void *, buf, size_t, len, int, flags, struct sockaddr *, addr,
	      socklen_t *, alen)
{
	struct iovec iov = {buf, len > MAX_RW_COUNT ? MAX_RW_COUNT : len};
	struct sockaddr_in from = {0};
	struct pith_file *f;
	int msg_flags = 0, err;
	long n;

	if (!pith_user_access_ok(buf, iov.iov_len))
		return -EFAULT;
	err = pith_sock_file(fd, &f);
	if (err < 0)
		return err;
	if (!buf_ok(buf, iov.iov_len, false))
		return -EFAULT;
	n = sock_recv(f, &iov, 1, iov.iov_len, addr ? &from : NULL, flags, &msg_flags);
	if (n >= 0 && addr && (err = recv_name(&from, addr, alen)) < 0)
		return err;
	return n;
}

/* A struct msghdr copied in and checked as ___sys_sendmsg/___sys_recvmsg do. */
static int msghdr_in(const struct msghdr *umsg, struct msghdr *m, bool send)
{
	if (!buf_ok(umsg, sizeof(*m), true))
		return -EFAULT;
	memcpy(m, umsg, sizeof(*m));
	if ((int)m->msg_namelen < 0)
		return -EINVAL;
	if (m->msg_namelen > sizeof(struct sockaddr_storage))
		m->msg_namelen = sizeof(struct sockaddr_storage);
	if (!m->msg_name)
		m->msg_namelen = 0;
	if ((size_t)m->msg_iovlen > 1024) /* UIO_MAXIOV */
		return -EMSGSIZE;
	if (m->msg_controllen > INT_MAX)
		return -ENOBUFS;
	if (send && m->msg_controllen && !buf_ok(m->msg_control, m->msg_controllen, true))
		return -EFAULT; /* control messages are accepted and ignored */
	return 0;
}

PITH_SYSCALL3(sendmsg, int, fd, const struct msghdr *, umsg, int, flags)
{
	const struct sockaddr_in *dest;
	struct sockaddr_in to;
	struct pith_file *f;
	struct msghdr m;
	long total;
	int err = pith_sock_file(fd, &f);

	if (err < 0)
		return err;
	err = msghdr_in(umsg, &m, true);
	if (err < 0)
		return err;
	err = send_dest(f, m.msg_name, m.msg_namelen, &to, &dest);
	if (err < 0)
		return err;
	total = iov_check(m.msg_iov, m.msg_iovlen, true);
	if (total < 0)
		return total;
	return sock_send(f, m.msg_iov, m.msg_iovlen, total, dest, flags);
}

/* Writes back what recvmsg reports: msg_namelen (through the name copy), msg_controllen 0
   (no control messages), msg_flags. */
static int msghdr_out(struct msghdr *umsg, const struct msghdr *m, const struct sockaddr_in *from,
		      int msg_flags)
{
	int err;

	if (!buf_ok(umsg, sizeof(*umsg), false))
		return -EFAULT;
	if (m->msg_name) {
		err = recv_name(from, m->msg_name, &umsg->msg_namelen);
		if (err < 0)
			return err;
	}
	umsg->msg_flags = msg_flags;
	umsg->msg_controllen = 0;
	return 0;
}

PITH_SYSCALL3(recvmsg, int, fd, struct msghdr *, umsg, int, flags)
{
	struct sockaddr_in from = {0};
	struct pith_file *f;
	struct msghdr m;
	int msg_flags = 0, err = pith_sock_file(fd, &f);
	long total, n;

	if (err < 0)
		return err;
	err = msghdr_in(umsg, &m, false);
	if (err < 0)
		return err;
	total = iov_check(m.msg_iov, m.msg_iovlen, false);
	if (total < 0)
		return total;
	n = sock_recv(f, m.msg_iov, m.msg_iovlen, total, m.msg_name ? &from : NULL, flags,
		      &msg_flags);
	if (n < 0)
		return n;
	err = msghdr_out(umsg, &m, &from, msg_flags);
	return err < 0 ? err : n;
}
