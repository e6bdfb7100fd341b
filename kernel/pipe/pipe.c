/* pipe and pipe2: a 64 KiB ring between a read end and a write end; the component's note. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "core/core.h"
#include "core/note.h"
#include "mem/mem.h"
#include "pipe/pipe.h"
#include "pipe/ring.h"
#include "syscall/syscall.h"

PITH_COMPONENT_NOTE(pipe);

#define PIPE_SIZE (64 * 1024) /* Linux's default pipe capacity */
#define RING_MIN  4096	      /* the buffer grows from this as data waits in it */

/*
 * Both ends share one pipe; it is freed when both are released. The pipe holds up to
 * PIPE_SIZE bytes; its buffer starts empty (no memory) and grows by doubling as needed, as
 * Linux allocates a pipe's pages on demand: a thousand idle pipes cost no buffers.
 */
struct pipe {
	struct pith_ring ring;
	struct pith_file *rd, *wr;
};

static uint32_t pipe_room(const struct pipe *p)
{
	return PIPE_SIZE - pith_ring_used(&p->ring);
}

static void pipe_maybe_free(struct pipe *p)
{
	if (p->rd || p->wr)
		return;
	pith_kfree(p->ring.buf, p->ring.cap);
	pith_kfree(p, sizeof(*p));
}

/* Makes the buffer hold at least `need` bytes in all; false when memory ran out. */
static bool ring_reserve(struct pith_ring *r, uint32_t need)
{
	uint32_t cap = r->cap ? r->cap : RING_MIN, old_cap = r->cap;
	char *buf;

	if (r->buf && need <= r->cap)
		return true;
	while (cap < need)
		cap *= 2;
	buf = pith_kmalloc(cap);
	if (!buf)
		return false;
	pith_kfree(pith_ring_move(r, buf, cap), old_cap);
	return true;
}

/* Empty: -EAGAIN while a writer exists, else end of file (0). */
static long pipe_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	struct pipe *p = f->priv;
	size_t n = pith_ring_used(&p->ring);

	if (!total)
		return 0;
	if (!n)
		return p->wr ? -EAGAIN : 0;
	n = pith_ring_read_iov(&p->ring, iov, iovcnt, n < total ? n : total);
	if (p->wr)
		pith_file_notify(p->wr);
	return (long)n;
}

/*
 * No reader: -EPIPE (fd's write path raises SIGPIPE when the signal component is linked). A write of at most PIPE_BUF bytes
 * is atomic (all or -EAGAIN); a larger one takes what fits.
 */
static long pipe_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	struct pipe *p = f->priv;
	size_t room;

	if (!total)
		return 0;
	if (!p->rd)
		return -EPIPE;
	room = pipe_room(p);
	if (!room || (total <= PIPE_BUF && room < total))
		return -EAGAIN;
	room = room < total ? room : total;
	if (!ring_reserve(&p->ring, pith_ring_used(&p->ring) + (uint32_t)room))
		return -ENOMEM;
	room = pith_ring_write_iov(&p->ring, iov, iovcnt, room);
	pith_file_notify(p->rd);
	return (long)room;
}

static pith_events_t pipe_poll_rd(struct pith_file *f)
{
	struct pipe *p = f->priv;

	return (pith_ring_used(&p->ring) ? EPOLLIN | EPOLLRDNORM : 0) | (p->wr ? 0 : EPOLLHUP);
}

/* Writable when a PIPE_BUF write fits (Linux: a free page slot). */
static pith_events_t pipe_poll_wr(struct pith_file *f)
{
	struct pipe *p = f->priv;

	return (pipe_room(p) >= PIPE_BUF ? EPOLLOUT | EPOLLWRNORM : 0) | (p->rd ? 0 : EPOLLERR);
}

static long pipe_ioctl(struct pith_file *f, unsigned long req, unsigned long arg)
{
	struct pipe *p = f->priv;
	int *out = (int *)arg;

	if (req != FIONREAD)
		return -ENOTTY;
	if (!pith_user_writable(out, sizeof(*out)))
		return -EFAULT;
	*out = (int)pith_ring_used(&p->ring);
	return 0;
}

static void pipe_release_rd(struct pith_file *f)
{
	struct pipe *p = f->priv;

	p->rd = NULL;
	if (p->wr)
		pith_file_notify(p->wr); /* writers see EPOLLERR */
	pipe_maybe_free(p);
}

static void pipe_release_wr(struct pith_file *f)
{
	struct pipe *p = f->priv;

	p->wr = NULL;
	if (p->rd)
		pith_file_notify(p->rd); /* readers see EPOLLHUP and end of file */
	pipe_maybe_free(p);
}

static const struct pith_file_ops pipe_rd_ops = {
    .name = "pipe",
    .readv = pipe_readv,
    .ioctl = pipe_ioctl,
    .poll = pipe_poll_rd,
    .release = pipe_release_rd,
    .mode = S_IFIFO,
};

static const struct pith_file_ops pipe_wr_ops = {
    .name = "pipe",
    .writev = pipe_writev,
    .ioctl = pipe_ioctl,
    .poll = pipe_poll_wr,
    .release = pipe_release_wr,
    .mode = S_IFIFO,
};

long pith_pipe_install(struct pith_file *f, bool cloexec)
{
	long fd = pith_fd_install(f, 0, cloexec);

	pith_file_put(f); /* the fd's reference is the only one now (none after -EMFILE) */
	return fd;
}

/* Both ends as files; false (everything freed) when memory ran out. */
static bool pipe_files(struct pipe *p, unsigned nonblock)
{
	p->rd = pith_file_new(&pipe_rd_ops, p, O_RDONLY | nonblock);
	p->wr = p->rd ? pith_file_new(&pipe_wr_ops, p, O_WRONLY | nonblock) : NULL;
	if (p->wr)
		return true;
	if (p->rd)
		pith_file_put(p->rd); /* frees p too */
	else
		pith_kfree(p, sizeof(*p));
	return false;
}

static long do_pipe2(int *fds, int flags)
{
	struct pipe *p;
	struct pith_file *wr;
	long rfd, wfd;
	bool cloexec = flags & O_CLOEXEC;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!pith_user_writable(fds, 2 * sizeof(int)))
		return -EFAULT;
	p = pith_kmalloc(sizeof(*p));
	if (!p || !pipe_files(p, (unsigned)flags & O_NONBLOCK))
		return -ENOMEM;
	wr = p->wr;
	rfd = pith_pipe_install(p->rd, cloexec);
	if (rfd < 0) {
		pith_file_put(wr);
		return rfd;
	}
	wfd = pith_pipe_install(wr, cloexec);
	if (wfd < 0) {
		pith_fd_close((int)rfd);
		return wfd;
	}
	fds[0] = (int)rfd;
	fds[1] = (int)wfd;
	return 0;
}

PITH_SYSCALL1(pipe, int *, fds)
{
	return do_pipe2(fds, 0);
}

PITH_SYSCALL2(pipe2, int *, fds, int, flags)
{
	return do_pipe2(fds, flags);
}
