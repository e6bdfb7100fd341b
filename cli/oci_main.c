/* pith-oci's entry point: runc's global options, the command table, errors and the --log file. */
#include "oci_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <pith/version.h>

#include "json.h"

static const char usage_text[] =
    "Usage: pith-oci [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
    "Pith's OCI runtime, with runc's command line: runs a Pith image (process.args[0] naming a\n"
    ".pith file in the rootfs, or the org.pith.image annotation) in a KVM virtual machine.\n"
    "\n"
    "Global options:\n"
    "  --root DIR               state folder (default " OCI_DEFAULT_ROOT ")\n"
    "  --log FILE               append errors and warnings to FILE\n"
    "  --log-format text|json   the --log lines' format (default text)\n"
    "  --debug, --systemd-cgroup, --rootless VALUE, --criu VALUE   accepted, ignored\n"
    "  --version, -v            print the version;  --help, -h   print this\n"
    "\n"
    "Commands:\n"
    "  create [--bundle|-b DIR] [--pid-file FILE] [--console-socket SOCKET] ID\n"
    "         (accepted, ignored: --no-pivot, --no-new-keyring, --preserve-fds N, --detach|-d)\n"
    "  start ID                 the guest starts; waits for it up to 30 s\n"
    "                           (environment PITH_OCI_START_TIMEOUT=SECONDS)\n"
    "  run [create's options] [--detach|-d] ID   create + start, wait, delete\n"
    "  state ID                 runc's state JSON\n"
    "  kill [--all|-a] ID [SIGNAL]   default SIGTERM; a number, or a name with or without SIG\n"
    "  delete [--force|-f] ID   --force kills a running container first\n"
    "  ps [--format|-f table|json] ID\n"
    "  pause ID, resume ID\n"
    "  list [-q|--quiet] [--format|-f table|json]\n"
    "  exec, update, checkpoint, restore, events, spec, features: not supported\n"
    "\n"
    "Containers that are not Pith images (org.pith.fallback=runc, pod sandboxes) run with runc.\n"
    "Exit status: 0 success, 1 an error (one line 'pith-oci: ...' on stderr).\n";

/* "2026-11-27T17:00:00Z" */
static void log__time(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One line in --log: JSON ({"level":..,"msg":..,"time":..}) or logfmt (time= level= msg=). */
static void log__line(const struct oci_globals *g, const char *level, const char *msg)
{
	char when[32];
	FILE *f;
	int fd = open(g->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0 || !(f = fdopen(fd, "a"))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	log__time(when, sizeof(when));
	if (g->log_json) {
		fprintf(f, "{\"level\":\"%s\",\"msg\":", level);
		json__write_string(f, msg);
		fprintf(f, ",\"time\":\"%s\"}\n", when);
	} else {
		fprintf(f, "time=\"%s\" level=%s msg=", when, level);
		json__write_string(f, msg); /* quoted, escaped as logfmt does */
		fputc('\n', f);
	}
	fclose(f);
}

static int error__v(const struct oci_globals *g, const char *prefix, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "pith-oci: %s%s\n", prefix, msg);
	if (g && g->log)
		log__line(g, "error", msg);
	return 1;
}

int oci__error(const struct oci_globals *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error__v(g, "", fmt, ap);
	va_end(ap);
	return 1;
}

int oci__usage(const struct oci_globals *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error__v(g, "", fmt, ap);
	va_end(ap);
	fputs("Run 'pith-oci --help' for usage.\n", stderr);
	return 1;
}

void oci__warn(const struct oci_globals *g, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g->log)
		log__line(g, "warning", msg);
	else
		fprintf(stderr, "pith-oci: warning: %s\n", msg);
}

int oci__opt_value(const struct oci_globals *g, int argc, char **argv, int *i, const char *lopt,
		   const char *sopt, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(lopt);

	if (strncmp(a, lopt, n) == 0 && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (strcmp(a, lopt) != 0 && (!sopt || strcmp(a, sopt) != 0))
		return 0;
	if (*i + 1 >= argc) {
		oci__usage(g, "%s needs a value", a);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

const char *oci__one_id(const struct oci_globals *g, int argc, char **argv, int i)
{
	if (i >= argc) {
		oci__usage(g, "%s: no container ID given", argv[0]);
		return NULL;
	}
	if (argv[i][0] == '-' && argv[i][1]) {
		oci__usage(g, "%s: unknown option %s", argv[0], argv[i]);
		return NULL;
	}
	if (i + 1 < argc) {
		oci__usage(g, "%s: unexpected argument %s", argv[0], argv[i + 1]);
		return NULL;
	}
	return argv[i];
}

int oci__find(const struct oci_globals *g, const char *id, struct oci_state *st, bool quiet)
{
	char err[1024];
	int rc = oci_state__load(g->root, id, st, err, sizeof(err));

	if (rc == 1 && !quiet)
		oci__error(g, "container %s does not exist", id);
	if (rc < 0)
		oci__error(
		    g,
		    "container %s: its state file is unreadable (%s): `pith-oci delete --force "
		    "%s` removes it",
		    id, err, id);
	return rc;
}

void oci__saved_hooks(const struct oci_globals *g, const struct oci_state *st,
		      enum oci_hook_kind kind, const char *status)
{
	char dir[PATH_MAX], err[1024], *state;
	struct oci_spec spec;

	oci_state__path(dir, sizeof(dir), g->root, st->id, NULL);
	if (oci_spec__load(&spec, dir, err, sizeof(err)) < 0) {
		oci__warn(g, "%s hooks: %s", oci_spec__hook_name(kind), err);
		return;
	}
	state = oci_state__json(st, status);
	if (spec.hooks[kind].n &&
	    oci_hooks__run(&spec, kind, st->bundle, state ? state : "{}", err, sizeof(err)) < 0)
		oci__warn(g, "%s", err);
	free(state);
	oci_spec__free(&spec);
}

int oci__lock(const struct oci_globals *g, const char *id)
{
	char path[4096];
	int fd, i;

	if (!oci_state__valid_id(id) || oci_state__path(path, sizeof(path), g->root, id, NULL) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1; /* no such container: oci__find says so */
	for (i = 0; i < OCI_LOCK_WAIT_MS / 10; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	close(fd);
	oci__error(g, "container %s is busy: another pith-oci command holds its lock (waited %d s)",
		   id, OCI_LOCK_WAIT_MS / 1000);
	return -2;
}

static int unsupported__main(struct oci_globals *g, int argc, char **argv)
{
	(void)argc;
	return oci__error(g, "%s is not supported by pith-oci", argv[0]);
}

static const struct {
	const char *name;
	int (*main)(struct oci_globals *g, int argc, char **argv);
} commands[] = {{"create", oci_create__main},
		{"start", oci_start__main},
		{"run", oci_run__main},
		{"state", oci_state__main},
		{"kill", oci_kill__main},
		{"delete", oci_delete__main},
		{"ps", oci_ps__main},
		{"pause", oci_pause__main},
		{"resume", oci_resume__main},
		{"list", oci_list__main},
		{"exec", oci_exec__main},
		{"update", unsupported__main},
		{"checkpoint", unsupported__main},
		{"restore", unsupported__main},
		{"events", unsupported__main},
		{"spec", unsupported__main},
		{"features", unsupported__main}};

/* Whether argv[i] is flag, alone or as flag=VALUE. */
static bool flag__is(const char *arg, const char *flag)
{
	size_t n = strlen(flag);

	return strncmp(arg, flag, n) == 0 && (arg[n] == 0 || arg[n] == '=');
}

/* A global option at argv[*i]: 1 taken, 0 not one (the command), -1 error. */
static int global__take(struct oci_globals *g, int argc, char **argv, int *i)
{
	const char *v;
	int rc;

	if ((rc = oci__opt_value(g, argc, argv, i, "--root", NULL, &g->root)) != 0 ||
	    (rc = oci__opt_value(g, argc, argv, i, "--log", NULL, &g->log)) != 0)
		return rc;
	if ((rc = oci__opt_value(g, argc, argv, i, "--log-format", NULL, &v)) != 0) {
		if (rc > 0 && strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
			return oci__usage(g, "--log-format must be text or json, not %s", v), -1;
		g->log_json = rc > 0 && strcmp(v, "json") == 0;
		return rc;
	}
	/* runc's options that mean nothing here: accepted and ignored */
	if (flag__is(argv[*i], "--debug") || flag__is(argv[*i], "--systemd-cgroup"))
		return 1;
	if ((rc = oci__opt_value(g, argc, argv, i, "--rootless", NULL, &v)) != 0)
		return rc;
	return oci__opt_value(g, argc, argv, i, "--criu", NULL, &v);
}

int oci__main(int argc, char **argv)
{
	struct oci_globals g = {.root = OCI_DEFAULT_ROOT, .argc = argc, .argv = argv};
	int i, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-v") == 0) {
			printf("pith-oci version %s\nspec: 1.0.2\n", PITH_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if ((rc = global__take(&g, argc, argv, &i)) < 0)
			return 1;
		if (rc == 0)
			return oci__usage(&g, "unknown global option %s", argv[i]);
	}
	if (i >= argc)
		return oci__usage(&g, "no command given");
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			return commands[k].main(&g, argc - i, argv + i);
	return oci__usage(&g, "unknown command %s", argv[i]);
}
