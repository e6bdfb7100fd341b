/* The network tests' host environment: kernel services, and the monitor's side of the NIC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "arch/x86_64/cpu.h"
#include "console/console.h"
#include "core/core.h"
#include "fd/fd.h"
#include "mem/mem.h"
#include "net/net.h"
#include "random/random.h"
#include "syscall/syscall.h"
#include "time/time.h"
#include "time/wait.h"

#include "net_host.h"

uint64_t net_host_now = 1000000000; /* 1 s: timers never start at 0 */
unsigned net_host_kicks;

static struct pith_boot_info boot;
const struct pith_boot_info *pith_boot_info = &boot;
int pith_trace_enabled;
struct pith_net_ring *net_host_tx_ring, *net_host_rx_ring;

/* ---- Kernel services -------------------------------------------------------------------- */

/* kmalloc, panic and the user-pointer checks are tests/lib/kernel_host.c's. */

uint64_t pith_time_monotonic_ns(void)
{
	return net_host_now;
}

uint64_t pith_time_realtime_ns(void)
{
	return 1700000000ull * 1000000000 + net_host_now;
}

uint64_t net_host_rdtsc(void)
{
	return net_host_now;
}

/* xorshift64: the same stream every run, so failures reproduce. */
void pith_random_bytes(void *buf, size_t len)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;
	uint8_t *b = buf;

	for (size_t i = 0; i < len; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		b[i] = (uint8_t)s;
	}
}

bool net_host_capture;
char net_host_out[16384];
size_t net_host_out_len;

void pith_console_out(int fd, const void *buf, size_t len)
{
	if (!net_host_capture) {
		fwrite(buf, 1, len, fd == 1 ? stdout : stderr);
		return;
	}
	if (len > sizeof(net_host_out) - 1 - net_host_out_len)
		len = sizeof(net_host_out) - 1 - net_host_out_len;
	memcpy(net_host_out + net_host_out_len, buf, len);
	net_host_out_len += len;
	net_host_out[net_host_out_len] = 0;
}

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a, long b, long c,
			long d, long e, long f)
{
	(void)nr, (void)kinds, (void)retkind, (void)ret, (void)a, (void)b, (void)c, (void)d;
	(void)e, (void)f;
}

/* ---- Pollers and waiting ------------------------------------------------------------------ */

extern const struct pith_poller __start_pith_pollers[] __attribute__((weak));
extern const struct pith_poller __stop_pith_pollers[] __attribute__((weak));

bool pith_io_poll(void)
{
	bool progress = false;

	for (const struct pith_poller *p = __start_pith_pollers; p && p < __stop_pith_pollers; p++)
		progress |= p->poll(net_host_now);
	return progress;
}

/* Never sleeps: the clock moves only when the test says so. No signals: never -EINTR. */
int pith_io_wait(uint64_t deadline_ns)
{
	(void)deadline_ns;
	pith_io_poll();
	return 0;
}

void pith_io_wait_uninterruptible(uint64_t deadline_ns)
{
	pith_io_wait(deadline_ns);
}

void net_host_poll(void)
{
	for (int i = 0; i < 8 && pith_io_poll(); i++)
		;
}

void net_host_advance(uint64_t ns)
{
	net_host_now += ns;
	net_host_poll();
}

/* ---- Files (the fd component's contract, kernel/fd/fd.h), enough for sockets -------------- */

struct pith_file *pith_file_new(const struct pith_file_ops *ops, void *priv, unsigned flags)
{
	struct pith_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->ops = ops;
	f->priv = priv;
	f->refs = 1;
	f->flags = flags;
	f->watchers.next = f->watchers.prev = &f->watchers;
	return f;
}

void pith_file_get(struct pith_file *f)
{
	f->refs++;
}

void pith_file_put(struct pith_file *f)
{
	if (--f->refs)
		return;
	if (f->ops->release)
		f->ops->release(f);
	free(f);
}

pith_events_t pith_file_poll(struct pith_file *f)
{
	return f->ops->poll ? f->ops->poll(f) : EPOLLIN | EPOLLOUT;
}

void pith_file_notify(struct pith_file *f)
{
	for (struct pith_file_watch *w = f->watchers.next; w != &f->watchers; w = w->next)
		w->fn(w, pith_file_poll(f));
}

long pith_file_wait(struct pith_file *f, pith_events_t events, uint64_t timeout_ns)
{
	(void)timeout_ns;
	pith_io_poll();
	return (pith_file_poll(f) & (events | EPOLLERR | EPOLLHUP)) ? 0 : -EAGAIN;
}

/* No fd table: the tests call the protocols' operations on files directly. */
int pith_fd_install(struct pith_file *f, int min, bool cloexec)
{
	(void)f, (void)min, (void)cloexec;
	return -EMFILE;
}

struct pith_file *pith_fd_get(int fd)
{
	(void)fd;
	return NULL;
}

/* No fd table, so nothing to close at exit: the tests close their files themselves. */
void pith_fd_close_all(void)
{
}

/* The iovec helpers are the kernel's own (kernel/fd/iov.c, linked in). */

/* ---- The monitor: hypercalls and the NIC's rings ------------------------------------------ */

void net_host_hypercall(uint16_t port, void *call)
{
	if (port == PITH_NET_KICK_PORT) {
		net_host_kicks++;
	} else if (port == PITH_HC_NET_SETUP) {
		struct pith_hc_net_setup *hc = call;

		net_host_tx_ring = (void *)(uintptr_t)hc->tx_ring;
		net_host_rx_ring = (void *)(uintptr_t)hc->rx_ring;
		hc->status = net_host_tx_ring && net_host_rx_ring ? 0 : -EINVAL;
	} else if (port == PITH_HC_WAIT) {
		net_host_now += ((struct pith_hc_wait *)call)->timeout_ns;
	} else if (port == PITH_HC_CONSOLE) {
		struct pith_hc_console *c = call;

		pith_console_out((int)c->stream, (void *)(uintptr_t)c->data, c->len);
	} else {
		fprintf(stderr, "net_host: unexpected hypercall on port %#x\n", port);
		abort();
	}
}

extern const struct pith_hook __start_pith_init_hooks[] __attribute__((weak));
extern const struct pith_hook __stop_pith_init_hooks[] __attribute__((weak));

void net_host_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	boot.magic = PITH_BOOT_MAGIC;
	boot.abi_version = PITH_ABI_VERSION;
	boot.net = (struct pith_net_info){.flags = PITH_NET_PRESENT,
					  .mtu = 1500,
					  .ip = NET_HOST_IP,
					  .gateway = NET_HOST_GW,
					  .prefix_len = 24};
	memcpy(boot.net.mac, net_host_mac, 6);
	for (const struct pith_hook *h = __start_pith_init_hooks; h && h < __stop_pith_init_hooks;
	     h++)
		h->fn();
	if (!net_host_rx_ring) {
		fprintf(stderr, "net_host: the NIC was not set up\n");
		abort();
	}
	net_host_tx_drain(); /* the gratuitous ARP */
}

bool net_host_rx_put(const void *frame, size_t len)
{
	struct pith_net_ring *r = net_host_rx_ring;
	uint32_t tail = r->tail, head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	struct pith_net_desc *d = &r->desc[tail % PITH_NET_RING_SIZE];

	if (tail == head)
		return false;
	if (len > d->len)
		len = d->len;
	memcpy((void *)(uintptr_t)d->addr, frame, len);
	d->len = (uint32_t)len;
	d->flags = 0;
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

bool net_host_rx(const void *frame, size_t len)
{
	bool ok = net_host_rx_put(frame, len);

	net_host_poll();
	return ok;
}

size_t net_host_tx(void *buf, size_t cap)
{
	struct pith_net_ring *r = net_host_tx_ring;
	uint32_t tail = r->tail, head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	const struct pith_net_desc *d = &r->desc[tail % PITH_NET_RING_SIZE];
	size_t len;

	if (tail == head)
		return 0;
	len = d->len;
	memcpy(buf, (void *)(uintptr_t)d->addr, len < cap ? len : cap);
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return len;
}

unsigned net_host_tx_drain(void)
{
	static uint8_t frame[65536];
	unsigned n = 0;

	while (net_host_tx(frame, sizeof(frame)))
		n++;
	return n;
}
