/* epoll: registrations in a hash by fd, a ready list fed by file watchers (no scan of all fds). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "core/core.h"
#include "fd/fd.h"
#include "mem/mem.h"
#include "poll/poll.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "time/wait.h"

/* What EPOLLEXCLUSIVE may be combined with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EXCLUSIVE_OK                                                                               \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
/* Input flags that are not readiness. */
#define CONTROL_BITS (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)

struct ep;

/* One registration (file, fd) in one epoll instance; watches the file. */
struct epitem {
	struct pith_file_watch w; /* first: the watcher's fn finds the item from it */
	struct ep *ep;
	struct pith_file *file;
	int fd;
	uint32_t events; /* as given, plus EPOLLERR | EPOLLHUP */
	uint64_t data;
	bool ready;		      /* on the ready list */
	bool disabled;		      /* EPOLLONESHOT fired: silent until EPOLL_CTL_MOD */
	struct epitem *hnext;	      /* hash chain */
	struct epitem *rnext, *rprev; /* ready list */
};

struct ep {
	struct pith_file *file;
	struct epitem **buckets; /* nbuckets (a power of two) chains, by fd */
	size_t nbuckets, count;
	struct epitem ready; /* ready list head (circular: rnext/rprev) */
	size_t nready;
};

static const struct pith_file_ops ep_ops;

static pith_events_t item_mask(const struct epitem *it)
{
	return it->events & ~(pith_events_t)CONTROL_BITS;
}

static void ready_add(struct epitem *it)
{
	struct epitem *head = &it->ep->ready;

	if (it->ready)
		return;
	it->ready = true;
	it->rprev = head->rprev;
	it->rnext = head;
	head->rprev->rnext = it;
	head->rprev = it;
	it->ep->nready++;
}

static void ready_del(struct epitem *it)
{
	if (!it->ready)
		return;
	it->rprev->rnext = it->rnext;
	it->rnext->rprev = it->rprev;
	it->ready = false;
	it->ep->nready--;
}

static struct epitem **bucket(struct ep *ep, int fd)
{
	return &ep->buckets[(unsigned)fd & (ep->nbuckets - 1)];
}

static struct epitem *item_find(struct ep *ep, int fd, struct pith_file *f)
{
	struct epitem *it = ep->nbuckets ? *bucket(ep, fd) : NULL;

	while (it && !(it->fd == fd && it->file == f))
		it = it->hnext;
	return it;
}

/* Unlinks, unwatches and frees the item. */
static void item_remove(struct epitem *it)
{
	struct ep *ep = it->ep;
	struct epitem **p = bucket(ep, it->fd);

	while (*p != it)
		p = &(*p)->hnext;
	*p = it->hnext;
	ep->count--;
	ready_del(it);
	pith_file_unwatch(&it->w);
	pith_kfree(it, sizeof(*it));
}

/* The watched file's readiness changed (or it is going away). */
static void item_notify(struct pith_file_watch *w, pith_events_t events)
{
	struct epitem *it = (struct epitem *)w;
	struct ep *ep = it->ep;

	if (events & PITH_FILE_RELEASED) {
		item_remove(it);
		return;
	}
	if (it->disabled || !(events & item_mask(it)))
		return;
	ready_add(it);
	pith_file_notify(ep->file); /* an epoll or poll watching this epoll fd */
}

/* Doubles the hash table when it is full: -ENOMEM if memory ran out. */
static long ep_grow(struct ep *ep)
{
	size_t n = ep->nbuckets ? 2 * ep->nbuckets : 16;
	struct epitem **b = pith_kmalloc(n * sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < ep->nbuckets; i++) {
		while (ep->buckets[i]) {
			struct epitem *it = ep->buckets[i];

			ep->buckets[i] = it->hnext;
			it->hnext = b[(unsigned)it->fd & (n - 1)];
			b[(unsigned)it->fd & (n - 1)] = it;
		}
	}
	pith_kfree(ep->buckets, ep->nbuckets * sizeof(*b));
	ep->buckets = b;
	ep->nbuckets = n;
	return 0;
}

/* Re-checks an item now and queues it if ready (after ADD and MOD, as Linux does). */
static void item_check(struct epitem *it)
{
	if (!it->disabled && (pith_file_poll(it->file) & item_mask(it))) {
		ready_add(it);
		pith_file_notify(it->ep->file);
	}
}

static long ep_add(struct ep *ep, int fd, struct pith_file *f, const struct epoll_event *ev)
{
	struct epitem *it;

	if (item_find(ep, fd, f))
		return -EEXIST;
	if (ep->count >= ep->nbuckets && ep_grow(ep))
		return -ENOMEM;
	it = pith_kmalloc(sizeof(*it));
	if (!it)
		return -ENOMEM;
	*it = (struct epitem){.w.fn = item_notify,
			      .ep = ep,
			      .file = f,
			      .fd = fd,
			      .events = ev->events | EPOLLERR | EPOLLHUP,
			      .data = ev->data.u64};
	it->hnext = *bucket(ep, fd);
	*bucket(ep, fd) = it;
	ep->count++;
	pith_file_watch(f, &it->w);
	item_check(it);
	return 0;
}

static long ep_mod(struct epitem *it, const struct epoll_event *ev)
{
	if ((it->events & EPOLLEXCLUSIVE) || (ev->events & EPOLLEXCLUSIVE))
		return -EINVAL;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data.u64;
	it->disabled = false;
	if (!(pith_file_poll(it->file) & item_mask(it)))
		ready_del(it);
	item_check(it);
	return 0;
}

/* Linux's checks on the target: it must be pollable (not a regular file), not the epoll
   itself, and EPOLLEXCLUSIVE only with its allowed bits and never on an epoll. */
static long ctl_check(struct pith_file *epf, struct pith_file *f, int op,
		      const struct epoll_event *ev)
{
	if (f->ops->mode == S_IFREG)
		return -EPERM;
	if (epf->ops != &ep_ops || f == epf)
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    ((ev->events & ~(uint32_t)EXCLUSIVE_OK) || f->ops == &ep_ops))
		return -EINVAL;
	return 0;
}

PITH_SYSCALL4(epoll_ctl, int, epfd, int, op, int, fd, struct epoll_event *, event)
{
	struct pith_file *epf = pith_fd_get(epfd), *f = pith_fd_get(fd);
	struct epoll_event ev = {0};
	struct epitem *it;
	long err;

	if (op != EPOLL_CTL_DEL) {
		if (!pith_user_readable(event, sizeof(*event)))
			return -EFAULT;
		ev = *event;
	}
	if (!epf || !f)
		return -EBADF;
	err = ctl_check(epf, f, op, &ev);
	if (err)
		return err;
	it = item_find(epf->priv, fd, f);
	switch (op) {
	case EPOLL_CTL_ADD:
		return ep_add(epf->priv, fd, f, &ev);
	case EPOLL_CTL_MOD:
		return it ? ep_mod(it, &ev) : -ENOENT;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_remove(it);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Takes up to max events off the ready list, looking at each item queued when it started once:
 * an item no longer ready drops off; a level-triggered one goes back to the tail (it is
 * reported again while it stays ready); an edge-triggered one waits for its next change; a
 * one-shot one is disabled until EPOLL_CTL_MOD.
 */
static int ep_harvest(struct ep *ep, struct epoll_event *out, int max)
{
	size_t todo = ep->nready;
	int n = 0;

	while (todo-- && n < max) {
		struct epitem *it = ep->ready.rnext;
		pith_events_t ev = pith_file_poll(it->file) & item_mask(it);

		ready_del(it);
		if (!ev)
			continue;
		out[n].events = ev;
		out[n].data.u64 = it->data;
		n++;
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
		else if (!(it->events & EPOLLET))
			ready_add(it);
	}
	return n;
}

static long ep_wait(int epfd, struct epoll_event *events, int max, uint64_t deadline)
{
	struct pith_file *epf;
	int n;

	if (max <= 0 || max > INT_MAX / (int)sizeof(*events))
		return -EINVAL;
	if (!pith_user_writable(events, (size_t)max * sizeof(*events)))
		return -EFAULT;
	epf = pith_fd_get(epfd);
	if (!epf)
		return -EBADF;
	if (epf->ops != &ep_ops)
		return -EINVAL;
	while (!(n = ep_harvest(epf->priv, events, max)) && pith_time_monotonic_ns() < deadline)
		if (pith_io_wait(deadline))
			return -EINTR; /* never restarted (signal(7)) */
	return n;
}

PITH_SYSCALL4(epoll_wait, int, epfd, struct epoll_event *, events, int, maxevents, int, timeout)
{
	return ep_wait(epfd, events, maxevents, pith_poll_deadline_ms(timeout));
}

/* The sigmask replaces the thread's for the wait (poll/poll.h). */
PITH_SYSCALL6(epoll_pwait, int, epfd, struct epoll_event *, events, int, maxevents, int, timeout,
	      const void *, sigmask, unsigned long, sigsetsize)
{
	long err = pith_poll_sigmask_check(sigmask, sigsetsize);

	if (err)
		return err;
	pith_poll_sigmask_begin(sigmask);
	return pith_poll_sigmask_end(
	    sigmask, ep_wait(epfd, events, maxevents, pith_poll_deadline_ms(timeout)));
}

/* Readable when some queued item is really ready now. */
static pith_events_t ep_poll(struct pith_file *f)
{
	struct ep *ep = f->priv;

	for (struct epitem *it = ep->ready.rnext; it != &ep->ready; it = it->rnext)
		if (!it->disabled && (pith_file_poll(it->file) & item_mask(it)))
			return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static void ep_release(struct pith_file *f)
{
	struct ep *ep = f->priv;

	for (size_t i = 0; i < ep->nbuckets; i++)
		while (ep->buckets[i])
			item_remove(ep->buckets[i]);
	pith_kfree(ep->buckets, ep->nbuckets * sizeof(*ep->buckets));
	pith_kfree(ep, sizeof(*ep));
}

/* mode 0: an anonymous inode, as Linux shows an epoll fd. */
static const struct pith_file_ops ep_ops = {
    .name = "epoll",
    .poll = ep_poll,
    .release = ep_release,
};

static long ep_create(int flags)
{
	struct ep *ep;
	long fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = pith_kmalloc(sizeof(*ep));
	if (ep)
		ep->file = pith_file_new(&ep_ops, ep, O_RDWR);
	if (!ep || !ep->file) {
		pith_kfree(ep, sizeof(*ep));
		return -ENOMEM;
	}
	ep->ready.rnext = ep->ready.rprev = &ep->ready;
	fd = pith_fd_install(ep->file, 0, flags & EPOLL_CLOEXEC);
	pith_file_put(ep->file); /* the fd holds it (none after -EMFILE: released) */
	return fd;
}

PITH_SYSCALL1(epoll_create, int, size)
{
	return size <= 0 ? -EINVAL : ep_create(0);
}

PITH_SYSCALL1(epoll_create1, int, flags)
{
	return ep_create(flags);
}
