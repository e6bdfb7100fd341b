/* pith-oci: hand containers that are not Pith images (a pod's sandbox, ...) to runc. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

/* Absolute paths only: podman calls the runtime without PATH in its environment. */
static const char *const runc__candidates[] = {"/usr/sbin/runc", "/usr/bin/runc",
					       "/usr/local/sbin/runc", "/usr/local/bin/runc"};

#define RUNC_CANDIDATES (sizeof(runc__candidates) / sizeof(runc__candidates[0]))

/* Global flags before the command that runc must see too (its cgroup driver above all):
   "--systemd-cgroup", "--debug" (alone or =VALUE), "--rootless=VALUE" ("--rootless VALUE", two
   arguments, is handled by the caller). */
static bool runc__forwarded(const char *a)
{
	static const struct {
		const char *name;
		bool alone; /* valid without "=VALUE" */
	} flags[] = {{"--systemd-cgroup", true}, {"--debug", true}, {"--rootless", false}};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		size_t n = strlen(flags[i].name);

		if (strncmp(a, flags[i].name, n) == 0 &&
		    (a[n] == '=' || (a[n] == '\0' && flags[i].alone)))
			return true;
	}
	return false;
}

/* Global options of runc that take a value in the next argument when written without '='. */
static bool runc__takes_value(const char *a)
{
	static const char *const valued[] = {"--root", "--log", "--log-format", "--rootless",
					     "--criu"};

	for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		if (strcmp(a, valued[i]) == 0)
			return true;
	return false;
}

const char *oci_runc__path(void)
{
	for (size_t i = 0; i < RUNC_CANDIDATES; i++)
		if (access(runc__candidates[i], X_OK) == 0)
			return runc__candidates[i];
	return NULL;
}

/* Copy the forwarded global flags of g's command line (up to its command) into out. */
static int runc__globals(const struct oci_globals *g, char **out)
{
	int n = 0;

	for (int i = 1; g->argv && i < g->argc && g->argv[i][0] == '-'; i++) {
		if (runc__forwarded(g->argv[i]))
			out[n++] = g->argv[i];
		else if (strcmp(g->argv[i], "--rootless") == 0 && i + 1 < g->argc)
			out[n++] = "--rootless", out[n++] = g->argv[i + 1];
		if (runc__takes_value(g->argv[i]))
			i++;
	}
	return n;
}

/* runc's argv: runc, the forwarded flags, --root ROOT/.runc, --log, --log-format, argv. */
static char **runc__argv(const struct oci_globals *g, const char *runc, char *root, int argc,
			 char **argv)
{
	char **v = calloc((size_t)(argc + (g->argv ? g->argc : 0) + 8), sizeof(char *));
	int n = 0;

	if (!v)
		return NULL;
	v[n++] = (char *)runc;
	n += runc__globals(g, v + n);
	v[n++] = "--root";
	v[n++] = root;
	if (g->log) {
		v[n++] = "--log";
		v[n++] = (char *)g->log;
	}
	v[n++] = "--log-format";
	v[n++] = g->log_json ? "json" : "text";
	for (int i = 0; i < argc; i++)
		v[n++] = argv[i];
	return v;
}

/* Exec runc in this process; returns 1 (after oci__error) on failure. */
static int runc__exec(const struct oci_globals *g, int argc, char **argv)
{
	const char *runc = oci_runc__path();
	char root[4096];
	char **v;
	sigset_t none;

	if (!runc)
		return oci__error(g, "this container is not a Pith image and runc, which runs such "
				     "containers, is not installed (looked for /usr/sbin/runc, "
				     "/usr/bin/runc, /usr/local/sbin/runc, /usr/local/bin/runc)");
	snprintf(root, sizeof(root), "%s/.runc", g->root ? g->root : OCI_DEFAULT_ROOT);
	v = runc__argv(g, runc, root, argc, argv);
	if (!v)
		return oci__error(g, "cannot run %s: out of memory", runc);
	fflush(NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(runc, v);
	free(v);
	return oci__error(g, "cannot run %s: %s", runc, strerror(errno));
}

int oci_runc__exec(const struct oci_globals *g, int argc, char **argv)
{
	return runc__exec(g, argc, argv);
}

int oci_runc__call(const struct oci_globals *g, int argc, char **argv)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return oci__error(g, "cannot run runc: fork: %s", strerror(errno));
	if (pid == 0)
		_exit(runc__exec(g, argc, argv));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return oci__error(g, "waiting for runc: %s", strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return oci__error(g, "runc was killed by signal %d", WTERMSIG(status));
}
