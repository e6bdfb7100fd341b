/* The fd component's interface: open files, the one fd table, and blocking on a file. */
#ifndef PITH_FD_H
#define PITH_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Every fd (console, socket, pipe, eventfd, epoll, and files when they land) is a struct
 * pith_file with a table of operations. Operations never block: they return -EAGAIN, and the
 * fd layer (or the socket layer) waits with pith_file_wait when the file is in blocking mode.
 * The buffers operations receive are user memory already checked by the caller (access_ok and
 * mapped: readable for writev, writable for readv), and totals are capped at PITH_MAX_RW_COUNT.
 */
struct pith_file;
struct pith_sock_ops; /* kernel/net/socket.h */
struct stat;

/* Readiness, as epoll's event bits (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, ...). */
typedef uint32_t pith_events_t;

struct pith_file_ops {
	const char *name; /* for --trace and messages: "console", "tcp", "pipe" */
	/* Reads up to total bytes into the iovecs; 0 at end of file; -EAGAIN if none yet.
	   NULL: always at end of file, the buffers are never touched (stdin, like /dev/null). */
	long (*readv)(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total);
	/* Writes up to total bytes; a short count is fine; -EAGAIN if no room at all. */
	long (*writev)(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total);
	/* ioctl after the fd layer's own (FIONBIO, FIOCLEX, FIONCLEX); NULL: -ENOTTY. */
	long (*ioctl)(struct pith_file *f, unsigned long req, unsigned long arg);
	/* The file's readiness now (never blocks, never fails). NULL: always IN|OUT. */
	pith_events_t (*poll)(struct pith_file *f);
	/* The last reference is gone: free everything (a socket may linger in TCP afterwards). */
	void (*release)(struct pith_file *f);
	/* fstat's st_mode file type (S_IFSOCK, S_IFIFO, S_IFCHR, ...). */
	unsigned mode;
	/*
	 * Seekable files (the VFS's files: kernel/vfs/). NULL for streams: pread/pwrite/lseek
	 * answer -ESPIPE. readv/writev then use and advance f->pos themselves (O_APPEND included).
	 */
	long (*preadv)(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
		       uint64_t pos);
	long (*pwritev)(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			uint64_t pos);
	/* lseek: the new position (stored in f->pos) or -errno. */
	long (*lseek)(struct pith_file *f, int64_t off, int whence);
	/* fstat: fills *st completely. NULL: the fd layer's generic answer from `mode`. */
	long (*stat)(struct pith_file *f, struct stat *st);
	/* Socket operations (kernel/net/socket.h), or NULL: socket calls answer -ENOTSOCK. */
	const struct pith_sock_ops *sock;
};

/*
 * Someone watching a file's readiness (an epoll instance). The file's owner calls
 * pith_file_notify whenever the readiness may have changed; every watcher's fn runs then.
 */
struct pith_file_watch {
	struct pith_file_watch *next, *prev;
	void (*fn)(struct pith_file_watch *w, pith_events_t events);
};

/*
 * Passed to watchers (alone) when the file's last reference goes, before ops->release: the
 * watcher must pith_file_unwatch itself and forget the file (epoll drops the registration, as
 * Linux does when the last reference to a file is closed). Not a readiness bit.
 */
#define PITH_FILE_RELEASED (1u << 27)

struct pith_file {
	const struct pith_file_ops *ops;
	void *priv;		 /* the owner's state (a socket, a pipe end) */
	unsigned refs;		 /* fds and epoll registrations do not count: only fds */
	unsigned flags;		 /* O_NONBLOCK, O_APPEND and the access mode (O_RDONLY ...) */
	uint64_t rcv_timeout_ns; /* SO_RCVTIMEO: 0 waits forever */
	uint64_t snd_timeout_ns; /* SO_SNDTIMEO: 0 waits forever */
	uint64_t pos;		 /* seekable files: the file position */
	struct pith_file_watch watchers; /* list head (circular), never a watcher itself */
};

/* Largest number of open fds (RLIMIT_NOFILE's soft and hard limit). */
#define PITH_FD_MAX 4096

/* A new file with one reference, or NULL when memory ran out. The caller installs it. */
struct pith_file *pith_file_new(const struct pith_file_ops *ops, void *priv, unsigned flags);

/* Takes one more reference; drops one (the last one calls ops->release and frees f). */
void pith_file_get(struct pith_file *f);
void pith_file_put(struct pith_file *f);

/* The file's readiness now (ops->poll, or IN|OUT). */
pith_events_t pith_file_poll(struct pith_file *f);

/* Tells f's watchers, and threads waiting in pith_io_wait (pith_io_notify), that its readiness
   may have changed (cheap when nobody watches). */
void pith_file_notify(struct pith_file *f);

/* Adds or removes a watcher. */
void pith_file_watch(struct pith_file *f, struct pith_file_watch *w);
void pith_file_unwatch(struct pith_file_watch *w);

/*
 * Installs f at the lowest free fd (>= min) and takes a reference for it; cloexec as
 * O_CLOEXEC. Returns the fd, or -EMFILE.
 */
int pith_fd_install(struct pith_file *f, int min, bool cloexec);

/* Closes fd as close(2) does: 0, or -EBADF if it is not open. */
int pith_fd_close(int fd);

/* Closes every fd, as a process's exit does (sockets then close as close(2) would). */
void pith_fd_close_all(void);

/* The file at fd without taking a reference (single-threaded: valid until the next close of
   fd), or NULL if fd is not open. */
struct pith_file *pith_fd_get(int fd);

/*
 * Blocks until f's readiness meets `events` (or EPOLLERR/EPOLLHUP), the timeout passes, or
 * something else happens. Runs the pollers (pith_io_wait) in between: the guest sleeps in the
 * monitor when nothing is pending. timeout_ns 0 waits forever.
 * Returns 0 when ready, -EAGAIN when the timeout passed, -EINTR when a signal is to be
 * delivered (callers choose -PITH_ERESTARTSYS or -EINTR, signal(7)).
 */
long pith_file_wait(struct pith_file *f, pith_events_t events, uint64_t timeout_ns);

/*
 * The fd layer's generic transfer on an fd: checks the fd, access mode and the iovecs, calls
 * the operation, and waits (blocking mode) while it answers -EAGAIN. Sockets' send/recv reuse
 * it. write_side: true for writev.
 */
long pith_fd_transfer(int fd, const struct iovec *iov, int iovcnt, bool write_side);

/* Checks an iovec array as Linux's import_iovec does; the clamped total or -errno. */
long pith_iov_import(const struct iovec *iov, int iovcnt, bool write_side);

/* Copies between a kernel buffer and iovecs (already checked), skipping `skip` bytes of iov. */
size_t pith_iov_to(const struct iovec *iov, int iovcnt, size_t skip, const void *src, size_t n);
size_t pith_iov_from(const struct iovec *iov, int iovcnt, size_t skip, void *dst, size_t n);

#endif
