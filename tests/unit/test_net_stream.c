/* Unit tests of the stream backend's framing (vmm/net_passt.c): partial reads and writes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "net.h"
#include "test.h"

#define FRAMES 300
#define BIG    65535

static char sock_path[108];
static int listen_fd = -1;

/* A listening UNIX socket for net_stream__open to connect to. */
static bool listener__open(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(sock_path, sizeof(sock_path), "/tmp/pith-test-stream.%d", (int)getpid());
	strcpy(sa.sun_path, sock_path);
	unlink(sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	return CHECK(listen_fd >= 0 && bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		     listen(listen_fd, 4) == 0);
}

/* A backend connected to the listener; *peer: the other end, non-blocking. */
static bool backend__open(struct net_backend *b, int *peer)
{
	struct net_config cfg = {.kind = NET_STREAM, .tap_fd = -1, .socket_path = sock_path};
	char err[256] = "";

	if (!CHECKF(net_stream__open(b, &cfg, err, sizeof(err)) == 0, "open: %s", err))
		return false;
	*peer = accept(listen_fd, NULL, NULL);
	CHECK_STR(b->name, "socket");
	CHECK(b->offloads == false && b->flush != NULL);
	return CHECK(*peer >= 0 && fcntl(*peer, F_SETFL, O_NONBLOCK) == 0);
}

static void backend__close(struct net_backend *b, int peer)
{
	close(b->fd);
	free(b->priv);
	close(peer);
}

/* Frame number k: its length (14..65535, several small and big ones) and its bytes. */
static size_t frame__len(unsigned k)
{
	static const size_t lens[] = {14, 60, 1514, 9000, BIG, 15, 4000, 65000, 100};

	return k % 10 == 9 ? 14 + (k * 7919) % (BIG - 14) : lens[k % 10];
}

static void frame__fill(unsigned k, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(k * 31 + i * 7 + (i >> 8));
}

/* The wire form of frames 0..FRAMES-1: each with its 4-byte big-endian length. */
static uint8_t *wire__build(size_t *total)
{
	uint8_t *w = malloc((size_t)FRAMES * (BIG + 4)), *p = w;

	for (unsigned k = 0; k < FRAMES; k++) {
		size_t len = frame__len(k);

		p[0] = 0;
		p[1] = 0;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		frame__fill(k, p + 4, len);
		p += 4 + len;
	}
	*total = (size_t)(p - w);
	return w;
}

/* Checks that recv's frame is frame k. */
static bool frame__check(unsigned k, const uint8_t *buf, ssize_t n)
{
	static uint8_t want[BIG];
	size_t len = frame__len(k);

	frame__fill(k, want, len);
	return CHECKF(n == (ssize_t)len && memcmp(buf, want, len) == 0, "frame %u: got %zd of %zu",
		      k, n, len);
}

/* The peer writes the frames in random pieces (1 byte to 100 KiB); recv must reassemble them. */
static void test_recv_pieces(void)
{
	static uint8_t buf[BIG];
	struct net_backend b;
	struct pith_net_desc d;
	size_t total, off = 0;
	uint8_t *wire = wire__build(&total);
	unsigned got = 0, empty = 0, bad = 0;
	int peer;

	if (!backend__open(&b, &peer))
		return;
	CHECK(b.recv(&b, &d, buf, sizeof(buf)) == 0); /* nothing yet */
	while (got < FRAMES && bad == 0) {
		size_t piece = (size_t)(rand() % 4 == 0 ? 1 + rand() % 3 : 1 + rand() % 100000);
		ssize_t w = off < total
				? write(peer, wire + off, piece < total - off ? piece : total - off)
				: 0;
		ssize_t n;

		off += w > 0 ? (size_t)w : 0;
		memset(&d, 0xff, sizeof(d));
		while ((n = b.recv(&b, &d, buf, sizeof(buf))) > 0) {
			bad += !frame__check(got++, buf, n);
			bad += !CHECK(d.flags == 0 && d.gso_type == 0 && d.csum_start == 0);
		}
		empty += n == 0;
		bad += !CHECK(n >= 0);
	}
	CHECK_U64(got, FRAMES);
	CHECKF(empty > FRAMES / 6, "recv found no whole frame %u times", empty);
	CHECK(b.recv(&b, &d, buf, sizeof(buf)) == 0); /* all taken */
	backend__close(&b, peer);
	free(wire);
}

/* A frame longer than the buffer: consumed, the buffer's worth copied, its length returned. */
static void test_recv_too_big(void)
{
	uint8_t wire[4 + 1000 + 4 + 20], buf[200 + 8];
	struct net_backend b;
	struct pith_net_desc d;
	int peer;

	if (!backend__open(&b, &peer))
		return;
	memcpy(wire, (uint8_t[]){0, 0, 1000 >> 8, 1000 & 255}, 4);
	frame__fill(1, wire + 4, 1000);
	memcpy(wire + 1004, (uint8_t[]){0, 0, 0, 20}, 4);
	frame__fill(2, wire + 1008, 20);
	CHECK(write(peer, wire, sizeof(wire)) == (ssize_t)sizeof(wire));
	memset(buf, 0xee, sizeof(buf));
	CHECK(b.recv(&b, &d, buf, 200) == 1000);
	CHECK(memcmp(buf, wire + 4, 200) == 0 && buf[200] == 0xee && buf[207] == 0xee);
	CHECK(b.recv(&b, &d, buf, 200) == 20 && memcmp(buf, wire + 1008, 20) == 0);
	backend__close(&b, peer);
}

/* Lengths out of the framing's range, and a closed peer, are fatal. */
static void expect_fatal(const char *what, const uint8_t *bytes, size_t len, bool close_peer)
{
	uint8_t buf[BIG];
	struct net_backend b;
	struct pith_net_desc d;
	int peer;

	if (!backend__open(&b, &peer))
		return;
	CHECK(write(peer, bytes, len) == (ssize_t)len);
	if (close_peer) {
		close(peer);
		peer = open("/dev/null", O_RDONLY);
	}
	CHECKF(b.recv(&b, &d, buf, sizeof(buf)) == -1, "%s is fatal", what);
	backend__close(&b, peer);
}

static void test_recv_fatal(void)
{
	uint8_t ok[4 + 14] = {0, 0, 0, 14};

	expect_fatal("length 13", (uint8_t[]){0, 0, 0, 13}, 4, false);
	expect_fatal("length 0", (uint8_t[]){0, 0, 0, 0}, 4, false);
	expect_fatal("length 65536", (uint8_t[]){0, 1, 0, 0}, 4, false);
	expect_fatal("length 2^31", (uint8_t[]){0x80, 0, 0, 60}, 4, false);
	expect_fatal("end of stream mid-frame", (uint8_t[]){0, 0, 0, 60, 1, 2}, 6, true);
	expect_fatal("end of stream", ok, 0, true);
	{
		struct net_backend b;
		struct pith_net_desc d;
		uint8_t buf[64];
		int peer;

		if (!backend__open(&b, &peer))
			return;
		CHECK(write(peer, ok, sizeof(ok)) == (ssize_t)sizeof(ok));
		close(peer);
		CHECK(b.recv(&b, &d, buf, sizeof(buf)) == 14); /* the whole frame before the end */
		CHECK(b.recv(&b, &d, buf, sizeof(buf)) == -1);
		close(b.fd);
		free(b.priv);
	}
}

/* Reads what is there from the peer into the stream buffer. */
static void peer__drain(int peer, uint8_t *stream, size_t cap, size_t *len, size_t most)
{
	ssize_t n;

	while (*len < cap && most > 0) {
		n = read(peer, stream + *len, most < cap - *len ? most : cap - *len);
		if (n <= 0)
			return;
		*len += (size_t)n;
		most -= (size_t)n;
	}
}

/* Sends frame k until the backend takes it (reading a little at the peer when it is full). */
static bool send__frame(struct net_backend *b, unsigned k, uint8_t *stream, size_t cap, size_t *len,
			int peer, unsigned *partial)
{
	static uint8_t frame[BIG];
	struct pith_net_desc d = {0};
	size_t flen = frame__len(k);
	int rc, tries = 0;

	frame__fill(k, frame, flen);
	while ((rc = b->send(b, &d, frame, flen)) == 0 && tries++ < 100000)
		peer__drain(peer, stream, cap, len, 1 + (size_t)(rand() % 30000));
	memset(frame, 0, flen); /* the backend must have copied what it kept */
	if (rc == 1 && b->flush(b) == 0)
		(*partial)++;
	return CHECKF(rc == 1, "send of frame %u: %d", k, rc);
}

/* A small socket buffer and a slow reader: frames are split, never interleaved or lost. */
static void test_send_partial(void)
{
	size_t total, len = 0, cap;
	uint8_t *want = wire__build(&total), *stream = malloc(total);
	struct net_backend b;
	unsigned partial = 0, spins = 0;
	int peer, small = 4096;

	cap = total;
	if (!backend__open(&b, &peer))
		return;
	setsockopt(b.fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (unsigned k = 0; k < FRAMES; k++)
		if (!send__frame(&b, k, stream, cap, &len, peer, &partial))
			break;
	while (b.flush(&b) == 0 && spins++ < 100000)
		peer__drain(peer, stream, cap, &len, 5000);
	peer__drain(peer, stream, cap, &len, cap);
	CHECKF(partial > 10, "partly sent frames: %u", partial);
	CHECK_U64(len, total);
	CHECK(memcmp(stream, want, total) == 0);
	backend__close(&b, peer);
	free(want);
	free(stream);
}

/* Frames that cannot be framed are dropped (and counted); a closed peer is fatal, no SIGPIPE. */
static void test_send_drop_and_fatal(void)
{
	static uint8_t frame[BIG + 1];
	struct pith_net_desc d = {0};
	struct net_backend b;
	uint8_t got[64];
	int peer;

	if (!backend__open(&b, &peer))
		return;
	CHECK(b.send(&b, &d, frame, 13) == 1 && b.send(&b, &d, frame, BIG + 1) == 1);
	CHECK_U64(b.send_drops, 2);
	CHECK(b.send(&b, &d, frame, 14) == 1);
	CHECK(read(peer, got, sizeof(got)) == 18 && got[3] == 14); /* only the good one */
	close(peer);
	CHECK(b.send(&b, &d, frame, 14) == -1);
	CHECK(b.flush(&b) == 1); /* nothing kept */
	close(b.fd);
	free(b.priv);
}

static void test_open_errors(void)
{
	struct net_config cfg = {.kind = NET_STREAM, .tap_fd = -1, .socket_path = "/nonexistent/s"};
	struct net_backend b;
	char err[256], longp[200];

	CHECK(net_stream__open(&b, &cfg, err, sizeof(err)) == -1);
	CHECK_STR(err, "cannot connect to /nonexistent/s: No such file or directory; start the "
		       "program that listens there");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	cfg.socket_path = longp;
	CHECK(net_stream__open(&b, &cfg, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, ": the path is too long (at most 107 bytes)");
}

int main(void)
{
	srand(1);
	signal(SIGPIPE, SIG_DFL); /* a send without MSG_NOSIGNAL would kill the test */
	if (listener__open()) {
		test_recv_pieces();
		test_recv_too_big();
		test_recv_fatal();
		test_send_partial();
		test_send_drop_and_fatal();
		test_open_errors();
		close(listen_fd);
		unlink(sock_path);
	}
	return test__done();
}
