/* Connect probe for the network tests: prints how a blocking TCP connect ended, by errno name. */
/*
 *   connect_err HOST PORT    prints "connect HOST:PORT: NAME after S s" where NAME is ok,
 *                            ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH or errno N
 * Exits 0 whatever the outcome (the test compares the name); 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *errno_name(int e, char *tmp, size_t len)
{
	switch (e) {
	case 0:
		return "ok";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case ENETUNREACH:
		return "ENETUNREACH";
	}
	snprintf(tmp, len, "errno %d", e);
	return tmp;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct timespec t0, t1;
	char tmp[32];
	int fd, e = 0;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: connect_err HOST PORT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("connect_err: socket");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		e = errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("connect %s:%s: %s after %.1f s\n", argv[1], argv[2],
	       errno_name(e, tmp, sizeof(tmp)),
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(fd);
	return 0;
}
