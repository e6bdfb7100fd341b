/* pith-oci: run the spec's hooks (runtime-spec config.md "POSIX-platform Hooks"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/close_range.h>

#include "oci.h"

/* How often the hook's exit is checked when there is no pidfd to wait on. */
#define HOOK_POLL_MS 5

/* What the child reports through its close-on-exec pipe when it cannot run the hook. */
struct hook_failure {
	int in_chdir; /* 1: chdir(bundle) failed, 0: execve failed */
	int err;
};

/* One running hook: its process, the stdin pipe being fed, and the state left to write. */
struct hook_run {
	pid_t pid;
	int pidfd;
	int in; /* write end of the hook's stdin, -1 once all is written or the hook closed it */
	const char *data;
	size_t left;
};

/* In the child: stdin from the pipe, stdout to the runtime's stderr, cwd = bundle, exec. */
static void hooks__child(const struct oci_hook *h, const char *bundle, int in, int report)
{
	static char *const no_env[] = {NULL};
	char *argv0[] = {h->path, NULL};
	char *const *argv = h->args && h->args[0] ? h->args : argv0;
	char *const *envp = h->env ? h->env : no_env;
	struct hook_failure f = {0, 0};
	sigset_t none;

	setpgid(0, 0); /* its own process group: a timeout kills what it started too */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(2, 1) < 0)
		_exit(127);
	/* close_range(2): every other fd closes at exec (report must stay open until then). */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (chdir(bundle) < 0) {
		f.in_chdir = 1;
	} else {
		execve(h->path, argv, envp);
	}
	f.err = errno;
	while (write(report, &f, sizeof(f)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* Fork the hook (its pid in run->pid, its stdin in run->in). 0, or -1 with a message in why
   when it could not be started (then nothing is left running or open). */
static int hooks__spawn(const struct oci_hook *h, const char *bundle, struct hook_run *run,
			char *why, size_t whylen)
{
	int in[2], report[2];
	struct hook_failure f;
	ssize_t n;

	if (pipe2(in, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "cannot run: pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(report, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "cannot run: pipe: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		return -1;
	}
	run->pid = fork();
	if (run->pid == 0)
		hooks__child(h, bundle, in[0], report[1]);
	close(in[0]);
	close(report[1]);
	if (run->pid < 0) {
		snprintf(why, whylen, "cannot run: fork: %s", strerror(errno));
		close(in[1]);
		close(report[0]);
		return -1;
	}
	setpgid(run->pid, run->pid); /* as the child does: no race with a timeout's kill */
	run->in = in[1];
	do
		n = read(report[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n != (ssize_t)sizeof(f))
		return 0;
	close(run->in);
	waitpid(run->pid, NULL, 0);
	if (f.in_chdir)
		snprintf(why, whylen, "cannot run: cannot enter the bundle %s: %s", bundle,
			 strerror(f.err));
	else
		snprintf(why, whylen, "cannot run: %s", strerror(f.err));
	return -1;
}

/*
 * Write what the pipe takes now. SIGPIPE is blocked by the caller: a hook that exits without
 * reading its stdin gives EPIPE here, which only ends the feeding.
 */
static void hooks__feed(struct hook_run *run)
{
	ssize_t n = write(run->in, run->data, run->left);

	if (n > 0) {
		run->data += n;
		run->left -= (size_t)n;
	}
	if ((n < 0 && errno != EAGAIN && errno != EINTR) || run->left == 0) {
		close(run->in);
		run->in = -1;
	}
}

static long hooks__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Whether the process has exited (not reaped: waitid(2) WNOWAIT). */
static bool hooks__exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/*
 * Feed stdin and wait for the hook's exit, at most timeout_ms (-1: no limit). 0 or -1 (late).
 * The pidfd (pidfd_open(2), Linux 5.3) wakes poll at the exit; without one (older kernels,
 * valgrind), the exit is checked every HOOK_POLL_MS.
 */
static int hooks__wait(struct hook_run *run, long timeout_ms)
{
	long deadline = hooks__now_ms() + timeout_ms;
	long cap = run->pidfd >= 0 ? 1000000 : HOOK_POLL_MS;

	for (;;) {
		/* poll(2) ignores negative fds: no pidfd, or stdin already closed */
		struct pollfd p[2] = {{run->pidfd, POLLIN, 0}, {run->in, POLLOUT, 0}};
		long wait_ms = timeout_ms < 0 ? cap : deadline - hooks__now_ms();
		int n;

		if (run->pidfd < 0 && hooks__exited(run->pid))
			return 0;
		if (wait_ms <= 0)
			return -1;
		n = poll(p, 2, (int)(wait_ms > cap ? cap : wait_ms));
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && p[0].revents)
			return 0;
		if (n > 0 && p[1].revents)
			hooks__feed(run);
	}
}

/* The message for how the hook ended (status from waitpid), or "" if it succeeded. */
static void hooks__describe(int status, char *why, size_t whylen)
{
	why[0] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(why, whylen, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(why, whylen, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
}

/* Supervise a spawned hook to its end: "" in why if it succeeded. */
static void hooks__supervise(const struct oci_hook *h, struct hook_run *run, char *why,
			     size_t whylen)
{
	int status = 0;

	run->pidfd = (int)syscall(SYS_pidfd_open, run->pid, 0);
	fcntl(run->in, F_SETFL, O_NONBLOCK);
	if (hooks__wait(run, h->timeout > 0 ? h->timeout * 1000L : -1) < 0) {
		kill(-run->pid, SIGKILL);
		kill(run->pid, SIGKILL);
		snprintf(why, whylen, "killed after its %d s timeout", h->timeout);
	}
	while (waitpid(run->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (why[0] == '\0')
		hooks__describe(status, why, whylen);
	if (run->in >= 0)
		close(run->in);
	if (run->pidfd >= 0)
		close(run->pidfd);
}

/* Consume the SIGPIPE an early-exiting hook raised while SIGPIPE was blocked (old: the mask). */
static void hooks__drop_sigpipe(const sigset_t *pipe_set, const sigset_t *old)
{
	struct timespec zero = {0, 0};
	sigset_t pending;

	if (sigismember(old, SIGPIPE) || sigpending(&pending) < 0)
		return;
	if (sigismember(&pending, SIGPIPE))
		sigtimedwait(pipe_set, NULL, &zero);
}

/* Run one hook: "" in why if it succeeded, else what went wrong. */
static void hooks__run_one(const struct oci_hook *h, const char *bundle, const char *state_json,
			   char *why, size_t whylen)
{
	struct hook_run run = {.pid = -1, .pidfd = -1, .in = -1, .data = state_json};
	sigset_t pipe_set, old;

	why[0] = '\0';
	if (h->path[0] != '/') {
		snprintf(why, whylen, "cannot run: the path is not absolute");
		return;
	}
	run.left = strlen(state_json);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	if (hooks__spawn(h, bundle, &run, why, whylen) == 0)
		hooks__supervise(h, &run, why, whylen);
	hooks__drop_sigpipe(&pipe_set, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int oci_hooks__run(const struct oci_spec *spec, enum oci_hook_kind kind, const char *bundle,
		   const char *state_json, char *err, size_t errlen)
{
	const struct oci_hooks *hooks = &spec->hooks[kind];
	char why[512];

	for (size_t i = 0; i < hooks->n; i++) {
		hooks__run_one(&hooks->v[i], bundle, state_json, why, sizeof(why));
		if (why[0] != '\0') {
			snprintf(err, errlen, "%s hook %s failed: %s", oci_spec__hook_name(kind),
				 hooks->v[i].path, why);
			return -1;
		}
	}
	return 0;
}
