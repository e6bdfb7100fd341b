/* pith-oci state, kill, ps, pause, resume and exec: the commands on a created container. */
#include "oci_cmd.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "instance.h"

/*
 * Load the container named at argv[i] (the command's last argument). 0 with st loaded; 1 after
 * an error. A delegated container is handed to runc with the same command (no return on success).
 */
static int cmd__load(struct oci_globals *g, int argc, char **argv, const char *id,
		     struct oci_state *st)
{
	if (!id || oci__find(g, id, st, false) != 0)
		return 1;
	if (!st->delegated)
		return 0;
	oci_state__free(st);
	oci_runc__exec(g, argc, argv);
	return 1;
}

/* cmd__load under the container's lock (*lock: its fd, or -1; close it when done). */
static int cmd__load_locked(struct oci_globals *g, int argc, char **argv, const char *id,
			    struct oci_state *st, int *lock)
{
	*lock = id ? oci__lock(g, id) : -1;
	if (*lock == -2)
		return 1;
	if (cmd__load(g, argc, argv, id, st) == 0)
		return 0;
	if (*lock >= 0)
		close(*lock);
	*lock = -1;
	return 1;
}

int oci_state__main(struct oci_globals *g, int argc, char **argv)
{
	struct oci_state st;

	if (cmd__load(g, argc, argv, oci__one_id(g, argc, argv, 1), &st) != 0)
		return 1;
	oci_state__write_json(stdout, &st, oci_state__status(&st));
	putchar('\n');
	oci_state__free(&st);
	return 0;
}

/* Send sig to the container's process if it is still the one recorded. */
static int kill__send(const struct oci_globals *g, const struct oci_state *st, int sig)
{
	if (!oci_state__alive(st) || kill((pid_t)st->pid, sig) < 0)
		return oci__error(g, "cannot kill container %s: container not running", st->id);
	return 0;
}

int oci_kill__main(struct oci_globals *g, int argc, char **argv)
{
	struct oci_state st;
	int i = 1, sig = SIGTERM, rc, lock;

	while (i < argc && (strcmp(argv[i], "--all") == 0 || strcmp(argv[i], "-a") == 0))
		i++; /* one process: --all signals it too */
	if (i >= argc || argv[i][0] == '-')
		return oci__usage(g, "kill: %s", i < argc ? "unknown option" : "no container ID");
	if (i + 2 < argc)
		return oci__usage(g, "kill: unexpected argument %s", argv[i + 2]);
	if (i + 1 < argc && (sig = signal__parse(argv[i + 1])) < 0)
		return oci__error(g, "invalid signal %s", argv[i + 1]);
	if (cmd__load_locked(g, argc, argv, argv[i], &st, &lock) != 0)
		return 1;
	rc = kill__send(g, &st, sig);
	oci_state__free(&st);
	if (lock >= 0)
		close(lock);
	return rc;
}

int oci_ps__main(struct oci_globals *g, int argc, char **argv)
{
	const char *format = "table";
	struct oci_state st;
	bool alive;
	int i, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++)
		if ((rc = oci__opt_value(g, argc, argv, &i, "--format", "-f", &format)) <= 0)
			return rc < 0 ? 1 : oci__usage(g, "ps: unknown option %s", argv[i]);
	if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return oci__usage(g, "ps: --format must be table or json, not %s", format);
	if (cmd__load(g, argc, argv, oci__one_id(g, argc, argv, i), &st) != 0)
		return 1;
	alive = oci_state__alive(&st);
	if (strcmp(format, "json") == 0 && alive)
		printf("[%ld]\n", st.pid);
	else if (strcmp(format, "json") == 0)
		printf("[]\n");
	else if (alive)
		printf("PID\n%ld\n", st.pid);
	else
		printf("PID\n");
	oci_state__free(&st);
	return 0;
}

/* Wait (up to 1 s) until the process's state letter is (or is not) 'T'. */
static void pause__settle(long pid, bool stopped)
{
	char buf[1024], c;
	const char *p;

	for (int i = 0; i < 1000; i++) {
		if (proc__stat(pid, buf, sizeof(buf), &p) < 0 || sscanf(p + 1, " %c", &c) != 1 ||
		    (c == 'T') == stopped)
			return;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

/* pause (SIGSTOP: every thread of the monitor stops) or resume (SIGCONT). */
static int pause__switch(struct oci_globals *g, int argc, char **argv, bool pause)
{
	struct oci_state st;
	char err[1024];
	const char *want = pause ? "running" : "paused";
	int rc = 0, lock;

	if (cmd__load_locked(g, argc, argv, oci__one_id(g, argc, argv, 1), &st, &lock) != 0)
		return 1;
	if (strcmp(oci_state__status(&st), want) != 0)
		rc = oci__error(g, "container %s is not %s: container not %s", st.id, want,
				pause ? "running" : "paused");
	else if (kill((pid_t)st.pid, pause ? SIGSTOP : SIGCONT) < 0)
		rc = oci__error(g, "container %s: container not running", st.id);
	if (rc == 0) {
		pause__settle(st.pid, pause);
		snprintf(st.status, sizeof(st.status), "%s", pause ? "paused" : "running");
		if (oci_state__save(g->root, &st, err, sizeof(err)) < 0)
			rc = oci__error(g, "%s", err);
	}
	oci_state__free(&st);
	if (lock >= 0)
		close(lock);
	return rc;
}

int oci_pause__main(struct oci_globals *g, int argc, char **argv)
{
	return pause__switch(g, argc, argv, true);
}

int oci_resume__main(struct oci_globals *g, int argc, char **argv)
{
	return pause__switch(g, argc, argv, false);
}

/* exec's options that take a value (runc exec --help), to find the container ID after them. */
static bool exec__takes_value(const char *opt)
{
	static const char *const opts[] = {"--console-socket",
					   "--cwd",
					   "--env",
					   "-e",
					   "--user",
					   "-u",
					   "--additional-gids",
					   "-g",
					   "--process",
					   "-p",
					   "--process-label",
					   "--apparmor",
					   "--cap",
					   "-c",
					   "--preserve-fds",
					   "--pid-file",
					   "--cgroup"};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strcmp(opt, opts[i]) == 0)
			return true;
	return false;
}

int oci_exec__main(struct oci_globals *g, int argc, char **argv)
{
	struct oci_state st;
	const char *id = NULL;

	for (int i = 1; i < argc && !id; i++)
		if (argv[i][0] != '-')
			id = argv[i];
		else if (exec__takes_value(argv[i]))
			i++;
	if (!id)
		return oci__usage(g, "exec: no container ID given");
	if (cmd__load(g, argc, argv, id, &st) != 0)
		return 1;
	oci_state__free(&st);
	return oci__error(g, "exec is not supported: a unikernel runs one process (container %s)",
			  id);
}
