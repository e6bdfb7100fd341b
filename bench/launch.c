/* Launch timer for bench/compare.sh: time to first output and exit, or to the first HTTP 200. */
/*
 * Usage:
 *   launch boot [-x] [-m MARKER] RUNS WARMUP OUTDIR NAME CMD... [--- NAME CMD...]...
 *     Runs each command RUNS times (after WARMUP unrecorded rounds), alternating the commands
 *     run by run, with stdout on a pipe. Appends "first_ms exit_ms" to OUTDIR/NAME.boot: the time
 *     from just before posix_spawn until the output read so far contains MARKER (default: the
 *     first byte), and until the command has exited. A run that exits non-zero or never shows
 *     MARKER is written as "-1 -1". With -x any exit status counts (a QEMU that exits through
 *     isa-debug-exit) and, without -m, no output is needed.
 *   launch http [-r REQS] [-a SPACING_MS] [-t SECONDS] RUNS WARMUP OUTDIR
 *               NAME [ADDR:]PORT CMD... [--- NAME [ADDR:]PORT CMD...]...
 *     Starts each command (alternating as above; stdout and stderr appended to OUTDIR/NAME.log)
 *     and probes ADDR:PORT (default 127.0.0.1) with GET / until a complete 200 arrives (the
 *     prober below). Then it samples the RSS and PSS of the command and all its descendants
 *     (/proc/PID/smaps_rollup), makes REQS more requests (default 100) one after the other,
 *     samples again, and stops the command (SIGTERM to it, SIGKILL to its whole tree after 3 s).
 *     Appends "first_ms rss1_kib pss1_kib rss2_kib pss2_kib nprocs" to OUTDIR/NAME.http
 *     ("-1 ..." when no 200 came within SECONDS, default 60) and the processes sampled to
 *     OUTDIR/NAME.procs. Exit status 0 only if every recorded run got all its responses. "%n"
 *     in a command is replaced by a number unique to the run (container ids).
 *   launch with [-t SECONDS] LOG [ADDR:]PORT SERVER... --- CLIENT...
 *     Starts SERVER (output to LOG), waits for its first 200 as above, runs CLIENT (e.g. wrk)
 *     with this process's stdio, stops SERVER; exits with CLIENT's status.
 * The clock is the host's CLOCK_MONOTONIC. launch is a child subreaper: what a server leaves
 * behind (passt once its monitor is gone) is waited for before the next run reuses the port.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBJECTS 8
#define MAX_PROCS    64
#define RESP_MAX     65536

extern char **environ;

struct subject {
	const char *name;
	struct sockaddr_in addr;
	char **argv;
	FILE *out;
	FILE *procs;
	char log[4096];
};

struct opts {
	const char *marker;
	int any_status;
	int reqs;
	int timeout_s;
	double spacing_ms;
	int runs;
	int warmup;
	const char *outdir;
	int nsubjects;
	struct subject subj[MAX_SUBJECTS];
};

struct mem {
	long rss_kib, pss_kib;
	int nprocs;
};

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void sleep_us(long us)
{
	struct timespec t = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&t, NULL);
}

/* ---- process trees ---------------------------------------------------------------------- */

static pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* tree_collect ROOT: ROOT and all its descendants into pids[]; returns their number. */
static int tree_collect(pid_t root, pid_t *pids, int max)
{
	pid_t all[4096], parent[4096];
	int nall = 0, n = 1, grew = 1;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	pids[0] = root;
	while (dir && (d = readdir(dir)) && nall < 4096) {
		pid_t pid = atoi(d->d_name);

		if (pid > 0 && (parent[nall] = proc_ppid(pid)) > 0)
			all[nall++] = pid;
	}
	if (dir)
		closedir(dir);
	while (grew && n < max) {
		grew = 0;
		for (int i = 0; i < nall && n < max; i++) {
			int in = 0, parent_in = 0;

			for (int j = 0; j < n; j++) {
				in |= pids[j] == all[i];
				parent_in |= pids[j] == parent[i];
			}
			if (!in && parent_in) {
				pids[n++] = all[i];
				grew = 1;
			}
		}
	}
	return n;
}

/* smaps_add PID: adds the process's Rss and Pss (kB) from smaps_rollup; -1 if it is gone. */
static int smaps_add(pid_t pid, struct mem *m)
{
	char path[64], line[256];
	long v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Rss: %ld kB", &v) == 1)
			m->rss_kib += v;
		else if (sscanf(line, "Pss: %ld kB", &v) == 1)
			m->pss_kib += v;
	}
	fclose(f);
	m->nprocs++;
	return 0;
}

static void proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = 0;
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, (int)size, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* same_mm: 1 if processes A and B share one address space (CLONE_VM), by kcmp(2). */
static int same_mm(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, 1 /* KCMP_VM */, 0, 0) == 0;
}

/* mem_sample ROOT: RSS and PSS summed over ROOT's tree; names the processes on LOG. */
static struct mem mem_sample(pid_t root, FILE *log)
{
	pid_t pids[MAX_PROCS];
	int n = tree_collect(root, pids, MAX_PROCS);
	struct mem m = {0, 0, 0};
	char comm[64];

	for (int i = 0; i < n; i++) {
		struct mem one = {0, 0, 0};
		int dup = 0;

		for (int j = 0; j < i && !dup; j++)
			dup = same_mm(pids[i], pids[j]);
		if (dup || smaps_add(pids[i], &one) != 0)
			continue;
		m.rss_kib += one.rss_kib;
		m.pss_kib += one.pss_kib;
		m.nprocs++;
		proc_comm(pids[i], comm, sizeof(comm));
		if (log)
			fprintf(log, "%s rss=%ld pss=%ld; ", comm, one.rss_kib, one.pss_kib);
	}
	if (log)
		fprintf(log, "\n");
	return m;
}

/* proc_alive: 1 while PID exists and is not a zombie (orphans are reparented to this process,
 * a child subreaper, and reaped here). */
static int proc_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	int alive = 0;
	FILE *f;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		alive = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}

/* tree_end: waits up to 3 s for the N processes in PIDS to end, then kills the rest. */
static void tree_end(const pid_t *pids, int n)
{
	int left = 1;

	for (int i = 0; i < 300 && left; i++) {
		left = 0;
		for (int j = 0; j < n; j++)
			left |= proc_alive(pids[j]);
		if (left)
			sleep_us(10000);
	}
	for (int j = 0; j < n; j++)
		kill(pids[j], SIGKILL);
	for (int j = 0; j < n; j++)
		while (proc_alive(pids[j]))
			sleep_us(1000);
}

/* tree_stop ROOT: SIGTERM to ROOT; SIGKILL to the rest of its tree after 3 s; returns once
 * every process of the tree is gone (so that the next run finds its port free). */
static void tree_stop(pid_t root)
{
	pid_t pids[MAX_PROCS];
	int n = tree_collect(root, pids, MAX_PROCS);

	kill(root, SIGTERM);
	tree_end(pids, n);
}

/* orphans_stop: once a server ended by itself, waits for what it left (passt), which this
 * process inherited as a subreaper. */
static void orphans_stop(void)
{
	pid_t pids[MAX_PROCS];
	int n = tree_collect(getpid(), pids, MAX_PROCS);

	tree_end(pids + 1, n - 1);
}

/* expand_argv: ARGV with each "%n" replaced by a number that grows with every call (unique
 * names per run, e.g. container ids). */
static char **expand_argv(char **argv)
{
	static char *out[256], buf[16384];
	static unsigned seq;
	size_t used = 0;
	int i;

	seq++;
	for (i = 0; argv[i] && i < 255; i++) {
		char *pct = strstr(argv[i], "%n");
		int w;

		out[i] = argv[i];
		if (!pct || used >= sizeof(buf))
			continue;
		w = snprintf(buf + used, sizeof(buf) - used, "%.*s%u%s", (int)(pct - argv[i]),
			     argv[i], seq, pct + 2);
		if (w < 0 || (size_t)w >= sizeof(buf) - used)
			continue;
		out[i] = buf + used;
		used += (size_t)w + 1;
	}
	out[i] = NULL;
	return out;
}

/* ---- boot: first output and exit ---------------------------------------------------------- */

/* boot_spawn: starts argv with stdout on a new pipe; returns the pipe's read end or -1. */
static int boot_spawn(char **argv, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int fds[2], rc;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	argv = expand_argv(argv);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return -1;
	}
	return fds[0];
}

/* boot_once: one run; *first = ms until the output holds MARKER; returns ms to exit or -1. */
static double boot_once(char **argv, const char *marker, int any_status, double *first)
{
	static char seen[RESP_MAX + 1];
	size_t len = 0;
	int status = -1, fd;
	double t0 = now_ms();
	char buf[4096];
	ssize_t r;
	pid_t pid;

	*first = -1;
	if ((fd = boot_spawn(argv, &pid)) < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		size_t take = (size_t)r < RESP_MAX - len ? (size_t)r : RESP_MAX - len;

		memcpy(seen + len, buf, take);
		seen[len += take] = 0;
		if (*first < 0 && (!*marker || strstr(seen, marker)))
			*first = now_ms() - t0;
	}
	close(fd);
	waitpid(pid, &status, 0);
	t0 = now_ms() - t0;
	if (any_status)
		return *marker && *first < 0 ? -1 : t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || *first < 0)
		return -1;
	return t0;
}

static int boot_all(struct opts *o)
{
	int failed = 0;

	for (int i = -o->warmup; i < o->runs; i++)
		for (int s = 0; s < o->nsubjects; s++) {
			struct subject *sj = &o->subj[s];
			double first, total = boot_once(sj->argv, o->marker, o->any_status, &first);

			if (total < 0 || (first < 0 && !o->any_status)) {
				fprintf(stderr, "launch: %s: run failed\n", sj->name);
				first = -1;
				failed = 1;
			}
			if (i >= 0)
				fprintf(sj->out, "%.6f %.6f\n", first, total);
		}
	return failed;
}

/* ---- http: first complete 200 response ---------------------------------------------------- */

/* http_complete: 1 if BUF holds a whole 200 response (headers and Content-Length bytes). */
static int http_complete(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4), *cl;
	long clen = 0;

	if (!end || strncmp(buf, "HTTP/1.1 200 ", 13) != 0)
		return 0;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (cl && cl < end)
		clen = strtol(cl + 17, NULL, 10);
	return (size_t)(end + 4 - buf) + (size_t)clen <= len;
}

/* http_get ADDR: one connection and GET /; 0 on a complete 200, -1 otherwise. */
static int http_get(const struct sockaddr_in *a, int timeout_ms)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
	static char buf[RESP_MAX + 1];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = -1;
	size_t len = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		goto out;
	while (len < RESP_MAX) {
		struct pollfd p = {fd, POLLIN, 0};

		if (poll(&p, 1, timeout_ms) != 1 || (r = read(fd, buf + len, RESP_MAX - len)) <= 0)
			break;
		buf[len += r] = 0;
		if (http_complete(buf, len)) {
			ok = 0;
			break;
		}
	}
out:
	close(fd);
	return ok;
}

/*
 * The prober: connection attempts to 127.0.0.1:PORT, each sending GET / once connected. A
 * refused, reset or closed attempt is dropped and a new one opens 0.2 ms later. An attempt that
 * stays silent is kept (a slow guest may still answer it) while a new one opens every SPACING ms
 * beside it, or every 1% of the time waited so far when that is longer (with passt or QEMU's
 * user network the host port accepts before the guest listens, and such an early connection can
 * stall in the proxy for a second); beyond PROBE_MAX open attempts the oldest is dropped.
 */
#define PROBE_MAX 128
#define PROBE_BUF 8192
#define PROBE_REL 0.01

struct attempt {
	int fd, sent;
	size_t len;
	char buf[PROBE_BUF + 1];
};

struct prober {
	struct sockaddr_in addr;
	int n;
	double spacing_ms, last_open;
	struct attempt a[PROBE_MAX];
};

static void prober_drop(struct prober *p, int i)
{
	close(p->a[i].fd);
	memmove(&p->a[i], &p->a[i + 1], (size_t)(p->n - i - 1) * sizeof(p->a[0]));
	p->n--;
}

/* prober_open: one more attempt (non-blocking connect); the oldest goes beyond PROBE_MAX. */
static void prober_open(struct prober *p)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	p->last_open = now_ms();
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&p->addr, sizeof(p->addr)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return;
	}
	if (p->n == PROBE_MAX)
		prober_drop(p, 0);
	p->a[p->n].fd = fd;
	p->a[p->n].sent = 0;
	p->a[p->n].len = 0;
	p->n++;
}

/* attempt_step: progress on a ready attempt; 1 = a complete 200, 0 = go on, -1 = drop it. */
static int attempt_step(struct attempt *at)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t r;

	if (!at->sent) {
		if (getsockopt(at->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err ||
		    write(at->fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
			return -1;
		at->sent = 1;
		return 0;
	}
	r = read(at->fd, at->buf + at->len, PROBE_BUF - at->len);
	if (r <= 0)
		return r < 0 && errno == EAGAIN ? 0 : -1;
	at->buf[at->len += (size_t)r] = 0;
	if (http_complete(at->buf, at->len))
		return 1;
	return at->len == PROBE_BUF ? -1 : 0;
}

/* prober_poll: waits up to 0.2 ms for events; 1 once an attempt got its 200. */
static int prober_poll(struct prober *p)
{
	struct pollfd fds[PROBE_MAX];
	struct timespec t = {0, 200000};
	int won = 0;

	for (int i = 0; i < p->n; i++)
		fds[i] = (struct pollfd){p->a[i].fd, p->a[i].sent ? POLLIN : POLLOUT, 0};
	if (ppoll(fds, (nfds_t)p->n, &t, NULL) <= 0)
		return 0;
	for (int i = p->n - 1; i >= 0 && !won; i--) {
		int r = fds[i].revents ? attempt_step(&p->a[i]) : 0;

		if (r < 0)
			prober_drop(p, i);
		won = r > 0;
	}
	return won;
}

/* prober_spacing: ms between attempts beside silent ones: SPACING, or 1% of the time waited so
 * far when that is more (a guest under TCG drowns in a connection every millisecond for
 * seconds; 1% keeps the figure's resolution relative). */
static double prober_spacing(const struct prober *p, double waited_ms)
{
	return waited_ms * PROBE_REL > p->spacing_ms ? waited_ms * PROBE_REL : p->spacing_ms;
}

static void prober_close(struct prober *p)
{
	while (p->n > 0)
		prober_drop(p, p->n - 1);
}

/* http_wait: probes until a 200 or DEADLINE (ms); ms since T0 of the success, -1, or -2 when
 * the server ended first. */
static double http_wait(struct prober *p, pid_t pid, double t0, double deadline)
{
	double result = -1, now, checked = 0;
	int status;

	p->n = 0;
	p->last_open = 0;
	while ((now = now_ms()) < deadline) {
		if (now - p->last_open >= (p->n ? prober_spacing(p, now - t0) : 0.2))
			prober_open(p);
		if (prober_poll(p)) {
			result = now_ms() - t0;
			break;
		}
		if (now - checked > 5 && (checked = now) && waitpid(pid, &status, WNOHANG) == pid) {
			result = -2;
			break;
		}
	}
	prober_close(p);
	return result;
}

/* http_spawn: starts ARGV with stdin /dev/null and stdout and stderr appended to LOG. */
static pid_t http_spawn(char **argv, const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	argv = expand_argv(argv);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? pid : -1;
}

/* http_once: one run of a server: its line into OUT (when RECORD); 0 on success. */
static int http_once(struct opts *o, struct subject *sj, int record)
{
	static struct prober p;
	double t0 = now_ms(), first;
	struct mem m1, m2;
	pid_t pid = http_spawn(sj->argv, sj->log);
	int ok = 0;

	if (pid < 0)
		return -1;
	p.addr = sj->addr;
	p.spacing_ms = o->spacing_ms;
	first = http_wait(&p, pid, t0, t0 + o->timeout_s * 1e3);
	if (first == -2) {
		fprintf(stderr, "launch: %s: the server exited before answering\n", sj->name);
		orphans_stop();
		return record ? (fprintf(sj->out, "-1 0 0 0 0 0\n"), -1) : -1;
	}
	m1 = mem_sample(pid, record ? sj->procs : NULL);
	for (int i = 0; first >= 0 && i < o->reqs; i++)
		ok |= http_get(&sj->addr, 5000);
	m2 = mem_sample(pid, record ? sj->procs : NULL);
	tree_stop(pid);
	if (first < 0 || ok)
		fprintf(stderr, "launch: %s: %s\n", sj->name,
			first < 0 ? "no 200 response in time" : "a later request failed");
	if (record)
		fprintf(sj->out, "%.6f %ld %ld %ld %ld %d\n", first < 0 ? -1 : first, m1.rss_kib,
			m1.pss_kib, m2.rss_kib, m2.pss_kib, m2.nprocs);
	return first < 0 || ok ? -1 : 0;
}

static int http_all(struct opts *o)
{
	int failed = 0;

	for (int i = -o->warmup; i < o->runs; i++)
		for (int s = 0; s < o->nsubjects; s++)
			if (http_once(o, &o->subj[s], i >= 0) != 0 && i >= 0)
				failed = 1;
	return failed;
}

/* ---- arguments ---------------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: launch boot [-x] [-m MARKER] RUNS WARMUP OUTDIR NAME CMD... [--- "
		"NAME CMD...]...\n"
		"       launch http [-r REQS] [-a SPACING_MS] [-t SECONDS] RUNS WARMUP OUTDIR "
		"NAME [ADDR:]PORT CMD... [--- NAME [ADDR:]PORT CMD...]...\n"
		"       launch with [-t SECONDS] LOG [ADDR:]PORT SERVER... --- CLIENT...\n");
	return 2;
}

/* subject_open: the output files of one subject under OUTDIR. */
static int subject_open(struct opts *o, struct subject *sj, const char *ext)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.%s", o->outdir, sj->name, ext);
	sj->out = fopen(path, "a");
	snprintf(path, sizeof(path), "%s/%s.procs", o->outdir, sj->name);
	sj->procs = fopen(path, "a");
	snprintf(sj->log, sizeof(sj->log), "%s/%s.log", o->outdir, sj->name);
	if (!sj->out || !sj->procs) {
		perror("launch: output file");
		return -1;
	}
	return 0;
}

/* parse_addr: "PORT" (on 127.0.0.1) or "A.B.C.D:PORT". */
static int parse_addr(const char *s, struct sockaddr_in *a)
{
	const char *colon = strrchr(s, ':');
	char host[64] = "127.0.0.1";

	if (colon && (size_t)(colon - s) < sizeof(host))
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	*a = (struct sockaddr_in){.sin_family = AF_INET};
	a->sin_port = htons((unsigned short)atoi(colon ? colon + 1 : s));
	return a->sin_port && inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* parse_subjects: NAME [ADDR:PORT] CMD... separated by "---", from argv[i]. */
static int parse_subjects(struct opts *o, int http, char **argv, int argc, int i)
{
	while (i < argc && o->nsubjects < MAX_SUBJECTS) {
		struct subject *sj = &o->subj[o->nsubjects++];

		sj->name = argv[i++];
		if (http && (i >= argc || parse_addr(argv[i++], &sj->addr) != 0))
			return -1;
		if (i >= argc || strcmp(argv[i], "---") == 0)
			return -1;
		sj->argv = argv + i;
		while (i < argc && strcmp(argv[i], "---") != 0)
			i++;
		if (i < argc)
			argv[i++] = NULL;
		if (subject_open(o, sj, http ? "http" : "boot") != 0)
			return -1;
	}
	return o->nsubjects > 0 && i >= argc ? 0 : -1;
}

static int parse_opts(struct opts *o, char **argv, int argc, int *i)
{
	for (; *i + 1 < argc && argv[*i][0] == '-'; *i += 2) {
		if (strcmp(argv[*i], "-x") == 0)
			o->any_status = 1, (*i)--;
		else if (strcmp(argv[*i], "-m") == 0)
			o->marker = argv[*i + 1];
		else if (strcmp(argv[*i], "-r") == 0)
			o->reqs = atoi(argv[*i + 1]);
		else if (strcmp(argv[*i], "-a") == 0)
			o->spacing_ms = atof(argv[*i + 1]);
		else if (strcmp(argv[*i], "-t") == 0)
			o->timeout_s = atoi(argv[*i + 1]);
		else
			return -1;
	}
	if (*i + 3 >= argc)
		return -1;
	o->runs = atoi(argv[*i]);
	o->warmup = atoi(argv[*i + 1]);
	o->outdir = argv[*i + 2];
	*i += 3;
	return o->runs > 0 && o->warmup >= 0 ? 0 : -1;
}

/* ---- with: a client against a running server ---------------------------------------------- */

/* client_run: runs ARGV with this process's stdio; its exit status (1 if it did not exit). */
static int client_run(char **argv)
{
	int status = -1;
	pid_t pid;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) {
		perror("launch: client");
		return 1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* with_run: launch with [-t SECONDS] LOG ADDR:PORT SERVER... --- CLIENT... */
static int with_run(int argc, char **argv)
{
	static struct prober p = {.spacing_ms = 1};
	int i = 2, timeout_s = 60, split, rc = 1;
	double t0;
	pid_t pid;

	if (argc > 4 && strcmp(argv[i], "-t") == 0) {
		timeout_s = atoi(argv[i + 1]);
		i += 2;
	}
	for (split = i + 2; split < argc && strcmp(argv[split], "---") != 0; split++)
		;
	if (split + 1 >= argc || split == i + 2 || parse_addr(argv[i + 1], &p.addr) != 0)
		return usage();
	argv[split] = NULL;
	if ((pid = http_spawn(argv + i + 2, argv[i])) < 0)
		return 1;
	t0 = now_ms();
	if (http_wait(&p, pid, t0, t0 + timeout_s * 1e3) >= 0)
		rc = client_run(argv + split + 1);
	else
		fprintf(stderr, "launch: %s did not answer (log: %s)\n", argv[i + 2], argv[i]);
	tree_stop(pid);
	orphans_stop();
	return rc;
}

int main(int argc, char **argv)
{
	static struct opts o = {.marker = "", .reqs = 100, .timeout_s = 60, .spacing_ms = 1};
	int http, i = 2, rc;

	if (argc < 2)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (strcmp(argv[1], "with") == 0)
		return with_run(argc, argv);
	http = strcmp(argv[1], "http") == 0;
	if ((!http && strcmp(argv[1], "boot") != 0) || parse_opts(&o, argv, argc, &i) != 0 ||
	    parse_subjects(&o, http, argv, argc, i) != 0)
		return usage();
	rc = http ? http_all(&o) : boot_all(&o);
	for (int s = 0; s < o.nsubjects; s++)
		if (fclose(o.subj[s].out) != 0 || fclose(o.subj[s].procs) != 0)
			rc = 1;
	return rc;
}
