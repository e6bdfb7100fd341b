/* Connection churn for the network tests: many HTTP requests, each on its own TCP connection. */
/*
 *   conns HOST PORT TOTAL CONCURRENCY [PATH]
 * Makes TOTAL connections, at most CONCURRENCY open at once; on each sends one "GET PATH"
 * (HTTP/1.1, keep-alive) and reads the answer: headers and Content-Length bytes of body. Then
 * it closes first, so that TIME_WAIT (RFC 9293 section 3.6) stays on this side and the server's
 * connection ends completely: what a leak test of the server needs. A connection counts as ok
 * if the answer starts with "HTTP/1.1 200 " and is complete. Prints "conns: N ok, N failed in
 * S s" and exits 0 only if none failed. Gives up on a connection after 10 s without progress.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC 1024

struct slot {
	int fd;		 /* -1: free */
	bool sent;	 /* the request went out */
	char head[1024]; /* the answer's first bytes (its headers) */
	size_t got;
	size_t want;  /* the whole answer's length, once the headers are in; 0 before */
	double since; /* last progress */
};

static struct sockaddr_in addr;
static char request[256];
static struct slot slots[MAX_CONC];
static unsigned ok, failed;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void slot__open(struct slot *s)
{
	memset(s, 0, sizeof(*s));
	s->since = now_s();
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0 ||
	    (connect(s->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS)) {
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		failed++;
	}
}

static void slot__end(struct slot *s, bool good)
{
	close(s->fd);
	s->fd = -1;
	if (good && s->want && s->got == s->want && !memcmp(s->head, "HTTP/1.1 200 ", 13))
		ok++;
	else
		failed++;
}

/* Sends the request once the connection is up. */
static void slot__send(struct slot *s)
{
	ssize_t n = send(s->fd, request, strlen(request), MSG_NOSIGNAL);

	if (n != (ssize_t)strlen(request)) {
		slot__end(s, false);
		return;
	}
	s->sent = true;
	s->since = now_s();
}

/* Once the headers are in: the answer's total length (headers + Content-Length), or 0. */
static size_t answer_len(const struct slot *s)
{
	size_t n = s->got < sizeof(s->head) - 1 ? s->got : sizeof(s->head) - 1;
	char head[sizeof(s->head)];
	const char *end, *cl;

	memcpy(head, s->head, n);
	head[n] = 0;
	end = strstr(head, "\r\n\r\n");
	cl = strstr(head, "Content-Length: ");
	if (!end || !cl || cl > end)
		return 0;
	return (size_t)(end + 4 - head) + strtoul(cl + 16, NULL, 10);
}

/* Reads what the answer has brought; closes once it is complete, or at end of stream or error. */
static void slot__recv(struct slot *s)
{
	char buf[4096];
	ssize_t n = recv(s->fd, buf, sizeof(buf), 0);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		slot__end(s, false);
		return;
	}
	if (s->got < sizeof(s->head))
		memcpy(s->head + s->got, buf,
		       (size_t)n < sizeof(s->head) - s->got ? (size_t)n : sizeof(s->head) - s->got);
	s->got += (size_t)n;
	s->since = now_s();
	if (!s->want)
		s->want = answer_len(s);
	if (s->want && s->got >= s->want)
		slot__end(s, true);
}

/* Progress on one connection after poll said it is ready. */
static void slot__step(struct slot *s, short revents)
{
	if (!s->sent && (revents & (POLLOUT | POLLERR | POLLHUP)))
		slot__send(s);
	else if (s->sent)
		slot__recv(s);
}

static void run(unsigned total, unsigned conc)
{
	struct pollfd p[MAX_CONC];
	unsigned started = 0, open = 0;

	for (unsigned i = 0; i < conc; i++)
		slots[i].fd = -1;
	while (started < total || open) {
		open = 0;
		for (unsigned i = 0; i < conc; i++) {
			if (slots[i].fd < 0 && started < total) {
				slot__open(&slots[i]);
				started++;
			}
			if (slots[i].fd >= 0 && now_s() - slots[i].since > 10)
				slot__end(&slots[i], false);
			p[i].fd = slots[i].fd;
			p[i].events = slots[i].sent ? POLLIN : POLLOUT;
			open += slots[i].fd >= 0;
		}
		if (open && poll(p, conc, 1000) > 0)
			for (unsigned i = 0; i < conc; i++)
				if (p[i].fd >= 0 && p[i].revents)
					slot__step(&slots[i], p[i].revents);
	}
}

int main(int argc, char **argv)
{
	unsigned total, conc;
	double t0;

	if (argc < 5 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "usage: conns HOST PORT TOTAL CONCURRENCY [PATH]\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(argv[2]));
	total = (unsigned)atoi(argv[3]);
	conc = (unsigned)atoi(argv[4]);
	if (conc < 1 || conc > MAX_CONC)
		conc = conc < 1 ? 1 : MAX_CONC;
	snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n",
		 argc > 5 ? argv[5] : "/", argv[1]);
	t0 = now_s();
	run(total, conc);
	printf("conns: %u ok, %u failed in %.2f s\n", ok, failed, now_s() - t0);
	return failed != 0 || ok != total;
}
