/* Our own netem for the network tests: bridges two frame endpoints with loss, reordering, delay. */
/*
 *   impair [--loss PCT] [--reorder PCT] [--delay MS] [--seed N] [--ready FILE] A B
 * A and B are endpoints:
 *   tap:NAME          a tap device in the current network namespace (IFF_TAP|IFF_NO_PI)
 *   tap:NAME@NETNS    the same, opened inside the named namespace (/run/netns/NETNS)
 *   listen:PATH       a UNIX stream socket; one client (`pith run --net socket:PATH`), frames
 *                     in qemu's stream framing: a 4-byte big-endian length, then the frame
 * Each frame, in each direction, is dropped with probability PCT/100 (--loss); else it is
 * delivered DELAY ms later, or (with probability --reorder) later still, by DELAY/2 + up to DELAY
 * more, so that frames sent after it overtake it. The kernel has no sch_netem on the test
 * machines; this stands in for `tc qdisc add ... netem loss 2% reorder 5% delay 20ms`.
 * --ready FILE is created once every endpoint is open (and a socket is listening). SIGTERM or
 * SIGINT end it; it then prints one line of counters per direction.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65550
#define QUEUE_MAX 32768 /* frames in flight, both directions */
#define SBUF	  (1 << 20)

struct endpoint {
	const char *spec;
	int fd;		   /* the tap or the connected stream; -1 while a socket waits */
	int lfd;	   /* listen:PATH: the listening socket */
	unsigned char *in; /* stream: bytes read but not yet framed */
	size_t in_len;
	unsigned long long frames_in, dropped, reordered, delivered, overflow;
};

struct pending {
	uint64_t due_ns;
	struct endpoint *to;
	unsigned len;
	unsigned char *data;
};

static struct endpoint ep[2];
static struct pending *heap[QUEUE_MAX];
static unsigned heap_len;
static double loss, reorder;
static uint64_t delay_ns, rng = 0x9e3779b97f4a7c15ULL;
static volatile sig_atomic_t stop;

static void die(const char *what)
{
	fprintf(stderr, "impair: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*, uniform in [0, 1). */
static double rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* ---- the delivery queue: a binary min-heap on due time ----------------------------------- */

static void heap__swap(unsigned a, unsigned b)
{
	struct pending *t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
}

static void heap__push(struct pending *p)
{
	unsigned i = heap_len++;

	heap[i] = p;
	while (i && heap[(i - 1) / 2]->due_ns > heap[i]->due_ns) {
		heap__swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct pending *heap__pop(void)
{
	struct pending *top = heap[0];
	unsigned i = 0;

	heap[0] = heap[--heap_len];
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < heap_len && heap[l]->due_ns < heap[m]->due_ns)
			m = l;
		if (r < heap_len && heap[r]->due_ns < heap[m]->due_ns)
			m = r;
		if (m == i)
			return top;
		heap__swap(i, m);
		i = m;
	}
}

/* ---- endpoints ------------------------------------------------------------------------------ */

static int tap__open(const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/net/tun");
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die(name);
	return fd;
}

/* tap:NAME@NETNS: enter the namespace for the open only. */
static int tap__open_in(const char *name, const char *netns)
{
	char path[256];
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ns, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		die(path);
	fd = tap__open(name);
	if (setns(self, CLONE_NEWNET) < 0)
		die("setns back");
	close(ns);
	close(self);
	return fd;
}

static void endpoint__open(struct endpoint *e, const char *spec)
{
	char name[256];

	e->spec = spec;
	e->fd = e->lfd = -1;
	if (!strncmp(spec, "tap:", 4)) {
		snprintf(name, sizeof(name), "%s", spec + 4);
		char *at = strchr(name, '@');
		if (at)
			*at = 0;
		e->fd = at ? tap__open_in(name, at + 1) : tap__open(name);
		return;
	}
	if (strncmp(spec, "listen:", 7)) {
		fprintf(stderr, "impair: unknown endpoint %s (tap:NAME[@NETNS] or listen:PATH)\n",
			spec);
		exit(2);
	}
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", spec + 7);
	unlink(a.sun_path);
	e->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (e->lfd < 0 || bind(e->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(e->lfd, 1) < 0)
		die(spec);
	e->in = malloc(SBUF);
	if (!e->in)
		die("malloc");
}

/* Sends one frame out of an endpoint (whole, or not at all when it cannot take it). */
static void endpoint__send(struct endpoint *e, const unsigned char *f, unsigned len)
{
	if (e->fd < 0)
		return;
	if (e->lfd < 0) {
		if (write(e->fd, f, len) == (ssize_t)len)
			e->delivered++;
		return;
	}
	unsigned char hdr[4] = {len >> 24, len >> 16, len >> 8, len};
	struct iovec iov[2] = {{hdr, 4}, {(void *)f, len}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	if (sendmsg(e->fd, &m, MSG_NOSIGNAL) == (ssize_t)len + 4)
		e->delivered++;
}

/* A frame came in on `from`: drop it, or queue it for the other endpoint. */
static void frame__impair(struct endpoint *from, const unsigned char *f, unsigned len)
{
	struct endpoint *to = from == &ep[0] ? &ep[1] : &ep[0];
	uint64_t due = now_ns() + delay_ns;
	struct pending *p;

	from->frames_in++;
	if (rnd() < loss) {
		from->dropped++;
		return;
	}
	if (rnd() < reorder) {
		from->reordered++;
		due += delay_ns / 2 + (uint64_t)(rnd() * (double)delay_ns) + 1000000;
	}
	p = heap_len < QUEUE_MAX ? malloc(sizeof(*p) + len) : NULL;
	if (!p) {
		from->overflow++;
		return;
	}
	p->due_ns = due;
	p->to = to;
	p->len = len;
	p->data = (unsigned char *)(p + 1);
	memcpy(p->data, f, len);
	heap__push(p);
}

/* Reads the frames waiting on a tap. */
static void tap__drain(struct endpoint *e)
{
	static unsigned char f[FRAME_MAX];
	ssize_t n;

	while ((n = read(e->fd, f, sizeof(f))) > 0)
		frame__impair(e, f, (unsigned)n);
}

/* Reads what the stream has, then takes out every complete frame. -1: the peer went away. */
static int stream__drain(struct endpoint *e)
{
	ssize_t n = recv(e->fd, e->in + e->in_len, SBUF - e->in_len, MSG_DONTWAIT);
	size_t off = 0;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (n > 0)
		e->in_len += (size_t)n;
	while (e->in_len - off >= 4) {
		const unsigned char *h = e->in + off;
		size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
		if (len > FRAME_MAX)
			return -1;
		if (e->in_len - off < 4 + len)
			break;
		frame__impair(e, h + 4, (unsigned)len);
		off += 4 + len;
	}
	memmove(e->in, e->in + off, e->in_len - off);
	e->in_len -= off;
	return 0;
}

/* Sends every queued frame whose time has come; returns ms until the next one (-1: none). */
static int queue__deliver(void)
{
	uint64_t now = now_ns();

	while (heap_len && heap[0]->due_ns <= now) {
		struct pending *p = heap__pop();
		endpoint__send(p->to, p->data, p->len);
		free(p);
	}
	if (!heap_len)
		return -1;
	return (int)((heap[0]->due_ns - now + 999999) / 1000000);
}

static void endpoint__ready(struct endpoint *e, short revents)
{
	if (e->fd < 0 && (revents & POLLIN)) {
		e->fd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC);
		return;
	}
	if (e->lfd < 0) {
		tap__drain(e);
		return;
	}
	if (stream__drain(e) < 0) {
		close(e->fd);
		e->fd = -1;
		e->in_len = 0;
	}
}

static void loop(void)
{
	while (!stop) {
		struct pollfd p[2];
		int timeout = queue__deliver();

		for (int i = 0; i < 2; i++)
			p[i] = (struct pollfd){.fd = ep[i].fd >= 0 ? ep[i].fd : ep[i].lfd,
					       .events = POLLIN};
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			die("poll");
		for (int i = 0; i < 2; i++)
			if (p[i].revents)
				endpoint__ready(&ep[i], p[i].revents);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void report(void)
{
	for (int i = 0; i < 2; i++)
		printf("impair: %s -> %s: %llu frames, %llu dropped, %llu reordered, %llu over the "
		       "queue limit, %llu delivered\n",
		       ep[i].spec, ep[!i].spec, ep[i].frames_in, ep[i].dropped, ep[i].reordered,
		       ep[i].overflow, ep[!i].delivered);
}

static int usage(void)
{
	fprintf(stderr, "usage: impair [--loss PCT] [--reorder PCT] [--delay MS] [--seed N] "
			"[--ready FILE] ENDPOINT ENDPOINT\n"
			"  ENDPOINT: tap:NAME[@NETNS] | listen:PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	int i = 1;

	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--loss"))
			loss = atof(argv[i + 1]) / 100;
		else if (!strcmp(argv[i], "--reorder"))
			reorder = atof(argv[i + 1]) / 100;
		else if (!strcmp(argv[i], "--delay"))
			delay_ns = (uint64_t)(atof(argv[i + 1]) * 1e6);
		else if (!strcmp(argv[i], "--seed"))
			rng = (strtoull(argv[i + 1], NULL, 0) + 1) * 0x9e3779b97f4a7c15ULL | 1;
		else if (!strcmp(argv[i], "--ready"))
			ready = argv[i + 1];
		else
			return usage();
	}
	if (argc - i != 2)
		return usage();
	endpoint__open(&ep[0], argv[i]);
	endpoint__open(&ep[1], argv[i + 1]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (ready && close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
		die(ready);
	loop();
	report();
	return 0;
}
