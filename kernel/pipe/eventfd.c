/* eventfd and eventfd2: a 64-bit counter as a file (EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC). */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "core/core.h"
#include "mem/mem.h"
#include "pipe/pipe.h"
#include "syscall/syscall.h"

#define COUNT_MAX (UINT64_MAX - 1) /* the largest value the counter may hold */

struct efd {
	uint64_t count;
	bool semaphore;
};

/* Reads 8 bytes: the counter (reset to 0), or 1 in semaphore mode; -EAGAIN while it is 0. */
static long efd_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	struct efd *e = f->priv;
	uint64_t v;

	if (total < sizeof(v))
		return -EINVAL;
	if (!e->count)
		return -EAGAIN;
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	pith_iov_to(iov, iovcnt, 0, &v, sizeof(v));
	pith_file_notify(f);
	return sizeof(v);
}

/* Adds an 8-byte value; -EAGAIN while the sum would pass COUNT_MAX; UINT64_MAX is -EINVAL. */
static long efd_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	struct efd *e = f->priv;
	uint64_t v;

	if (total < sizeof(v))
		return -EINVAL;
	pith_iov_from(iov, iovcnt, 0, &v, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	if (COUNT_MAX - e->count < v)
		return -EAGAIN;
	e->count += v;
	if (v)
		pith_file_notify(f);
	return sizeof(v);
}

static pith_events_t efd_poll(struct pith_file *f)
{
	struct efd *e = f->priv;

	return (e->count ? EPOLLIN | EPOLLRDNORM : 0) |
	       (e->count < COUNT_MAX ? EPOLLOUT | EPOLLWRNORM : 0);
}

static void efd_release(struct pith_file *f)
{
	pith_kfree(f->priv, sizeof(struct efd));
}

/* mode 0: an anonymous inode, as Linux shows an eventfd (st_mode 0600, no type). */
static const struct pith_file_ops efd_ops = {
    .name = "eventfd",
    .readv = efd_readv,
    .writev = efd_writev,
    .poll = efd_poll,
    .release = efd_release,
};

static long do_eventfd(unsigned initval, int flags)
{
	struct efd *e;
	struct pith_file *f;

	if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	e = pith_kmalloc(sizeof(*e));
	f = e ? pith_file_new(&efd_ops, e, O_RDWR | ((unsigned)flags & EFD_NONBLOCK)) : NULL;
	if (!f) {
		pith_kfree(e, sizeof(*e));
		return -ENOMEM;
	}
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	return pith_pipe_install(f, flags & EFD_CLOEXEC);
}

PITH_SYSCALL1(eventfd, unsigned, initval)
{
	return do_eventfd(initval, 0);
}

PITH_SYSCALL2(eventfd2, unsigned, initval, int, flags)
{
	return do_eventfd(initval, flags);
}
