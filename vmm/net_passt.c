/* User-mode networking: passt, started by pith run, and any socket with qemu's stream framing. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "rawsys.h"

/*
 * The stream framing (qemu's "stream" netdev, passt's socket): every Ethernet frame is preceded
 * by its length as 4 bytes, big-endian. A frame shorter than an Ethernet header or longer than
 * 65535 bytes means the peer is broken or not speaking the framing: the backend fails.
 */
#define STREAM_HDR	 4
#define STREAM_FRAME_MIN 14
#define STREAM_FRAME_MAX 65535
#define STREAM_RBUF	 (256 * 1024) /* several frames per read() */

struct stream {
	size_t rstart, rend; /* received, not yet taken: rbuf[rstart, rend) */
	size_t woff, wlen;   /* the rest of a partly sent frame: wbuf[woff, wlen) */
	uint8_t rbuf[STREAM_RBUF];
	uint8_t wbuf[STREAM_HDR + STREAM_FRAME_MAX];
};

/* The length of the next whole frame in the receive buffer; 0 if there is none yet; -1 bad. */
static ssize_t stream__next(const struct stream *s)
{
	const uint8_t *p = s->rbuf + s->rstart;
	uint32_t len;

	if (s->rend - s->rstart < STREAM_HDR)
		return 0;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (len < STREAM_FRAME_MIN || len > STREAM_FRAME_MAX)
		return -1;
	return s->rend - s->rstart >= STREAM_HDR + len ? (ssize_t)len : 0;
}

/* Reads more bytes: > 0 some came, 0 none now, -1 the peer closed or the socket failed. */
static ssize_t stream__fill(int fd, struct stream *s)
{
	ssize_t n;

	if (STREAM_RBUF - s->rend < STREAM_HDR + STREAM_FRAME_MAX) {
		memmove(s->rbuf, s->rbuf + s->rstart, s->rend - s->rstart);
		s->rend -= s->rstart;
		s->rstart = 0;
	}
	do
		n = read(fd, s->rbuf + s->rend, STREAM_RBUF - s->rend);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		s->rend += (size_t)n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return n > 0 ? n : -1;
}

/*
 * One frame into buf. A frame longer than cap is consumed, cap bytes of it copied, and its
 * full length returned (the I/O thread drops it as too big for the guest's buffer).
 */
static ssize_t stream__recv(struct net_backend *b, struct pith_net_desc *d, void *buf, size_t cap)
{
	struct stream *s = b->priv;
	ssize_t len, n;

	d->flags = d->gso_type = 0;
	d->gso_size = d->hdr_len = d->csum_start = d->csum_offset = 0;
	while ((len = stream__next(s)) == 0) {
		n = stream__fill(b->fd, s);
		if (n <= 0)
			return n;
	}
	if (len < 0)
		return -1;
	memcpy(buf, s->rbuf + s->rstart + STREAM_HDR, (size_t)len < cap ? (size_t)len : cap);
	s->rstart += STREAM_HDR + (size_t)len;
	if (s->rstart == s->rend)
		s->rstart = s->rend = 0;
	return len;
}

/* sendmsg without SIGPIPE: bytes written, 0 if the socket is full, -1 if it failed. */
static ssize_t stream__write(int fd, struct iovec *iov, int iovcnt)
{
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = iovcnt};
	ssize_t n;

	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return n;
}

/* Sends the rest of a partly sent frame: 1 nothing left, 0 some still left, -1 failed. */
static int stream__flush(struct net_backend *b)
{
	struct stream *s = b->priv;

	while (s->woff < s->wlen) {
		struct iovec iov = {s->wbuf + s->woff, s->wlen - s->woff};
		ssize_t n = stream__write(b->fd, &iov, 1);

		if (n <= 0)
			return (int)n;
		s->woff += (size_t)n;
	}
	s->woff = s->wlen = 0;
	return 1;
}

/*
 * One frame, after the rest of the previous one (frames never interleave). What the socket does
 * not take of it now is kept and sent first next time: 1 taken, 0 full, -1 failed.
 */
static int stream__send(struct net_backend *b, const struct pith_net_desc *d, const void *frame,
			size_t len)
{
	struct stream *s = b->priv;
	uint8_t hdr[STREAM_HDR] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
				   (uint8_t)len};
	struct iovec iov[2] = {{hdr, STREAM_HDR}, {(void *)frame, len}};
	int rc = stream__flush(b);
	ssize_t n;

	(void)d;
	if (rc <= 0)
		return rc;
	if (len < STREAM_FRAME_MIN || len > STREAM_FRAME_MAX) {
		b->send_drops++; /* cannot be framed: dropped for good */
		return 1;
	}
	n = stream__write(b->fd, iov, 2);
	if (n <= 0)
		return (int)n;
	if ((size_t)n < STREAM_HDR + len) {
		memcpy(s->wbuf, hdr, STREAM_HDR);
		memcpy(s->wbuf + STREAM_HDR, frame, len);
		s->woff = (size_t)n;
		s->wlen = STREAM_HDR + len;
	}
	return 1;
}

/* Makes b a stream backend on the connected socket fd (which it now owns). */
static int stream__init(struct net_backend *b, int fd, const char *name, char *err, size_t errlen)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot set up the %s network backend: %s; check free memory",
			 name, strerror(errno));
		free(s);
		close(fd);
		return -1;
	}
	*b = (struct net_backend){.name = name,
				  .fd = fd,
				  .recv = stream__recv,
				  .send = stream__send,
				  .flush = stream__flush,
				  .priv = s};
	return 0;
}

int net_stream__open(struct net_backend *b, const struct net_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(cfg->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--net socket:%s: the path is too long (at most %zu bytes)",
			 cfg->socket_path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, cfg->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen,
			 "cannot connect to %s: %s; start the program that listens there",
			 cfg->socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return stream__init(b, fd, "socket", err, errlen);
}

/* ---- passt: started here, on one end of a socket pair; it goes when that end closes ---- */

#define PASST_ARGS_MAX	 (24 + 2 * NET_PORTS_MAX)
#define PASST_ARG_LEN	 40
#define PASST_START_NS	 (3000000000ull) /* the most passt may take to get ready */
#define PASST_POLL_NS	 500000ull
#define PASST_REASON_MAX 4096

struct passt_argv {
	char *argv[PASST_ARGS_MAX + 1];
	char text[PASST_ARGS_MAX][PASST_ARG_LEN];
	int n;
};

/* What the child needs; it runs on our memory (CLONE_VM) before exec: raw system calls only. */
struct passt_spawn {
	const char *path;
	char *const *argv;
	char *const *envp;
	int sock, errfd, nullfd;
	long parent;
	sigset_t mask; /* the caller's signal mask, passt's too */
};

extern char **environ;

/* passt's path on $PATH, in path; 0, or -1 if it is not there. */
static int passt__find(char *path, size_t len)
{
	const char *dirs = getenv("PATH");
	struct stat st;

	if (!dirs)
		dirs = "/usr/local/bin:/bin:/usr/bin";
	for (;;) {
		size_t n = strcspn(dirs, ":");

		snprintf(path, len, "%.*s/passt", (int)(n ? n : 1), n ? dirs : ".");
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return 0;
		if (!dirs[n])
			return -1;
		dirs += n + 1;
	}
}

__attribute__((format(printf, 2, 3))) static void argv__add(struct passt_argv *a, const char *fmt,
							    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->text[a->n], PASST_ARG_LEN, fmt, ap);
	va_end(ap);
	a->argv[a->n] = a->text[a->n];
	a->argv[++a->n] = NULL;
}

static const char *addr__text(uint32_t addr, char *buf)
{
	return inet_ntop(AF_INET, &(struct in_addr){.s_addr = addr}, buf, INET_ADDRSTRLEN);
}

/*
 * passt in the foreground, quiet, errors on stderr, IPv4 only (the guest's stack is), on fd 3,
 * gone when that closes (-1); the MTU it tells the guest by DHCP; the static address, gateway
 * and name server if given, so that passt and the guest agree; one -t/-u per published port
 * ("[ADDR/]HOST:GUEST", passt(1)).
 */
static void passt__argv(struct passt_argv *a, const struct net_config *cfg)
{
	char t[INET_ADDRSTRLEN];

	a->n = 0;
	for (const char *const *s =
		 (const char *const[]){"passt", "-f", "-q", "-e", "-1", "-4", "-F", "3", NULL};
	     *s; s++)
		argv__add(a, "%s", *s);
	argv__add(a, "-m");
	argv__add(a, "%u", cfg->mtu ? cfg->mtu : 1500);
	if (!cfg->dhcp) {
		argv__add(a, "-a");
		argv__add(a, "%s", addr__text(cfg->ip, t));
		argv__add(a, "-n");
		argv__add(a, "%u", cfg->prefix_len);
	}
	if (!cfg->dhcp && cfg->gateway) {
		argv__add(a, "-g");
		argv__add(a, "%s", addr__text(cfg->gateway, t));
	}
	if (cfg->dns) {
		argv__add(a, "-D");
		argv__add(a, "%s", addr__text(cfg->dns, t));
	}
	for (unsigned k = 0; k < cfg->nports; k++) {
		const struct net_port *p = &cfg->ports[k];

		argv__add(a, p->udp ? "-u" : "-t");
		argv__add(a, "%s%s%u:%u", p->host_addr ? addr__text(p->host_addr, t) : "",
			  p->host_addr ? "/" : "", p->host, p->guest);
	}
}

/* Whether raw dup2(from, to) left `to` open across exec. */
static int fd__give(int from, int to)
{
	if (from == to)
		return rawsys__call3(SYS_fcntl, to, F_SETFD, 0) < 0 ? -1 : 0;
	return rawsys__call3(SYS_dup2, from, to, 0) < 0 ? -1 : 0;
}

/*
 * The child, until exec: dies with its parent (while it is still root: passt drops to nobody,
 * which clears this, and then relies on -1), leaves the terminal's process group (a ^C is for
 * pith), keeps only /dev/null, its stderr file and its socket (fd 3).
 */
static int passt__child(void *arg)
{
	const struct passt_spawn *sp = arg;

	rawsys__call5(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (rawsys__call3(SYS_getppid, 0, 0, 0) != sp->parent)
		rawsys__call3(SYS_exit, 127, 0, 0);
	rawsys__call3(SYS_setpgid, 0, 0, 0);
	if (fd__give(sp->nullfd, 0) < 0 || fd__give(sp->errfd, 1) < 0 ||
	    fd__give(sp->errfd, 2) < 0 || fd__give(sp->sock, 3) < 0)
		rawsys__call3(SYS_exit, 127, 0, 0);
	rawsys__call3(SYS_close_range, 4, ~0u, 0);
	rawsys__call5(SYS_rt_sigprocmask, SIG_SETMASK, (long)&sp->mask, 0, 8 /* kernel sigset */,
		      0);
	rawsys__call3(SYS_execve, (long)sp->path, (long)sp->argv, (long)sp->envp);
	rawsys__call3(SYS_exit, 127, 0, 0);
	return 0;
}

/*
 * Starts the child sharing our memory and suspending us until its exec (no copy of the
 * guest's memory mappings, as fork would make), with every signal blocked meanwhile.
 */
static pid_t passt__spawn(struct passt_spawn *sp)
{
	static _Alignas(16) char stack[16 * 1024];
	sigset_t all;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &sp->mask);
	sp->parent = getpid();
	pid = clone(passt__child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, sp);
	sigprocmask(SIG_SETMASK, &sp->mask, NULL);
	return pid;
}

/* passt binds a port that is in use without a word: see that it is free first. */
static int port__check_free(const struct net_port *p, char *err, size_t errlen)
{
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(p->host), .sin_addr.s_addr = p->host_addr};
	int fd = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), one = 1;
	const char *proto = p->udp ? "udp" : "tcp";
	char t[INET_ADDRSTRLEN];
	int rc, e;

	if (fd < 0)
		return 0; /* cannot tell: passt will try */
	if (!p->udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	close(fd);
	if (rc == 0)
		return 0;
	if (e == EADDRINUSE)
		snprintf(err, errlen,
			 "host port %u/%s is already in use; choose another HOST in -p "
			 "HOST:GUEST",
			 p->host, proto);
	else if (e == EACCES)
		snprintf(err, errlen,
			 "host port %u/%s needs privileges; choose a HOST port from "
			 "1024 up, or run as root",
			 p->host, proto);
	else if (e == EADDRNOTAVAIL)
		snprintf(err, errlen,
			 "-p %s:%u:%u: %s is not an address of this host; give one of "
			 "its addresses, e.g. 127.0.0.1",
			 addr__text(p->host_addr, t), p->host, p->guest, t);
	else
		snprintf(err, errlen, "cannot bind host port %u/%s: %s; choose another HOST port",
			 p->host, proto, strerror(e));
	return -1;
}

/* Whether /proc/net/FILE shows a socket on local port `port` in state `state`. */
static bool proc_net__has(const char *file, unsigned port, unsigned state)
{
	FILE *f = fopen(file, "re");
	char line[256];
	unsigned lport, st;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found =
		    sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &lport, &st) == 2 &&
		    lport == port && st == state;
	fclose(f);
	return found;
}

/* Every published port is listening (TCP) or bound (UDP). */
static bool passt__ports_ready(const struct net_config *cfg)
{
	for (unsigned k = 0; k < cfg->nports; k++) {
		const struct net_port *p = &cfg->ports[k];
		unsigned state = p->udp ? 7 : 10; /* TCP_CLOSE for UDP, TCP_LISTEN */

		if (!proc_net__has(p->udp ? "/proc/net/udp" : "/proc/net/tcp", p->host, state) &&
		    !proc_net__has(p->udp ? "/proc/net/udp6" : "/proc/net/tcp6", p->host, state))
			return false;
	}
	return true;
}

/*
 * passt has set itself up: it isolates itself (a new user namespace; as root it also becomes
 * nobody, and its /proc entries may close to us) only after it has read its options and bound
 * the published ports.
 */
static bool passt__isolated(pid_t pid)
{
	char path[64], mine[64], its[64];
	ssize_t a = readlink("/proc/self/ns/user", mine, sizeof(mine)), b;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	b = readlink(path, its, sizeof(its));
	if (b < 0)
		return errno == EACCES || errno == EPERM;
	return a != b || memcmp(mine, its, (size_t)b) != 0;
}

/* What passt said before it exited, without its syslog complaints and its usage text. */
static void passt__reason(int errfd, char *out, size_t outlen)
{
	char buf[PASST_REASON_MAX], *save = NULL;
	ssize_t n = pread(errfd, buf, sizeof(buf) - 1, 0);
	size_t used = 0;

	out[0] = 0;
	buf[n > 0 ? n : 0] = 0;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "Usage:", 6) == 0)
			break;
		if (strncmp(l, "Failed to send", 14) == 0 ||
		    strncmp(l, "Don't run as root", 17) == 0)
			continue;
		if (used < outlen)
			used += (size_t)snprintf(out + used, outlen - used, "%s%s",
						 used ? ": " : "", l);
	}
}

static uint64_t clock__ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Waits (boundedly) until passt is ready: 0, or -1 with why not (it is then gone). */
static int passt__wait_ready(pid_t pid, const struct net_config *cfg, int errfd, char *err,
			     size_t errlen)
{
	uint64_t deadline = clock__ns() + PASST_START_NS;
	char reason[512];
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (passt__isolated(pid) && passt__ports_ready(cfg))
			return 0;
		if (clock__ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			snprintf(err, errlen,
				 "passt did not get ready in %llu s; try again, or use "
				 "--net tap:NAME",
				 PASST_START_NS / 1000000000ull);
			return -1;
		}
		nanosleep(&(struct timespec){.tv_nsec = PASST_POLL_NS}, NULL);
	}
	passt__reason(errfd, reason, sizeof(reason));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !reason[0])
		snprintf(err, errlen,
			 "passt could not be started; check that it runs ('passt "
			 "--version')");
	else
		snprintf(err, errlen, "passt stopped at its start: %s; see 'man passt'",
			 reason[0] ? reason : "(it said nothing)");
	return -1;
}

/* Closes the fds that exist (>= 0). */
static void fds__close(const int *fds, int n)
{
	for (int k = 0; k < n; k++)
		if (fds[k] >= 0)
			close(fds[k]);
}

/*
 * Runs passt on one end of a new socket pair and waits until it is ready; returns the other
 * end, or -1 with a message in err.
 */
static int passt__start(const char *path, const struct net_config *cfg, char *err, size_t errlen)
{
	static struct passt_argv args;
	struct passt_spawn sp = {.path = path, .argv = args.argv, .envp = environ};
	int sv[2] = {-1, -1}, fds[2];
	pid_t pid;

	passt__argv(&args, cfg);
	sp.errfd = memfd_create("passt-stderr", MFD_CLOEXEC);
	sp.nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (sp.errfd < 0 || sp.nullfd < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, errlen,
			 "cannot set up passt's socket: %s; check the limit on open "
			 "files (ulimit -n)",
			 strerror(errno));
		fds__close((int[]){sp.errfd, sp.nullfd, sv[0], sv[1]}, 4);
		return -1;
	}
	sp.sock = sv[1];
	pid = passt__spawn(&sp);
	fds__close((int[]){sp.nullfd, sv[1]}, 2);
	if (pid < 0)
		snprintf(err, errlen, "cannot start passt: %s; check the limit on processes",
			 strerror(errno));
	fds[0] = sp.errfd;
	fds[1] = sv[0];
	if (pid < 0 || passt__wait_ready(pid, cfg, sp.errfd, err, errlen) < 0) {
		fds__close(fds, 2);
		return -1;
	}
	close(sp.errfd);
	return sv[0];
}

int net_passt__open(struct net_backend *b, const struct net_config *cfg, char *err, size_t errlen)
{
	char path[4096];
	int fd;

	if (passt__find(path, sizeof(path)) < 0) {
		snprintf(err, errlen,
			 "passt is not installed; install Debian's passt package "
			 "(apt-get install passt) or use --net tap:NAME");
		return -1;
	}
	for (unsigned k = 0; k < cfg->nports; k++)
		if (port__check_free(&cfg->ports[k], err, errlen) < 0)
			return -1;
	fd = passt__start(path, cfg, err, errlen);
	if (fd < 0)
		return -1;
	return stream__init(b, fd, "passt", err, errlen);
}
