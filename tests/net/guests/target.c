/* A line-protocol TCP server for the hostile-input test: stays up until a client says QUIT. */
/*
 *   target PORT
 * Serves up to 15 clients at once (poll). Each line a client sends gets an answer: "PING" ->
 * "PONG", "QUIT" -> "BYE" and the program exits 0 (printing "target: N connections"), anything
 * else -> "?". A connection that is reset or closed just ends; the server goes on. So frames
 * injected at it cannot end it (nor block it), only a legitimate QUIT.
 */
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned long conns;

static int listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
		perror("target: listen");
		exit(1);
	}
	return fd;
}

#define CLIENTS 16

struct client {
	char line[256];
	size_t len;
};

static struct pollfd pfd[CLIENTS]; /* [0]: the listener */
static struct client cl[CLIENTS];

/* Answers the complete lines in c's buffer; 1 after QUIT, -1 if the answer failed. */
static int answer(int fd, struct client *c)
{
	char *nl;

	while ((nl = memchr(c->line, '\n', c->len))) {
		*nl = 0;
		int quit = !strcmp(c->line, "QUIT") || !strcmp(c->line, "QUIT\r");
		const char *ans = quit ? "BYE\n" : strncmp(c->line, "PING", 4) ? "?\n" : "PONG\n";
		if (write(fd, ans, strlen(ans)) < 0)
			return -1;
		if (quit)
			return 1;
		c->len -= (size_t)(nl + 1 - c->line);
		memmove(c->line, nl + 1, c->len);
	}
	if (c->len == sizeof(c->line))
		c->len = 0; /* a line too long: forget it */
	return 0;
}

/* Reads from client i; 1 after QUIT. Closes it at end of stream or error. */
static int client_read(int i)
{
	struct client *c = &cl[i];
	ssize_t n = read(pfd[i].fd, c->line + c->len, sizeof(c->line) - c->len);
	int r = -1;

	if (n > 0) {
		c->len += (size_t)n;
		r = answer(pfd[i].fd, c);
	}
	if (r != 0) {
		close(pfd[i].fd);
		pfd[i].fd = -1;
	}
	return r == 1;
}

static void accept_one(void)
{
	int fd = accept(pfd[0].fd, NULL, NULL);

	if (fd < 0)
		return;
	conns++;
	for (int i = 1; i < CLIENTS; i++)
		if (pfd[i].fd < 0) {
			pfd[i].fd = fd;
			cl[i].len = 0;
			return;
		}
	close(fd);
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 80;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pfd[0].fd = listen_on(port);
	for (int i = 0; i < CLIENTS; i++) {
		pfd[i].events = POLLIN;
		if (i)
			pfd[i].fd = -1;
	}
	printf("target: listening on :%d\n", port);
	for (;;) {
		if (poll(pfd, CLIENTS, -1) < 0)
			continue;
		if (pfd[0].revents)
			accept_one();
		for (int i = 1; i < CLIENTS; i++)
			if (pfd[i].fd >= 0 && pfd[i].revents && client_read(i)) {
				printf("target: %lu connections\n", conns);
				return 0;
			}
	}
}
