/* Unit tests of oci_hooks__run: stdin, argv, env, cwd, order, failures and timeouts of hooks. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"
#include "test.h"
#include "tmpdir.h"

static char top[64];	 /* the temporary folder: the bundle and the hooks' records */
static char bundle[128]; /* top/bundle */

static void setup(void)
{
	tmpdir__make(top, sizeof(top), "pith-test-hooks");
	snprintf(bundle, sizeof(bundle), "%s/bundle", top);
	if (mkdir(bundle, 0755) < 0) {
		perror(bundle);
		exit(2);
	}
}

/* The contents of top/name ("" if absent), in a static buffer. */
static const char *slurp(const char *name)
{
	static char buf[1 << 16];
	char p[256];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", top, name);
	buf[0] = '\0';
	f = fopen(p, "r");
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A hook running the shell script `script` (with $T = top) under /bin/sh, args after it. */
static struct oci_hook sh_hook(const char *script, int timeout)
{
	static char scripts[16][512];
	static char *argvs[16][8];
	static char *envs[16][4];
	static char tvars[16][128];
	static int n;
	struct oci_hook h = {.path = "/bin/sh", .timeout = timeout};

	if (n == 16) {
		fprintf(stderr, "too many hooks\n");
		exit(2);
	}
	snprintf(scripts[n], sizeof(scripts[n]), "%s", script);
	snprintf(tvars[n], sizeof(tvars[n]), "T=%s", top);
	argvs[n][0] = "hook-argv0";
	argvs[n][1] = "-c";
	argvs[n][2] = scripts[n];
	argvs[n][3] = "dollar-zero";
	argvs[n][4] = "one";
	argvs[n][5] = "two words";
	argvs[n][6] = NULL;
	envs[n][0] = tvars[n];
	envs[n][1] = "HOOKVAR=from the spec";
	envs[n][2] = "PATH=/usr/bin:/bin";
	envs[n][3] = NULL;
	h.args = argvs[n];
	h.env = envs[n];
	n++;
	return h;
}

/* Run hooks (n of them) as kind; returns what oci_hooks__run returned, err filled. */
static int run(enum oci_hook_kind kind, struct oci_hook *hooks, size_t n, const char *state,
	       char *err, size_t errlen)
{
	struct oci_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.hooks[kind].v = hooks;
	spec.hooks[kind].n = n;
	err[0] = '\0';
	return oci_hooks__run(&spec, kind, bundle, state, err, errlen);
}

static void test_records(void)
{
	struct oci_hook h = sh_hook("cat > \"$T/stdin\"; printf '%s|' \"$0\" \"$@\" > \"$T/argv\";"
				    " env > \"$T/env\"; pwd > \"$T/cwd\"",
				    10);
	const char *state = "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\"}";
	char err[512], want[256];

	setenv("PHO6_LEAK", "the runtime's own environment", 1);
	CHECKF(run(OCI_HOOK_PRESTART, &h, 1, state, err, sizeof(err)) == 0, "%s", err);
	CHECK_STR(slurp("stdin"), state);
	CHECK_STR(slurp("argv"), "dollar-zero|one|two words|");
	CHECK_CONTAINS(slurp("env"), "HOOKVAR=from the spec\n");
	CHECKF(strstr(slurp("env"), "PHO6_LEAK") == NULL, "the runtime's environment leaked");
	snprintf(want, sizeof(want), "%s\n", bundle);
	CHECK_STR(slurp("cwd"), want);
}

/* argv[0] is args[0]; without args it is the path (runtime-spec: args as execv's argv). */
static void test_argv0(void)
{
	char *args[] = {"/bin/sh", "-c", "echo \"$0\" > \"$1\"", "my-argv0", NULL, NULL};
	char out[256], err[512];
	char *env[] = {NULL};
	struct oci_hook h = {.path = "/bin/sh", .args = args, .env = env};
	struct oci_hook plain = {.path = "/bin/true"};

	snprintf(out, sizeof(out), "%s/argv0", top);
	args[4] = out;
	CHECKF(run(OCI_HOOK_POSTSTART, &h, 1, "{}", err, sizeof(err)) == 0, "%s", err);
	CHECK_STR(slurp("argv0"), "my-argv0\n");
	/* No args, no env at all. */
	CHECKF(run(OCI_HOOK_POSTSTOP, &plain, 1, "{}", err, sizeof(err)) == 0, "%s", err);
}

static void test_failures(void)
{
	struct oci_hook fail = sh_hook("exit 2", 0);
	struct oci_hook sig = sh_hook("kill -9 $$", 0);
	struct oci_hook missing = {.path = "/pho6/no-such-hook"};
	struct oci_hook relative = {.path = "bin/true"};
	struct oci_hook notexec = {.path = bundle}; /* a folder */
	char err[512], want[512];

	CHECK(run(OCI_HOOK_PRESTART, &fail, 1, "{}", err, sizeof(err)) == -1);
	CHECK_STR(err, "prestart hook /bin/sh failed: exit status 2");
	CHECK(run(OCI_HOOK_CREATE_RUNTIME, &sig, 1, "{}", err, sizeof(err)) == -1);
	CHECK_STR(err, "createRuntime hook /bin/sh failed: killed by signal 9 (Killed)");
	CHECK(run(OCI_HOOK_CREATE_CONTAINER, &missing, 1, "{}", err, sizeof(err)) == -1);
	CHECK_STR(err, "createContainer hook /pho6/no-such-hook failed: cannot run: No such file "
		       "or directory");
	CHECK(run(OCI_HOOK_START_CONTAINER, &relative, 1, "{}", err, sizeof(err)) == -1);
	CHECK_STR(err, "startContainer hook bin/true failed: cannot run: the path is not "
		       "absolute");
	CHECK(run(OCI_HOOK_POSTSTART, &notexec, 1, "{}", err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "poststart hook %s failed: cannot run: Permission denied",
		 bundle);
	CHECK_STR(err, want);
}

static void test_missing_bundle(void)
{
	struct oci_spec spec;
	struct oci_hook h = {.path = "/bin/true"};
	char err[512];

	memset(&spec, 0, sizeof(spec));
	spec.hooks[OCI_HOOK_PRESTART].v = &h;
	spec.hooks[OCI_HOOK_PRESTART].n = 1;
	CHECK(oci_hooks__run(&spec, OCI_HOOK_PRESTART, "/pho6/no-bundle", "{}", err, sizeof(err)) ==
	      -1);
	CHECK_STR(err, "prestart hook /bin/true failed: cannot run: cannot enter the bundle "
		       "/pho6/no-bundle: No such file or directory");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A hook past its timeout is killed, with what it started (its process group). */
static void test_timeout(void)
{
	struct oci_hook h = sh_hook("sleep 30 & echo $! > \"$T/bg\"; wait", 1);
	char err[512];
	double t0 = now(), took;
	pid_t bg;

	CHECK(run(OCI_HOOK_PRESTART, &h, 1, "{}", err, sizeof(err)) == -1);
	took = now() - t0;
	CHECK_STR(err, "prestart hook /bin/sh failed: killed after its 1 s timeout");
	CHECKF(took >= 0.9 && took < 5, "took %.2f s", took);
	bg = (pid_t)atoi(slurp("bg"));
	if (CHECKF(bg > 1, "no background pid recorded")) {
		for (int i = 0; i < 100 && kill(bg, 0) == 0; i++)
			usleep(20000); /* until init reaps it */
		CHECKF(kill(bg, 0) < 0 && errno == ESRCH, "the hook's child %d survived", bg);
	}
}

/* Hooks run in the order given; the first failure stops the rest. */
static void test_order(void)
{
	struct oci_hook ok[3] = {sh_hook("echo 1 >> \"$T/order\"", 5),
				 sh_hook("echo 2 >> \"$T/order\"", 5),
				 sh_hook("echo 3 >> \"$T/order\"", 5)};
	struct oci_hook bad[3] = {sh_hook("echo a >> \"$T/order2\"", 5),
				  sh_hook("echo b >> \"$T/order2\"; exit 7", 5),
				  sh_hook("echo c >> \"$T/order2\"", 5)};
	char err[512];

	CHECKF(run(OCI_HOOK_CREATE_RUNTIME, ok, 3, "{}", err, sizeof(err)) == 0, "%s", err);
	CHECK_STR(slurp("order"), "1\n2\n3\n");
	CHECK(run(OCI_HOOK_CREATE_RUNTIME, bad, 3, "{}", err, sizeof(err)) == -1);
	CHECK_STR(slurp("order2"), "a\nb\n");
	CHECK_STR(err, "createRuntime hook /bin/sh failed: exit status 7");
	CHECK(run(OCI_HOOK_PRESTART, ok, 0, "{}", err, sizeof(err)) == 0);
}

/* A large state: fed whole to a reader; a hook that never reads it must not raise SIGPIPE. */
static void test_big_state(void)
{
	struct oci_hook reader = sh_hook("wc -c < /dev/stdin > \"$T/count\"", 10);
	struct oci_hook deaf = sh_hook("exit 0", 10);
	size_t size = 1 << 20;
	char *state = malloc(size + 1);
	char err[512];
	sigset_t mask;

	if (!CHECK(state != NULL))
		return;
	memset(state, 'x', size);
	state[size] = '\0';
	signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill this test */
	CHECKF(run(OCI_HOOK_PRESTART, &reader, 1, state, err, sizeof(err)) == 0, "%s", err);
	CHECK_STR(slurp("count"), "1048576\n");
	CHECKF(run(OCI_HOOK_PRESTART, &deaf, 1, state, err, sizeof(err)) == 0, "%s", err);
	sigprocmask(SIG_SETMASK, NULL, &mask);
	CHECKF(!sigismember(&mask, SIGPIPE), "SIGPIPE left blocked");
	free(state);
}

/* The hook's stdout and stderr both go to the runtime's stderr (stdout may be the container's). */
static void test_output(void)
{
	struct oci_hook h = sh_hook("echo to-stdout; echo to-stderr >&2", 5);
	char p[256], err[512];
	int saved = dup(2), fd;

	snprintf(p, sizeof(p), "%s/stderr", top);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!CHECK(fd >= 0 && saved >= 0))
		return;
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	CHECK(run(OCI_HOOK_POSTSTART, &h, 1, "{}", err, sizeof(err)) == 0);
	dup2(saved, 2);
	close(saved);
	CHECK_STR(slurp("stderr"), "to-stdout\nto-stderr\n");
}

int main(void)
{
	setup();
	test_records();
	test_argv0();
	test_failures();
	test_missing_bundle();
	test_timeout();
	test_order();
	test_big_state();
	test_output();
	tmpdir__remove(top);
	return test__done();
}
