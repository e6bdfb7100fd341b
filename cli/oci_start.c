/* pith-oci start (wake the stub: it becomes the monitor; success once the guest runs) and run
   (create + start + wait + delete, for users). */
#include "oci_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Connect to the stub's start socket (through /proc/self/fd: sun_path is short). */
static int start__connect(const char *root, const char *id)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[PATH_MAX];
	int dirfd, s, rc;

	oci_state__path(dir, sizeof(dir), root, id, NULL);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/start.sock", dirfd);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	rc = s < 0 ? -1 : connect(s, (struct sockaddr *)&sa, sizeof(sa));
	if (rc == 0)
		unlinkat(dirfd, "start.sock", 0); /* one start only */
	close(dirfd);
	if (rc < 0 && s >= 0)
		close(s);
	return rc < 0 ? -1 : s;
}

/*
 * What the stub (then the monitor) says: an optional "net:IF\n", then 'R' (the guest runs: stop
 * reading there) or "E" and an error text up to EOF. 0, or -1 if nothing came for timeout_s
 * seconds (SO_RCVTIMEO, socket(7)).
 */
static int start__read(int s, char *buf, size_t len, int timeout_s)
{
	struct timeval tv = {.tv_sec = timeout_s};
	size_t got = 0;
	ssize_t n = 0;
	char *nl;

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < len - 1 &&
	       ((n = read(s, buf + got, len - 1 - got)) > 0 || (n < 0 && errno == EINTR))) {
		got += n > 0 ? (size_t)n : 0;
		buf[got] = 0;
		nl = strncmp(buf, "net:", 4) == 0 ? strchr(buf, '\n') : NULL;
		if ((nl && nl[1] == 'R') || (!nl && buf[0] == 'R'))
			break;
	}
	buf[got] = 0;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : 0;
}

/*
 * How long start waits for the container's process to say the guest runs. runc has no bound;
 * an engine's start would then hang with the container. The stub's own steps before 'R'
 * (startContainer hooks, network wiring, the monitor's setup: milliseconds) fit well within
 * 30 s; PITH_OCI_START_TIMEOUT (seconds) overrides it.
 */
static int start__timeout(void)
{
	const char *v = getenv("PITH_OCI_START_TIMEOUT");
	int t = v ? atoi(v) : 0;

	return t > 0 ? t : OCI_START_TIMEOUT_S;
}

/* Record running (and the wired interface) and run the poststart hooks (failures: warnings). */
static void start__record(const struct oci_globals *g, struct oci_state *st, const char *ifname)
{
	char err[1024], *old = st->ifname;

	snprintf(st->status, sizeof(st->status), "running");
	st->ifname = (char *)ifname;
	if (oci_state__save(g->root, st, err, sizeof(err)) < 0)
		oci__warn(g, "%s", err);
	st->ifname = old;
	oci__saved_hooks(g, st, OCI_HOOK_POSTSTART, "running");
}

/* Wake the stub and wait for the monitor's 'R'. 0, or 1 (error printed). */
static int start__container(const struct oci_globals *g, struct oci_state *st)
{
	char buf[2048], ifname[32] = "", *msg = buf;
	int s = start__connect(g->root, st->id);

	int timeout = start__timeout();

	if (s < 0)
		return oci__error(g, "cannot start a container that has already started");
	if (start__read(s, buf, sizeof(buf), timeout) < 0) {
		close(s);
		if (oci_state__alive(st))
			kill((pid_t)st->pid, SIGKILL);
		return oci__error(g,
				  "container %s: its process did not answer start within %d s: "
				  "killed it",
				  st->id, timeout);
	}
	close(s);
	if (strncmp(msg, "net:", 4) == 0 && strchr(msg, '\n')) {
		*strchr(msg, '\n') = 0;
		snprintf(ifname, sizeof(ifname), "%.15s", msg + 4);
		msg += strlen(msg) + 1;
	}
	if (strcmp(msg, "R") != 0)
		return oci__error(g, "%s",
				  *msg == 'E' ? msg + 1
					      : "the monitor failed to start (see the container's "
						"output)");
	start__record(g, st, ifname);
	return 0;
}

static int start__id(struct oci_globals *g, const char *id, int argc, char **argv)
{
	struct oci_state st;
	const char *status;
	int lock = oci__lock(g, id), rc;

	if (lock == -2 || oci__find(g, id, &st, false) != 0) {
		if (lock >= 0)
			close(lock);
		return 1;
	}
	if (st.delegated) {
		if (lock >= 0)
			close(lock);
		return oci_state__free(&st), oci_runc__exec(g, argc, argv);
	}
	status = oci_state__status(&st);
	if (strcmp(status, "stopped") == 0)
		rc = oci__error(g, "cannot start a container that has already stopped");
	else if (strcmp(status, "created") != 0)
		rc = oci__error(g, "cannot start a container that has already started");
	else
		rc = start__container(g, &st);
	oci_state__free(&st);
	if (lock >= 0)
		close(lock);
	return rc;
}

int oci_start__main(struct oci_globals *g, int argc, char **argv)
{
	const char *id = oci__one_id(g, argc, argv, 1);

	return id ? start__id(g, id, argc, argv) : 1;
}

/* The exit status of the container's process (our child: create forked it), as a shell says. */
static int run__wait(const struct oci_globals *g, const char *id)
{
	struct oci_state st;
	int ws = 0;

	if (oci__find(g, id, &st, false) != 0)
		return 1;
	while (waitpid((pid_t)st.pid, &ws, 0) < 0 && errno == EINTR)
		;
	oci_state__free(&st);
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

int oci_run__main(struct oci_globals *g, int argc, char **argv)
{
	bool detach = false;
	char *del[] = {"delete", "--force", NULL, NULL};
	int rc;

	for (int i = 1; i < argc && argv[i][0] == '-'; i++)
		detach |= strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--detach") == 0;
	if ((rc = oci_create__main(g, argc, argv)) != 0)
		return rc;
	del[2] = argv[argc - 1];
	if ((rc = start__id(g, argv[argc - 1], 2, (char *[]){"start", argv[argc - 1], NULL})) != 0)
		return oci_delete__main(g, 3, del), rc;
	if (detach)
		return 0;
	rc = run__wait(g, argv[argc - 1]);
	oci_delete__main(g, 3, del);
	return rc;
}
