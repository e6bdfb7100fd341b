/* Density benchmark helper: probes many HTTP servers at once; reaps orphans as a subreaper. */
/*
 * Usage:
 *   density_probe probe START_NS TIMEOUT_S FILE
 *       FILE holds one IPv4 address a line (port 80). Every address gets non-blocking connects
 *       (at most MAX_INFLIGHT at once), a "GET / HTTP/1.0" and counts as answered when the reply
 *       starts with "HTTP/1.". A refused, unreachable or silent attempt (ATTEMPT_MS) is retried
 *       after RETRY_MS, until all answered or TIMEOUT_S passed. Prints "answered A of N" and
 *       "all_answer_s S" (CLOCK_REALTIME from START_NS, in ns, to the last first answer) on
 *       stdout; exits 0 iff all answered.
 *   density_probe reap [--] CMD [ARGS...]
 *       Becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER, see prctl(2)), runs CMD, and
 *       reaps every descendant that gets reparented to it until none is left (those still alive
 *       GRACE_S seconds after CMD ended are killed, with a warning); exits with CMD's status.
 * Needed here because PID 1 on these machines does not reap orphans: detached containers and
 * keepers would otherwise stay zombies. SIGINT/SIGTERM/SIGHUP are ignored by the reaper itself (CMD
 * gets them from the terminal and cleans up).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS  65536
#define MAX_INFLIGHT 1024
#define ATTEMPT_MS   1000
#define RETRY_MS     50
#define GRACE_S	     30

enum state { IDLE, CONNECTING, SENT, DONE };

struct target {
	struct sockaddr_in addr;
	enum state state;
	int fd;
	double due_ms; /* IDLE: next attempt; CONNECTING/SENT: give up the attempt */
};

struct probe {
	struct target *t;
	int n, answered, inflight, ep;
	double last_answer_ms;
};

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads one address a line from path into p->t; returns 0 or -1. */
static int probe__load(struct probe *p, const char *path)
{
	char line[64];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	p->t = calloc(MAX_TARGETS, sizeof(*p->t));
	while (p->t && p->n < MAX_TARGETS && fgets(line, sizeof(line), f)) {
		struct target *t = &p->t[p->n];

		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		if (inet_pton(AF_INET, line, &t->addr.sin_addr) != 1) {
			fprintf(stderr, "density_probe: bad address '%s'\n", line);
			fclose(f);
			return -1;
		}
		t->addr.sin_family = AF_INET;
		t->addr.sin_port = htons(80);
		t->fd = -1;
		p->n++;
	}
	fclose(f);
	return p->t ? 0 : -1;
}

/* Ends the current attempt of t; answered: done, otherwise retried after RETRY_MS. */
static void probe__finish(struct probe *p, struct target *t, int answered, double now)
{
	if (t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
		p->inflight--;
	}
	t->state = answered ? DONE : IDLE;
	t->due_ms = now + RETRY_MS;
	if (answered) {
		p->answered++;
		p->last_answer_ms = now;
	}
}

/* Starts a non-blocking connect to t. */
static void probe__connect(struct probe *p, struct target *t, double now)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = t};

	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		t->due_ms = now + RETRY_MS;
		return;
	}
	p->inflight++;
	t->state = CONNECTING;
	t->due_ms = now + ATTEMPT_MS;
	if ((connect(t->fd, (struct sockaddr *)&t->addr, sizeof(t->addr)) != 0 &&
	     errno != EINPROGRESS) ||
	    epoll_ctl(p->ep, EPOLL_CTL_ADD, t->fd, &ev) != 0)
		probe__finish(p, t, 0, now);
}

/* The connect finished: send the request and wait for the reply. */
static void probe__send(struct probe *p, struct target *t, double now)
{
	static const char req[] = "GET / HTTP/1.0\r\nHost: pden\r\n\r\n";
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = t};
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0 ||
	    write(t->fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1 ||
	    epoll_ctl(p->ep, EPOLL_CTL_MOD, t->fd, &ev) != 0) {
		probe__finish(p, t, 0, now);
		return;
	}
	t->state = SENT;
}

/* The reply (or its start) arrived. */
static void probe__receive(struct probe *p, struct target *t, double now)
{
	char buf[16];
	ssize_t got = read(t->fd, buf, sizeof(buf));

	probe__finish(p, t, got >= 7 && !memcmp(buf, "HTTP/1.", 7), now);
}

/* Starts due attempts and abandons attempts that took too long. */
static void probe__scan(struct probe *p, double now)
{
	for (int i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];

		if (t->state == DONE || t->due_ms > now)
			continue;
		if (t->state != IDLE)
			probe__finish(p, t, 0, now);
		else if (p->inflight < MAX_INFLIGHT)
			probe__connect(p, t, now);
	}
}

static void probe__events(struct probe *p)
{
	struct epoll_event evs[256];
	int k = epoll_wait(p->ep, evs, 256, 10);
	double now = now_ms(CLOCK_REALTIME);

	for (int i = 0; i < k; i++) {
		struct target *t = evs[i].data.ptr;

		if (t->state == CONNECTING)
			probe__send(p, t, now);
		else if (t->state == SENT)
			probe__receive(p, t, now);
	}
}

static int probe__main(int argc, char **argv)
{
	struct probe p = {0};
	struct rlimit rl = {MAX_INFLIGHT + 64, MAX_INFLIGHT + 64};
	double start, deadline;

	if (argc != 5) {
		fprintf(stderr, "usage: density_probe probe START_NS TIMEOUT_S FILE\n");
		return 2;
	}
	start = strtod(argv[2], NULL) / 1e6;
	deadline = now_ms(CLOCK_REALTIME) + atof(argv[3]) * 1e3;
	setrlimit(RLIMIT_NOFILE, &rl);
	p.ep = epoll_create1(EPOLL_CLOEXEC);
	if (p.ep < 0 || probe__load(&p, argv[4]) != 0) {
		perror("density_probe");
		return 2;
	}
	while (p.answered < p.n && now_ms(CLOCK_REALTIME) < deadline) {
		probe__scan(&p, now_ms(CLOCK_REALTIME));
		probe__events(&p);
	}
	printf("answered %d of %d\n", p.answered, p.n);
	if (p.answered == p.n)
		printf("all_answer_s %.3f\n", (p.last_answer_ms - start) / 1e3);
	return p.answered == p.n ? 0 : 1;
}

/* Kills every remaining child (adopted orphans the command's cleanup missed); returns how many. */
static int reaper__kill_children(void)
{
	char path[64], line[256];
	int killed = 0;

	for (pid_t pid = 2; pid < 4194304; pid++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "PPid:", 5) && atoi(line + 5) == getpid() &&
			    !kill(pid, SIGKILL))
				killed++;
		fclose(f);
	}
	return killed;
}

/*
 * Waits for CMD and every adopted orphan; returns CMD's status as an exit code. Orphans still
 * alive GRACE_S seconds after CMD ended are killed (with a warning): a leak, not a hang.
 */
static int reaper__wait(pid_t cmd)
{
	int status, result = 1, cmd_done = 0, polls = 0;
	pid_t pid;

	for (;;) {
		pid = cmd_done ? waitpid(-1, &status, WNOHANG) : wait(&status);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return result;
		if (pid == cmd) {
			cmd_done = 1;
			result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (pid == 0 && ++polls == 10 * GRACE_S)
			fprintf(stderr, "density_probe: killed %d leftover processes\n",
				reaper__kill_children());
		if (pid == 0)
			usleep(100000);
	}
}

static int reaper__main(int argc, char **argv)
{
	int first = argc > 2 && !strcmp(argv[2], "--") ? 3 : 2;
	pid_t pid;

	if (first >= argc) {
		fprintf(stderr, "usage: density_probe reap [--] CMD [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("density_probe: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[first], argv + first);
		perror("density_probe: exec");
		_exit(127);
	}
	if (pid < 0) {
		perror("density_probe: fork");
		return 2;
	}
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	return reaper__wait(pid);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "probe"))
		return probe__main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "reap"))
		return reaper__main(argc, argv);
	fprintf(stderr, "usage: density_probe probe START_NS TIMEOUT_S FILE | reap CMD...\n");
	return 2;
}
