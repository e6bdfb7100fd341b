/* TCP bulk transfer for the network tests and the benchmark: streams N bytes each way, SHA-256. */
/*
 *   tcp_bulk server PORT NBYTES [SEED]        accept one connection; read until end of stream,
 *                                             then send NBYTES and close
 *   tcp_bulk client HOST PORT NBYTES [SEED]   connect; send NBYTES, shut down the sending side
 *                                             (half-close), then read until end of stream
 *   tcp_bulk selftest                         the SHA-256 test vectors
 * Options before the mode: -x skips hashing (the benchmark), -q prints no rate, -e makes the
 * server close and exit right after its last write (by default it closes with SO_LINGER, so
 * that close returns, and the program exits, only once the client acknowledged everything), -k
 * keeps the server running after its close (sleeping until it is killed), so that the end of the
 * transfer never depends on what happens to a connection when the program exits.
 * Each side prints "received N sha256 HEX" and "sent N sha256 HEX" (plus the rate in Mb/s
 * unless -q), so the two ends' lines can be compared. The bytes sent come from xorshift64*
 * seeded with SEED (default 1), in 8-byte little-endian words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h" /* cli/sha256.h: the one SHA-256 of the tree (pith pack uses it) */

#define CHUNK 65536

static bool no_hash, quiet, exit_at_once, keep_running;
static unsigned char buf[CHUNK];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, unsigned long long n, struct sha256 *s, double secs)
{
	uint8_t d[SHA256_BYTES];
	char hex[SHA256_HEX] = "-";

	if (!no_hash) {
		sha256__final(s, d);
		for (int i = 0; i < SHA256_BYTES; i++)
			snprintf(hex + 2 * i, 3, "%02x", d[i]);
	}
	if (quiet)
		printf("%s %llu sha256 %s\n", what, n, hex);
	else
		printf("%s %llu sha256 %s in %.3f s, %.1f Mb/s\n", what, n, hex, secs,
		       secs > 0 ? (double)n * 8 / secs / 1e6 : 0.0);
}

/* Fills buf with the next len bytes (a multiple of 8 except at the end) of the stream. */
static void stream_fill(uint64_t *x, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		*x ^= *x >> 12;
		*x ^= *x << 25;
		*x ^= *x >> 27;
		uint64_t w = *x * 0x2545F4914F6CDD1DULL;
		for (size_t j = 0; j < 8 && i + j < len; j++)
			buf[i + j] = (unsigned char)(w >> (8 * j));
	}
}

static int send_all(int fd, unsigned long long n, uint64_t seed)
{
	struct sha256 s;
	uint64_t x = seed ? seed : 1;
	unsigned long long done = 0;
	double t0 = now_s();

	sha256__init(&s);
	while (done < n) {
		size_t len = n - done < CHUNK ? (size_t)(n - done) : CHUNK;
		stream_fill(&x, len);
		if (!no_hash)
			sha256__update(&s, buf, len);
		for (size_t off = 0; off < len;) {
			ssize_t w = write(fd, buf + off, len - off);
			if (w < 0) {
				perror("tcp_bulk: write");
				return -1;
			}
			off += (size_t)w;
		}
		done += len;
	}
	report("sent", done, &s, now_s() - t0);
	return 0;
}

static int recv_all(int fd)
{
	struct sha256 s;
	unsigned long long done = 0;
	double t0 = 0;

	sha256__init(&s);
	for (;;) {
		ssize_t r = read(fd, buf, CHUNK);
		if (r < 0) {
			perror("tcp_bulk: read");
			return -1;
		}
		if (r == 0)
			break;
		if (!done)
			t0 = now_s();
		if (!no_hash)
			sha256__update(&s, buf, (size_t)r);
		done += (unsigned long long)r;
	}
	report("received", done, &s, done ? now_s() - t0 : 0);
	return 0;
}

/* SO_LINGER (POSIX): close() returns once the peer acknowledged everything, or after 120 s. */
static int linger_on(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 120};

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0) {
		perror("tcp_bulk: SO_LINGER");
		return -1;
	}
	return 0;
}

static int do_server(int port, unsigned long long n, uint64_t seed)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int lfd = socket(AF_INET, SOCK_STREAM, 0), fd;

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0) {
		perror("tcp_bulk: listen");
		return 1;
	}
	printf("tcp_bulk: listening on :%d\n", port);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("tcp_bulk: accept");
		return 1;
	}
	close(lfd);
	if (recv_all(fd) < 0 || send_all(fd, n, seed) < 0)
		return 1;
	if (!exit_at_once && linger_on(fd) < 0)
		return 1;
	if (close(fd) < 0)
		return 1;
	while (keep_running)
		sleep(3600);
	return 0;
}

static int do_client(const char *host, int port, unsigned long long n, uint64_t seed)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "tcp_bulk: bad address %s\n", host);
		return 2;
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "tcp_bulk: connect %s:%d: %s\n", host, port, strerror(errno));
		return 1;
	}
	if (send_all(fd, n, seed) < 0)
		return 1;
	if (shutdown(fd, SHUT_WR) < 0) {
		perror("tcp_bulk: shutdown");
		return 1;
	}
	if (recv_all(fd) < 0)
		return 1;
	return close(fd) < 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: tcp_bulk [-x] [-q] [-e] [-k] server PORT NBYTES [SEED] | "
			"client HOST PORT NBYTES [SEED] | selftest\n");
	return 2;
}

/* FIPS 180-4's examples (NIST's SHA256.pdf): the digests this program reports are right here. */
static int selftest(void)
{
	static const struct {
		const char *msg, *hex;
	} v[] = {
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[SHA256_HEX];
	int bad = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256__hex(v[i].msg, strlen(v[i].msg), hex);
		bad += strcmp(hex, v[i].hex) != 0;
	}
	return bad;
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		no_hash |= !strcmp(argv[i], "-x");
		quiet |= !strcmp(argv[i], "-q");
		exit_at_once |= !strcmp(argv[i], "-e");
		keep_running |= !strcmp(argv[i], "-k");
	}
	argc -= i;
	argv += i;
	if (argc == 1 && !strcmp(argv[0], "selftest")) {
		int bad = selftest();
		printf("sha256 selftest: %d failed\n", bad);
		return bad != 0;
	}
	if (argc >= 3 && !strcmp(argv[0], "server"))
		return do_server(atoi(argv[1]), strtoull(argv[2], NULL, 0),
				 argc > 3 ? strtoull(argv[3], NULL, 0) : 1);
	if (argc >= 4 && !strcmp(argv[0], "client"))
		return do_client(argv[1], atoi(argv[2]), strtoull(argv[3], NULL, 0),
				 argc > 4 ? strtoull(argv[4], NULL, 0) : 1);
	return usage();
}
