/* UDP echo for the network tests: a server that sends every datagram back, and a checking client.
 */
/*
 *   udp_echo server PORT [COUNT]   echo datagrams (COUNT of them, then exit 0; 0: forever)
 *   udp_echo client HOST PORT N    send N datagrams of sizes 1..1472 (cycling) with distinct
 *                                  contents; each must come back intact (up to 5 tries, 1 s each)
 * The client prints "udp_echo: N/N echoed" and exits 0 only if all came back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DGRAM_MAX 1472 /* the largest payload that fits one 1500-byte IPv4 packet */

static unsigned char out[DGRAM_MAX], in[DGRAM_MAX + 1];

static int do_server(int port, long count)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("udp_echo: bind");
		return 1;
	}
	printf("udp_echo: listening on :%d\n", port);
	for (long i = 0; count == 0 || i < count; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			perror("udp_echo: recvfrom");
			return 1;
		}
		if (sendto(fd, in, (size_t)n, 0, (struct sockaddr *)&from, flen) != n) {
			perror("udp_echo: sendto");
			return 1;
		}
	}
	printf("udp_echo: echoed %ld datagrams\n", count);
	return 0;
}

/* Sends datagram i and waits for it to come back; 0 when it did. */
static int echo_one(int fd, unsigned i)
{
	size_t len = 1 + (i * 97) % DGRAM_MAX;

	for (size_t j = 0; j < len; j++)
		out[j] = (unsigned char)(i * 31 + j);
	for (int tries = 0; tries < 5; tries++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (send(fd, out, len, 0) != (ssize_t)len)
			return -1;
		while (poll(&p, 1, 1000) == 1) {
			ssize_t n = recv(fd, in, sizeof(in), 0);
			if (n == (ssize_t)len && !memcmp(in, out, len))
				return 0;
		}
	}
	return -1;
}

static int do_client(const char *host, int port, unsigned n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned ok = 0;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || fd < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "udp_echo: cannot reach %s:%d\n", host, port);
		return 2;
	}
	for (unsigned i = 0; i < n; i++)
		ok += echo_one(fd, i) == 0;
	printf("udp_echo: %u/%u echoed\n", ok, n);
	return ok != n;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "server"))
		return do_server(atoi(argv[2]), argc > 3 ? atol(argv[3]) : 0);
	if (argc >= 5 && !strcmp(argv[1], "client"))
		return do_client(argv[2], atoi(argv[3]), (unsigned)atoi(argv[4]));
	fprintf(stderr, "usage: udp_echo server PORT [COUNT] | client HOST PORT N\n");
	return 2;
}
