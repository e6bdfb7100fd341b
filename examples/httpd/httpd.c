/* The httpd example: a small single-threaded epoll HTTP/1.1 server of built-in pages and files. */
/*
 * Plain POSIX C (plus Linux's epoll and sendfile): it builds with `pith build` into a unikernel
 * image and with any C compiler into a Linux program. Usage: httpd [PORT [IDLE [ROOT]]]: PORT
 * defaults to 80; with IDLE (0: never), it exits (status 0) after IDLE seconds without any event,
 * so that a benchmark can end it cleanly (`pith run --stats` prints its counters when the guest
 * exits); ROOT is the document root (default "/": with `pith build --rootfs DIR`, DIR's files).
 *
 * Paths: / and /index.html (a small page), /big (10,000,000 bytes generated at its first request,
 * so that an instance that never serves it does not pay its memory: 100000
 * lines of 100 bytes, line N is "%07u " then 91 letters starting at 'a' + N % 26 and running
 * through the alphabet, then '\n'), /stats (open connections, connections accepted, open file
 * descriptors and free memory, for leak tests). / and /index.html serve ROOT/index.html instead
 * if it existed at start-up. Any other path is a file under ROOT (a directory: its index.html),
 * sent with sendfile (read + write where sendfile fails with EINVAL or ENOSYS), its Content-Type
 * from the extension; 404 for a missing file and for any path holding "..", so nothing outside
 * ROOT is ever served (no percent-decoding: such paths are taken literally). The query string is
 * ignored. GET and HEAD; other methods get 405.
 * Requests are parsed one at a time from each connection's buffer, so pipelined requests are
 * answered in order; keep-alive follows HTTP/1.1 (RFC 9112 section 9.3).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <unistd.h>

#define REQ_MAX	   8192 /* request line + headers; longer is refused with 431 */
#define HEAD_MAX   512	/* a response's status line and headers */
#define EVENTS_MAX 64
#define BIG_LINES  100000u
#define BIG_LINE   100u
#define PATH_LEN   4096	 /* a file's path under the document root */
#define FBUF	   16384 /* the read + write fallback's buffer */

static const char index_html[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<title>Pith httpd</title>\n"
    "<style>body { font-family: sans-serif; max-width: 40em; margin: 3em auto; }</style>\n"
    "</head>\n"
    "<body>\n"
    "<h1>Hello from Pith</h1>\n"
    "<p>This page was served by <code>examples/httpd/httpd.c</code>: an ordinary POSIX C\n"
    "program with epoll and non-blocking sockets. Built with <code>pith build</code>, it runs\n"
    "as a unikernel on Pith's own TCP/IP stack; built with <code>cc</code>, it runs as a\n"
    "Linux process.</p>\n"
    "<p>Try <a href=\"/big\">/big</a> (10 MB) or <a href=\"/stats\">/stats</a>.</p>\n"
    "</body>\n"
    "</html>\n";

struct conn {
	int fd;
	size_t in_len;	     /* bytes in in[] */
	size_t skip;	     /* request body bytes still to discard */
	char head[HEAD_MAX]; /* the pending response's headers */
	size_t head_len, head_off;
	const char *body; /* the pending response's body (static memory) */
	size_t body_len, body_off;
	bool close_after; /* close once the pending response is sent */
	int file;	  /* the file the pending response sends after its headers, or -1 */
	off_t file_off, file_end;
	char *fbuf; /* read + write fallback (sendfile failed): bytes read, not yet sent */
	size_t fbuf_len, fbuf_off;
	char in[REQ_MAX];
};

struct server {
	int ep, lfd;
	char *big;
	unsigned long open, accepted;
	char stats[256];
	const char *root; /* the document root without its trailing '/' ("" for "/") */
	bool root_index;  /* ROOT/index.html existed at start-up: it replaces the built-in page */
};

static struct server srv;

/* The /big body: deterministic, so a client can check every byte (see the header comment). */
static char *big_body__make(void)
{
	char *b = malloc((size_t)BIG_LINES * BIG_LINE);

	if (!b)
		return NULL;
	for (unsigned n = 0; n < BIG_LINES; n++) {
		char *line = b + (size_t)n * BIG_LINE;

		snprintf(line, 9, "%07u ", n);
		for (unsigned j = 0; j < BIG_LINE - 9; j++)
			line[8 + j] = (char)('a' + (n + j) % 26);
		line[BIG_LINE - 1] = '\n';
	}
	return b;
}

/* Open file descriptors below 1024 (a leak shows up here). */
static int fds__count(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static const char *stats__text(size_t *len)
{
	struct sysinfo si;
	unsigned long long freeram = 0;

	if (sysinfo(&si) == 0)
		freeram = (unsigned long long)si.freeram * si.mem_unit;
	int n =
	    snprintf(srv.stats, sizeof(srv.stats), "open %lu\naccepted %lu\nfds %d\nfreeram %llu\n",
		     srv.open, srv.accepted, fds__count(), freeram);
	*len = (size_t)n;
	return srv.stats;
}

/* The pending response's file is sent (or abandoned): close it. */
static void conn__file_done(struct conn *c)
{
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	free(c->fbuf);
	c->fbuf = NULL;
	c->fbuf_len = c->fbuf_off = 0;
}

/* Queues a response: status line, headers, and (unless HEAD) the body. */
static void conn__respond(struct conn *c, int status, const char *reason, const char *type,
			  const char *body, size_t len, bool head_only)
{
	const char *extra = status == 405 ? "Allow: GET, HEAD\r\n" : "";
	int n = snprintf(c->head, sizeof(c->head),
			 "HTTP/1.1 %d %s\r\nServer: pith-httpd\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%s%s\r\n",
			 status, reason, type, len, extra,
			 c->close_after ? "Connection: close\r\n" : "");

	c->head_len = (size_t)n;
	c->head_off = 0;
	c->body = head_only ? NULL : body;
	c->body_len = head_only ? 0 : len;
	c->body_off = 0;
}

static void conn__error(struct conn *c, int status, const char *reason)
{
	static char msg[64];
	int n = snprintf(msg, sizeof(msg), "%d %s\n", status, reason);

	if (status == 400 || status == 431)
		c->close_after = true;
	conn__respond(c, status, reason, "text/plain", msg, (size_t)n, false);
}

/* Finds a header's value in [hdrs, end) (case-insensitive name); NULL if absent. */
static const char *header__find(const char *hdrs, const char *end, const char *name, size_t *len)
{
	size_t nlen = strlen(name);

	for (const char *p = hdrs; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			break;
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' && !strncasecmp(p, name, nlen)) {
			const char *v = p + nlen + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*len = (size_t)(eol - v) - (eol > v && eol[-1] == '\r');
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

static bool value__is(const char *v, size_t len, const char *want)
{
	return v && len == strlen(want) && !strncasecmp(v, want, len);
}

/* Keep-alive (RFC 9112 section 9.3): 1.1 unless "close", 1.0 only with "keep-alive". */
static bool request__keep_alive(bool http11, const char *hdrs, const char *end)
{
	size_t len = 0;
	const char *v = header__find(hdrs, end, "Connection", &len);

	if (http11)
		return !value__is(v, len, "close");
	return value__is(v, len, "keep-alive");
}

/* The body a path names, or NULL (404). */
static const char *path__body(const char *path, size_t plen, const char **type, size_t *len)
{
	*type = "text/plain";
	if ((plen == 1 && path[0] == '/') || (plen == 11 && !memcmp(path, "/index.html", 11))) {
		*type = "text/html; charset=utf-8";
		*len = sizeof(index_html) - 1;
		return index_html;
	}
	if (plen == 4 && !memcmp(path, "/big", 4)) {
		if (!srv.big)
			srv.big = big_body__make();
		*type = "application/octet-stream";
		*len = (size_t)BIG_LINES * BIG_LINE;
		return srv.big; /* NULL (no memory): conn__route answers 503 */
	}
	if (plen == 6 && !memcmp(path, "/stats", 6))
		return stats__text(len);
	return NULL;
}

/* A request's body is skipped (Content-Length); chunked bodies are not supported. -1: bad. */
static long request__body_len(const char *hdrs, const char *end)
{
	size_t len = 0;
	const char *v = header__find(hdrs, end, "Transfer-Encoding", &len);
	char num[24];

	if (v)
		return -1;
	v = header__find(hdrs, end, "Content-Length", &len);
	if (!v)
		return 0;
	if (len == 0 || len >= sizeof(num) || strspn(v, "0123456789") < len)
		return -1;
	memcpy(num, v, len);
	num[len] = 0;
	return strtol(num, NULL, 10);
}

/* Content-Type from a file name's extension. */
static const char *file__type(const char *path)
{
	static const char *const types[][2] = {
	    {".html", "text/html; charset=utf-8"},
	    {".htm", "text/html; charset=utf-8"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".css", "text/css"},
	    {".js", "text/javascript"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".jpeg", "image/jpeg"},
	    {".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && !strchr(dot, '/') && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* Whether ".." appears anywhere in the path (refused: nothing outside the root is served). */
static bool path__has_dotdot(const char *p, size_t plen)
{
	for (size_t i = 1; i < plen; i++)
		if (p[i - 1] == '.' && p[i] == '.')
			return true;
	return false;
}

/* Opens path as a regular file (fd, its size in *size), or -1; a directory: its index.html. */
static int file__open(char *path, size_t cap, off_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t n = strlen(path);

		close(fd);
		fd = -1;
		if (snprintf(path + n, cap - n, "%sindex.html",
			     n && path[n - 1] == '/' ? "" : "/") < (int)(cap - n))
			return file__open(path, cap, size);
	}
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	*size = fd >= 0 ? st.st_size : 0;
	return fd;
}

/*
 * Serves the file the path names under the document root; false if the path is a built-in
 * page (that index.html did not replace) or names no file. A path with ".." is a 404.
 */
static bool conn__file(struct conn *c, const char *p, size_t plen, bool head)
{
	bool index = (plen == 1 && p[0] == '/') || (plen == 11 && !memcmp(p, "/index.html", 11));
	char path[PATH_LEN];
	off_t size;

	bool builtin =
	    (plen == 4 && !memcmp(p, "/big", 4)) || (plen == 6 && !memcmp(p, "/stats", 6));

	if (index ? !srv.root_index : builtin)
		return false;
	if (path__has_dotdot(p, plen) || memchr(p, 0, plen) ||
	    snprintf(path, sizeof(path), "%s%.*s", srv.root, (int)plen, p) >= (int)sizeof(path))
		return false;
	c->file = file__open(path, sizeof(path), &size);
	if (c->file < 0)
		return false;
	conn__respond(c, 200, "OK", file__type(path), NULL, (size_t)size, true);
	c->file_off = 0;
	c->file_end = size;
	if (head || size == 0)
		conn__file_done(c);
	return true;
}

/* Answers a well-formed request for a method (m, mlen) and path (p, plen). */
static void conn__route(struct conn *c, const char *m, size_t mlen, const char *p, size_t plen)
{
	bool head = mlen == 4 && !memcmp(m, "HEAD", 4);
	const char *type, *body;
	size_t len = 0;

	if (!head && (mlen != 3 || memcmp(m, "GET", 3))) {
		conn__error(c, 405, "Method Not Allowed");
		return;
	}
	if (memchr(p, '?', plen))
		plen = (size_t)((const char *)memchr(p, '?', plen) - p);
	if (conn__file(c, p, plen, head))
		return;
	body = path__body(p, plen, &type, &len);
	if (body)
		conn__respond(c, 200, "OK", type, body, len, head);
	else if (plen == 4 && !memcmp(p, "/big", 4))
		conn__error(c, 503, "Service Unavailable");
	else if (head)
		conn__respond(c, 404, "Not Found", "text/plain", NULL, 10, true);
	else
		conn__error(c, 404, "Not Found");
}

/* Answers one complete request of hlen bytes at c->in (request line + headers + blank line). */
static void conn__handle(struct conn *c, size_t hlen)
{
	const char *req = c->in, *end = c->in + hlen;
	const char *eol = memchr(req, '\n', hlen);
	const char *sp1 = memchr(req, ' ', (size_t)(eol - req));
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	long blen = request__body_len(eol + 1, end);

	if (!sp2 || sp1[1] != '/' || (size_t)(eol - sp2) < 9 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    blen < 0) {
		conn__error(c, 400, "Bad Request");
		return;
	}
	c->skip = (size_t)blen;
	c->close_after = !request__keep_alive(sp2[8] == '1', eol + 1, end);
	conn__route(c, req, (size_t)(sp1 - req), sp1 + 1, (size_t)(sp2 - sp1 - 1));
}

/* Takes the next complete request out of the buffer, if any; true if one was answered. */
static bool conn__next_request(struct conn *c)
{
	size_t n;

	n = c->skip < c->in_len ? c->skip : c->in_len;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
	c->skip -= n;
	if (c->skip)
		return false;
	for (size_t i = 3; i < c->in_len; i++) {
		if (memcmp(c->in + i - 3, "\r\n\r\n", 4))
			continue;
		conn__handle(c, i + 1);
		memmove(c->in, c->in + i + 1, c->in_len - i - 1);
		c->in_len -= i + 1;
		return true;
	}
	if (c->in_len == sizeof(c->in))
		conn__error(c, 431, "Request Header Fields Too Large");
	return c->in_len == sizeof(c->in);
}

static bool conn__mem_pending(const struct conn *c)
{
	return c->head_off < c->head_len || c->body_off < c->body_len;
}

static bool conn__pending(const struct conn *c)
{
	return conn__mem_pending(c) || c->file >= 0;
}

/* Reads the next piece of the file for the fallback; -1 at an early end or an error. */
static int conn__fill(struct conn *c)
{
	size_t want = c->file_end - c->file_off < FBUF ? (size_t)(c->file_end - c->file_off) : FBUF;
	ssize_t n;

	if (!c->fbuf && !(c->fbuf = malloc(FBUF)))
		return -1;
	n = pread(c->file, c->fbuf, want, c->file_off);
	if (n <= 0)
		return -1;
	c->fbuf_len = (size_t)n;
	c->fbuf_off = 0;
	c->file_off += n;
	return 0;
}

/*
 * Sends the file after the headers: sendfile, or read + write once sendfile said EINVAL or
 * ENOSYS. A file that ends early (it shrank) ends the connection, as its length was promised.
 */
static int conn__send_file(struct conn *c)
{
	while (c->file_off < c->file_end || c->fbuf_off < c->fbuf_len) {
		ssize_t n = 0;

		if (!c->fbuf)
			n = sendfile(c->fd, c->file, &c->file_off,
				     (size_t)(c->file_end - c->file_off));
		if (!c->fbuf && n > 0)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if ((n == 0 && !c->fbuf) || (n < 0 && errno != EINVAL && errno != ENOSYS) ||
		    (c->fbuf_off == c->fbuf_len && conn__fill(c) < 0)) {
			c->close_after = true;
			break;
		}
		n = write(c->fd, c->fbuf + c->fbuf_off, c->fbuf_len - c->fbuf_off);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->fbuf_off += (size_t)n;
	}
	conn__file_done(c);
	return 0;
}

/* Sends what it can of the pending response. -1: the connection is dead. */
static int conn__flush(struct conn *c)
{
	while (conn__mem_pending(c)) {
		struct iovec iov[2] = {
		    {c->head + c->head_off, c->head_len - c->head_off},
		    {(char *)c->body + c->body_off, c->body_len - c->body_off},
		};
		ssize_t n = writev(c->fd, iov, 2);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		size_t h = (size_t)n < iov[0].iov_len ? (size_t)n : iov[0].iov_len;
		c->head_off += h;
		c->body_off += (size_t)n - h;
	}
	return c->file >= 0 ? conn__send_file(c) : 0;
}

static void conn__close(struct conn *c)
{
	conn__file_done(c);
	close(c->fd);
	free(c);
	srv.open--;
}

/* Watches for input when idle, for output while a response is pending. */
static void conn__watch(struct conn *c)
{
	struct epoll_event ev = {.events = conn__pending(c) ? EPOLLOUT : EPOLLIN, .data.ptr = c};

	epoll_ctl(srv.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Answers requests until one cannot be sent at once, or the buffer has no complete request. */
static int conn__serve(struct conn *c)
{
	for (;;) {
		if (conn__flush(c) < 0)
			return -1;
		if (conn__pending(c))
			return 0;
		if (c->close_after)
			return -1;
		if (!conn__next_request(c))
			return 0;
	}
}

/* Reads what has arrived; -1 on end of stream or error. */
static int conn__read(struct conn *c)
{
	while (c->in_len < sizeof(c->in)) {
		ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);

		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->in_len += (size_t)n;
		if (conn__serve(c) < 0)
			return -1;
		if (conn__pending(c))
			return 0;
	}
	return 0;
}

static void conn__event(struct conn *c, unsigned events)
{
	int r = (events & EPOLLIN) ? conn__read(c) : conn__serve(c);

	if (r == 0 && !(events & EPOLLIN) && !conn__pending(c))
		r = conn__read(c);
	if (r < 0) {
		conn__close(c);
		return;
	}
	conn__watch(c);
}

static void server__accept(void)
{
	for (;;) {
		int fd = accept4(srv.lfd, NULL, NULL, SOCK_NONBLOCK);
		struct conn *c;

		if (fd < 0)
			return;
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		memset(c, 0, offsetof(struct conn, in));
		c->fd = fd;
		c->file = -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(srv.ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		srv.open++;
		srv.accepted++;
	}
}

static int server__listen(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		perror("httpd: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 511) < 0) {
		perror("httpd: bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

static int server__loop(int idle_s)
{
	struct epoll_event evs[EVENTS_MAX];

	for (;;) {
		int n = epoll_wait(srv.ep, evs, EVENTS_MAX, idle_s > 0 ? idle_s * 1000 : -1);

		if (n < 0 && errno != EINTR) {
			perror("httpd: epoll_wait");
			return 1;
		}
		if (n == 0) {
			printf("httpd: idle for %d s after %lu connections, exiting\n", idle_s,
			       srv.accepted);
			return 0;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &srv)
				server__accept();
			else
				conn__event(evs[i].data.ptr, evs[i].events);
		}
	}
}

/* The document root without trailing slashes, and whether it holds an index.html. */
static void server__root(char *root)
{
	char path[PATH_LEN];
	struct stat st;
	size_t n = strlen(root);

	while (n && root[n - 1] == '/')
		root[--n] = 0;
	srv.root = root;
	snprintf(path, sizeof(path), "%s/index.html", root);
	srv.root_index = stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 80;
	int idle_s = argc > 2 ? atoi(argv[2]) : 0;

	if (port <= 0 || port > 65535 || idle_s < 0 || argc > 4 ||
	    (argc > 3 && (argv[3][0] != '/' || strlen(argv[3]) >= PATH_LEN / 2))) {
		fprintf(stderr, "usage: httpd [PORT [IDLE-SECONDS [ROOT]]] (ROOT: absolute)\n");
		return 2;
	}
	server__root(argc > 3 ? argv[3] : (char[]){"/"});
	signal(SIGPIPE, SIG_IGN);
	srv.lfd = server__listen(port);
	srv.ep = epoll_create1(0);
	if (srv.lfd < 0 || srv.ep < 0) {
		fprintf(stderr, "httpd: cannot start (socket or epoll)\n");
		return 1;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &srv};
	epoll_ctl(srv.ep, EPOLL_CTL_ADD, srv.lfd, &ev);
	printf("httpd: listening on :%d\n", port);
	fflush(stdout);
	return server__loop(idle_s);
}
