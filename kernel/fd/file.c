/* Open files: references, readiness, watchers, and blocking until a file is ready. */
#include <errno.h>
#include <sys/epoll.h>

#include "core/core.h"
#include "core/kstate.h"
#include "fd/internal.h"
#include "mem/mem.h"
#include "time/time.h"
#include "time/wait.h"

static void watch_init(struct pith_file_watch *head)
{
	head->next = head->prev = head;
}

struct pith_file *pith_file_new(const struct pith_file_ops *ops, void *priv, unsigned flags)
{
	struct pith_file *f = pith_kmalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->ops = ops;
	f->priv = priv;
	f->refs = 1;
	f->flags = flags;
	watch_init(&f->watchers);
	return f;
}

void pith_file_get(struct pith_file *f)
{
	f->refs++;
}

/* Tells every watcher the file is going; each unwatches itself. */
static void watchers_release(struct pith_file *f)
{
	struct pith_file_watch *head = &f->watchers;

	while (head->next != head) {
		struct pith_file_watch *w = head->next;

		w->fn(w, PITH_FILE_RELEASED);
		if (head->next == w)
			pith_file_unwatch(w); /* a watcher that did not: never called again */
	}
}

void pith_file_put(struct pith_file *f)
{
	PITH_ASSERT(f->refs > 0);
	if (--f->refs)
		return;
	watchers_release(f);
	if (f->ops->release)
		f->ops->release(f);
	pith_kfree(f, sizeof(*f));
}

pith_events_t pith_file_poll(struct pith_file *f)
{
	return f->ops->poll ? f->ops->poll(f) : EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM;
}

void pith_file_notify(struct pith_file *f)
{
	struct pith_file_watch *head = &f->watchers, *w, *next;
	pith_events_t ev;

	pith_io_notify(); /* threads blocked on f wait in pith_io_wait, not as watchers */
	if (head->next == head)
		return;
	ev = pith_file_poll(f);
	for (w = head->next; w != head; w = next) {
		next = w->next; /* fn may unwatch w */
		w->fn(w, ev);
	}
}

void pith_file_watch(struct pith_file *f, struct pith_file_watch *w)
{
	struct pith_file_watch *head = &f->watchers;

	w->prev = head->prev;
	w->next = head;
	head->prev->next = w;
	head->prev = w;
}

void pith_file_unwatch(struct pith_file_watch *w)
{
	if (!w->next)
		return;
	w->prev->next = w->next;
	w->next->prev = w->prev;
	w->next = w->prev = NULL;
}

long pith_file_wait(struct pith_file *f, pith_events_t events, uint64_t timeout_ns)
{
	uint64_t now = pith_time_monotonic_ns();
	uint64_t deadline = timeout_ns && now + timeout_ns > now ? now + timeout_ns : UINT64_MAX;

	for (;;) {
		if (pith_file_poll(f) & (events | EPOLLERR | EPOLLHUP))
			return 0;
		if (pith_time_monotonic_ns() >= deadline)
			return -EAGAIN;
		if (pith_io_wait(deadline))
			return -EINTR;
	}
}
