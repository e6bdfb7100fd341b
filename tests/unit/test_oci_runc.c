/* Unit tests of oci_runc: the real runc is found and run with pith-oci's root, log and flags. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"
#include "test.h"
#include "tmpdir.h"

static char top[64];
static char last_error[512];

/* Test doubles of cli/oci_main.c's reporting: remember the message. */
int oci__error(const struct oci_globals *g, const char *fmt, ...)
{
	va_list ap;

	(void)g;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pith-oci: %s\n", last_error);
	return 1;
}

void oci__warn(const struct oci_globals *g, const char *fmt, ...)
{
	(void)g;
	(void)fmt;
}

static const char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* oci_runc__call with fds 1 and 2 sent to top/out and top/err. */
static int call(const struct oci_globals *g, int argc, char **argv)
{
	char out[128], err[128];
	int o, e, so = dup(1), se = dup(2), rc;

	snprintf(out, sizeof(out), "%s/out", top);
	snprintf(err, sizeof(err), "%s/err", top);
	o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fflush(NULL);
	dup2(o, 1);
	dup2(e, 2);
	rc = oci_runc__call(g, argc, argv);
	fflush(NULL);
	dup2(so, 1);
	dup2(se, 2);
	close(o), close(e), close(so), close(se);
	return rc;
}

static void test_path(void)
{
	const char *p = oci_runc__path();

	/* Debian's runc package: /usr/sbin/runc, the first candidate. */
	CHECK(p != NULL && strcmp(p, "/usr/sbin/runc") == 0);
}

static void test_version(void)
{
	char root[128], path[160];
	char *argv[] = {"--version"};
	struct oci_globals g = {.root = root};

	snprintf(root, sizeof(root), "%s/root", top);
	CHECK(call(&g, 1, argv) == 0);
	CHECK_CONTAINS(slurp((snprintf(path, sizeof(path), "%s/out", top), path)), "runc version");
}

/* runc looks in <root>/.runc: a broken state file there changes its answer. */
static void test_root(void)
{
	char root[128], log[160], path[256];
	char *state_absent[] = {"state", "pho6-absent"};
	char *state_broken[] = {"state", "pho6-broken"};
	struct oci_globals g = {.root = root, .log = log, .log_json = true};

	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(log, sizeof(log), "%s/log.json", top);
	CHECK(call(&g, 2, state_absent) == 1);
	CHECK_CONTAINS(slurp(log), "\"level\":\"error\"");
	CHECK_CONTAINS(slurp(log), "container does not exist");
	snprintf(path, sizeof(path), "%s/.runc/pho6-broken", root);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/.runc/pho6-broken/state.json", root);
	fclose(fopen(path, "w"));
	unlink(log);
	CHECK(call(&g, 2, state_broken) == 1);
	CHECKF(strstr(slurp(log), "container does not exist") == NULL && slurp(log)[0] != '\0',
	       "runc did not read %s: %s", path, slurp(log));
}

/* Text logs without --log-format json; runc's global flags (--debug here) are passed on. */
static void test_flags(void)
{
	char root[128], log[160];
	char *self[] = {"pith-oci", "--debug", "--root", root, "--log", log, "state", "x"};
	char *state[] = {"state", "pho6-absent"};
	struct oci_globals g = {.root = root, .log = log, .argc = 8, .argv = self};

	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(log, sizeof(log), "%s/log.txt", top);
	CHECK(call(&g, 2, state) == 1);
	CHECK_CONTAINS(slurp(log), "level=error msg=\"container does not exist\"");
	/* runc's --debug adds the source location to each log line. */
	CHECK_CONTAINS(slurp(log), "file=");
	self[1] = "--debug=true"; /* the --flag=value form */
	unlink(log);
	CHECK(call(&g, 2, state) == 1);
	CHECK_CONTAINS(slurp(log), "file=");
	g.argc = 7; /* without --debug: no location */
	self[1] = "--log-format=text";
	unlink(log);
	CHECK(call(&g, 2, state) == 1);
	CHECKF(strstr(slurp(log), "file=") == NULL, "--debug reached runc: %s", slurp(log));
}

/* oci_runc__exec replaces the process: the exit status is runc's. */
static void test_exec(void)
{
	char root[128];
	char *argv[] = {"state", "pho6-absent"};
	struct oci_globals g = {.root = root};
	int status = -1;
	pid_t pid;

	snprintf(root, sizeof(root), "%s/root", top);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		oci_runc__exec(&g, 2, argv);
		_exit(99);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %#x", status);
}

int main(void)
{
	tmpdir__make(top, sizeof(top), "pith-test-runc");
	test_path();
	test_version();
	test_root();
	test_flags();
	test_exec();
	tmpdir__remove(top);
	return test__done();
}
