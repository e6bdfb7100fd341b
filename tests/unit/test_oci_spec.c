/* Unit tests of config.json loading (cli/oci_spec.c): engines' real files, every field, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "oci_spec.h"
#include "test.h"

static const char *fixtures; /* tests/unit/fixtures/oci */

/* The whole fixture file name, malloc'd (NULL with a failed check if unreadable). */
static char *fixture(const char *name, size_t *len)
{
	char path[512];
	char *text = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	f = fopen(path, "r");
	CHECKF(f != NULL, "cannot open %s", path);
	if (!f)
		return NULL;
	text = calloc(1, 1 << 20);
	*len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	return text;
}

/* Parse fixture name with bundle /bundles/b1; 0 on success (else a failed check). */
static int load_fixture(const char *name, struct oci_spec *spec)
{
	char err[512] = "";
	size_t len = 0;
	char *text = fixture(name, &len);
	int rc = -1;

	if (text)
		rc = oci_spec__parse(spec, text, len, "/bundles/b1", name, err, sizeof(err));
	CHECKF(rc == 0, "%s: %s", name, err);
	free(text);
	return rc;
}

static bool strv_eq(char **v, size_t n, const char *const *want)
{
	size_t i = 0;

	for (; want[i]; i++)
		if (i >= n || !v[i] || strcmp(v[i], want[i]) != 0)
			return false;
	return i == n && v[n] == NULL;
}

#define STRV(...) ((const char *const[]){__VA_ARGS__, NULL})
static const char *const none[] = {NULL};

static size_t hook_count(const struct oci_spec *s)
{
	size_t n = 0;

	for (int k = 0; k < OCI_HOOK_KINDS; k++)
		n += s->hooks[k].n;
	return n;
}

/* ---- real files ---------------------------------------------------------------------------- */

/* `runc spec` and `crun spec`: the defaults, with a relative root. */
static void test_spec_defaults(void)
{
	static const char *const files[] = {"runc.json", "crun.json"};
	static const char *const versions[] = {"1.0.2-dev", "1.0.0"};

	for (int i = 0; i < 2; i++) {
		struct oci_spec s;

		if (load_fixture(files[i], &s) < 0)
			continue;
		CHECK_STR(s.oci_version, versions[i]);
		CHECK(strv_eq(s.args, s.nargs, STRV("sh")));
		CHECK(strv_eq(
		    s.env, s.nenv,
		    STRV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 "TERM=xterm")));
		CHECK_STR(s.cwd, "/");
		CHECK(s.terminal);
		CHECK_STR(s.root_path, "/bundles/b1/rootfs");
		CHECK(s.root_readonly);
		CHECK(s.nann == 0 && oci_spec__annotation(&s, "x") == NULL);
		CHECK(hook_count(&s) == 0);
		CHECK(s.netns == OCI_NETNS_NEW && s.netns_path == NULL);
		CHECK(s.cgroups_path == NULL);
		CHECK(s.memory_limit == 0);
		oci_spec__free(&s);
	}
}

/* `ctr run --rm --memory-limit 134217728 --label org.pith.mem=32M --rootfs DIR ID /hello.pith one`.
 */
static void test_containerd(void)
{
	struct oci_spec s;

	if (load_fixture("containerd.json", &s) < 0)
		return;
	CHECK_STR(s.oci_version, "1.0.2-dev");
	CHECK(strv_eq(s.args, s.nargs, STRV("/hello.pith", "one")));
	CHECK(strv_eq(s.env, s.nenv, none)); /* ctr --rootfs gives no env */
	CHECK_STR(s.cwd, "/");
	CHECK(!s.terminal);
	CHECK_STR(s.root_path, "/tmp/pith-json-fixture-u6VAxZ/rootfs");
	CHECK(!s.root_readonly);
	CHECK(s.nann == 1);
	CHECK_STR(oci_spec__annotation(&s, "org.pith.mem"), "32M");
	CHECK(hook_count(&s) == 0);
	CHECK(s.netns == OCI_NETNS_NEW);
	CHECK_STR(s.cgroups_path, "/pithtest/pith-fixture-ctr");
	CHECK(s.memory_limit == 134217728);
	oci_spec__free(&s);
}

/* podman run --rm --network none -e GREETING=hi --annotation org.pith.mem=32M --memory 128m. */
static void test_podman(void)
{
	struct oci_spec s;

	if (load_fixture("podman.json", &s) < 0)
		return;
	CHECK_STR(s.oci_version, "1.0.2-dev");
	CHECK(strv_eq(s.args, s.nargs, STRV("/hello.pith", "one")));
	CHECK(strv_eq(s.env, s.nenv,
		      STRV("TERM=xterm", "GREETING=hi",
			   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			   "HOSTNAME=b2e244b5157c")));
	CHECK(!s.terminal);
	CHECK_STR(s.root_path, "/tmp/pith-json-fixture-u6VAxZ/rootfs");
	CHECK(s.nann == 9);
	CHECK_STR(s.ann_keys[0], "io.container.manager");
	CHECK_STR(s.ann_values[0], "libpod");
	CHECK_STR(oci_spec__annotation(&s, "org.pith.mem"), "32M");
	CHECK_STR(oci_spec__annotation(&s, "io.kubernetes.cri-o.TTY"), "false");
	CHECK(s.netns == OCI_NETNS_NEW);
	CHECK_STR(s.cgroups_path,
		  "/libpod_parent/libpod-"
		  "b2e244b5157ca9902bfb2d9b8fb406b711fcbd5769cbf65c5fc5a564181bdab9");
	CHECK(s.memory_limit == 134217728);
	oci_spec__free(&s);
}

/* docker run --rm --runtime pith -e GREETING=hi --memory 128m (dockerd with --bridge=none). */
static void test_docker(void)
{
	struct oci_spec s;

	if (load_fixture("docker.json", &s) < 0)
		return;
	CHECK(strv_eq(s.args, s.nargs, STRV("/hello.pith", "one")));
	CHECK(strv_eq(s.env, s.nenv,
		      STRV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			   "HOSTNAME=bd8943fe91e6", "GREETING=hi")));
	CHECK_STR(s.root_path, "/tmp/pith-json-fixture-u6VAxZ/dk/data/vfs/dir/"
			       "651a5d665a67bcdac811c6ef318e064c7cb92fba017f2f3fa85902a246b2df3b");
	CHECK(s.nann == 0);
	CHECK(hook_count(&s) == 0); /* "hooks": {} */
	CHECK(s.netns == OCI_NETNS_NEW);
	CHECK_STR(s.cgroups_path,
		  "/docker/bd8943fe91e603df4d4cd4d3998781cb5e99c7ef289a5d2cf67a59925879574c");
	CHECK(s.memory_limit == 134217728);
	oci_spec__free(&s);
}

static void check_hook(const struct oci_hook *h, const char *path, const char *const *args,
		       const char *const *env, int timeout)
{
	size_t na = 0, ne = 0;

	while (h->args && h->args[na])
		na++;
	while (h->env && h->env[ne])
		ne++;
	CHECK_STR(h->path, path);
	CHECKF(h->args && strv_eq(h->args, na, args), "%s: args", path);
	CHECKF(h->env && strv_eq(h->env, ne, env), "%s: env", path);
	CHECKF(h->timeout == timeout, "%s: timeout %d", path, h->timeout);
}

/* A file setting every field pith-oci reads, with unknown fields around them. */
static void test_full(void)
{
	struct oci_spec s;
	const struct oci_hooks *h = s.hooks;

	if (load_fixture("full.json", &s) < 0)
		return;
	CHECK_STR(s.oci_version, "1.1.0");
	CHECK(strv_eq(s.args, s.nargs,
		      STRV("/web/site.pith", "8080", "caf\xc3\xa9 \xf0\x9f\x98\x80")));
	CHECK(strv_eq(s.env, s.nenv, STRV("PATH=/usr/bin", "EMPTY=", "A=b=c")));
	CHECK_STR(s.cwd, "/srv");
	CHECK(s.terminal);
	CHECK_STR(s.root_path, "/bundles/b1/rootfs/");
	CHECK(s.root_readonly);
	CHECK(s.nann == 4); /* file order, the repeated key twice: the last one counts */
	CHECK_STR(oci_spec__annotation(&s, "org.pith.image"), "/web/site.pith");
	CHECK_STR(oci_spec__annotation(&s, "org.pith.mem"), "96M");
	CHECK_STR(oci_spec__annotation(&s, "io.kubernetes.cri.container-type"), "container");
	CHECK_STR(s.ann_keys[1], "org.pith.mem");
	CHECK_STR(s.ann_values[1], "48M");
	CHECK(h[OCI_HOOK_PRESTART].n == 2 && h[OCI_HOOK_CREATE_RUNTIME].n == 1 &&
	      h[OCI_HOOK_CREATE_CONTAINER].n == 1 && h[OCI_HOOK_START_CONTAINER].n == 0 &&
	      h[OCI_HOOK_POSTSTART].n == 1 && h[OCI_HOOK_POSTSTOP].n == 1);
	if (hook_count(&s) == 6) {
		check_hook(&h[OCI_HOOK_PRESTART].v[0], "/usr/bin/libnetwork-setkey",
			   STRV("libnetwork-setkey", "-exec-root=/var/run/docker", "abc", "def"),
			   none, 0);
		check_hook(&h[OCI_HOOK_PRESTART].v[1], "/bin/true", none, none, 0);
		check_hook(&h[OCI_HOOK_CREATE_RUNTIME].v[0], "/bin/cr", none, STRV("X=1"), 5);
		check_hook(&h[OCI_HOOK_CREATE_CONTAINER].v[0], "/bin/cc", none, none, 0);
		check_hook(&h[OCI_HOOK_POSTSTART].v[0], "/bin/ps", none, none, 1);
		check_hook(&h[OCI_HOOK_POSTSTOP].v[0], "/bin/stop", STRV("stop", "--now"),
			   STRV("Y=2"), 30);
	}
	CHECK(s.netns == OCI_NETNS_PATH);
	CHECK_STR(s.netns_path, "/var/run/netns/cni-1234");
	CHECK_STR(s.cgroups_path, "kubepods-besteffort-pod1.slice:cri-containerd:abc");
	CHECK(s.memory_limit == 0); /* -1: unlimited */
	oci_spec__free(&s);
}

/* ---- oci_spec__load: a bundle folder ------------------------------------------------------- */

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	CHECKF(f != NULL, "cannot write %s", path);
}

static void test_load(void)
{
	char dir[] = "/tmp/pith-test-spec-XXXXXX", path[128], want[160], err[512] = "";
	size_t len = 0;
	char *text = fixture("full.json", &len);
	struct oci_spec s;

	if (!text || !mkdtemp(dir)) {
		free(text);
		return;
	}
	snprintf(path, sizeof(path), "%s/config.json", dir);
	CHECKF(oci_spec__load(&s, dir, err, sizeof(err)) == -1, "loaded a missing file");
	snprintf(want, sizeof(want), "%s/config.json: No such file or directory", dir);
	CHECK_STR(err, want);
	CHECK(s.args == NULL && s.root_path == NULL);
	write_file(path, text, len);
	CHECKF(oci_spec__load(&s, dir, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "%s/rootfs/", dir);
	CHECK_STR(s.root_path, want);
	CHECK_STR(s.args[0], "/web/site.pith");
	oci_spec__free(&s);
	CHECK(s.args == NULL && s.nargs == 0);
	snprintf(want, sizeof(want), "%s/", dir); /* a bundle given with a trailing slash */
	CHECKF(oci_spec__load(&s, want, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "%s/rootfs/", dir);
	CHECK_STR(s.root_path, want);
	oci_spec__free(&s);
	write_file(path, "{\n  \"ociVersion\": \"1.0.2\",\n  \"process\" {}\n}\n", 42);
	CHECK(oci_spec__load(&s, dir, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want), "%s/config.json: line 3, column 13: expected ':', found '{'",
		 dir);
	CHECK_STR(err, want);
	write_file(path, "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}}", 46);
	CHECK(oci_spec__load(&s, dir, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want),
		 "%s/config.json: process is missing (it names the Pith image to run)", dir);
	CHECK_STR(err, want);
	unlink(path);
	rmdir(dir);
	free(text);
}

/* ---- malformed files: the exact messages --------------------------------------------------- */

#define BASE                                                                                       \
	"{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/a.pith\"], \"cwd\": \"/\"}, "     \
	"\"root\": {\"path\": \"rootfs\"}"

/* BASE plus members (later ones replace BASE's: the last of repeated names counts). */
static void refuses(const char *members, const char *want)
{
	char text[2048], err[512] = "", full[512];
	struct oci_spec s;
	int rc;

	snprintf(text, sizeof(text), "%s%s%s}", BASE, members[0] ? ", " : "", members);
	rc = oci_spec__parse(&s, text, strlen(text), "/b", "/b/config.json", err, sizeof(err));
	CHECKF(rc == -1, "accepted %s", members);
	snprintf(full, sizeof(full), "/b/config.json: %s", want);
	CHECK_STR(err, full);
	CHECK(s.args == NULL && s.oci_version == NULL && s.nann == 0 && s.root_path == NULL);
	if (rc == 0)
		oci_spec__free(&s);
}

/* BASE plus members parses; returns the memory limit. */
static int64_t memory_of(const char *members)
{
	char text[2048], err[512] = "";
	struct oci_spec s;
	int64_t m = -99;

	snprintf(text, sizeof(text), "%s, %s}", BASE, members);
	if (oci_spec__parse(&s, text, strlen(text), "/b", "c.json", err, sizeof(err)) == 0) {
		m = s.memory_limit;
		oci_spec__free(&s);
	}
	CHECKF(m != -99, "%s: %s", members, err);
	return m;
}

static void test_errors_top(void)
{
	struct oci_spec s;
	char err[512];

	CHECK(oci_spec__parse(&s, "[]", 2, "/b", "x.json", err, sizeof(err)) == -1);
	CHECK_STR(err, "x.json: the configuration must be a JSON object");
	CHECK(oci_spec__parse(&s, "{", 1, "/b", "x.json", err, sizeof(err)) == -1);
	CHECK_STR(err,
		  "x.json: line 1, column 2: expected a string (an object's key), found end of "
		  "input");
	CHECK(oci_spec__parse(&s, "{\"process\": {}}", 15, "/b", "x.json", err, sizeof(err)) == -1);
	CHECK_STR(err, "x.json: ociVersion is missing");
	refuses("\"ociVersion\": 1", "ociVersion must be a string");
	refuses("\"ociVersion\": null", "ociVersion must be a string");
}

static void test_errors_process(void)
{
	refuses("\"process\": []", "process must be an object");
	refuses("\"process\": {}", "process.args must be a non-empty array of strings");
	refuses("\"process\": {\"args\": []}", "process.args must be a non-empty array of strings");
	refuses("\"process\": {\"args\": \"/a.pith\"}",
		"process.args must be a non-empty array of strings");
	refuses("\"process\": {\"args\": [\"a\", \"b\", 3]}", "process.args[2] must be a string");
	refuses("\"process\": {\"args\": [null]}", "process.args[0] must be a string");
	refuses("\"process\": {\"args\": [\"a\"], \"env\": \"A=1\"}",
		"process.env must be an array of strings");
	refuses("\"process\": {\"args\": [\"a\"], \"env\": [\"A=1\", {}]}",
		"process.env[1] must be a string");
	refuses("\"process\": {\"args\": [\"a\"], \"cwd\": 1}", "process.cwd must be a string");
	refuses("\"process\": {\"args\": [\"a\"], \"terminal\": \"yes\"}",
		"process.terminal must be true or false");
	refuses("\"root\": \"rootfs\"", "root must be an object");
	refuses("\"root\": {}", "root.path is missing");
	refuses("\"root\": {\"path\": 1}", "root.path must be a non-empty string");
	refuses("\"root\": {\"path\": \"\"}", "root.path must be a non-empty string");
	refuses("\"root\": {\"path\": \"r\", \"readonly\": 1}",
		"root.readonly must be true or false");
	refuses("\"annotations\": []", "annotations must be an object");
	refuses("\"annotations\": {\"a\": \"1\", \"b\": 2}", "annotations.b must be a string");
	refuses("\"annotations\": {\"\": \"x\"}", "annotations: a key must not be empty");
}

static void test_errors_hooks(void)
{
	refuses("\"hooks\": []", "hooks must be an object");
	refuses("\"hooks\": {\"prestart\": {}}", "hooks.prestart must be an array");
	refuses("\"hooks\": {\"prestart\": [5]}", "hooks.prestart[0] must be an object");
	refuses("\"hooks\": {\"prestart\": [{}]}",
		"hooks.prestart[0].path must be an absolute path");
	refuses("\"hooks\": {\"prestart\": [{\"path\": 5}]}",
		"hooks.prestart[0].path must be a string");
	refuses("\"hooks\": {\"poststop\": [{\"path\": \"/a\"}, {\"path\": \"rel/b\"}]}",
		"hooks.poststop[1].path must be an absolute path");
	refuses("\"hooks\": {\"createRuntime\": [{\"path\": \"/a\", \"args\": [\"a\", 1]}]}",
		"hooks.createRuntime[0].args[1] must be a string");
	refuses("\"hooks\": {\"createContainer\": [{\"path\": \"/a\", \"env\": \"X=1\"}]}",
		"hooks.createContainer[0].env must be an array of strings");
	refuses("\"hooks\": {\"startContainer\": [{\"path\": \"/a\", \"timeout\": 0}]}",
		"hooks.startContainer[0].timeout must be an integer greater than 0 (seconds)");
	refuses("\"hooks\": {\"poststart\": [{\"path\": \"/a\", \"timeout\": 1.5}]}",
		"hooks.poststart[0].timeout must be an integer greater than 0 (seconds)");
	refuses("\"hooks\": {\"poststart\": [{\"path\": \"/a\", \"timeout\": \"5\"}]}",
		"hooks.poststart[0].timeout must be an integer greater than 0 (seconds)");
	refuses("\"hooks\": {\"poststart\": [{\"path\": \"/a\", \"timeout\": -3}]}",
		"hooks.poststart[0].timeout must be an integer greater than 0 (seconds)");
}

static void test_errors_linux(void)
{
	refuses("\"linux\": []", "linux must be an object");
	refuses("\"linux\": {\"namespaces\": {}}", "linux.namespaces must be an array");
	refuses("\"linux\": {\"namespaces\": [5]}", "linux.namespaces[0] must be an object");
	refuses("\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {}]}",
		"linux.namespaces[1].type must be a string");
	refuses("\"linux\": {\"namespaces\": [{\"type\": \"net\"}]}",
		"linux.namespaces[0].type: unknown namespace type \"net\"");
	refuses("\"linux\": {\"namespaces\": [{\"type\": \"network\"}, {\"type\": \"pid\"}, "
		"{\"type\": \"network\", \"path\": \"/x\"}]}",
		"linux.namespaces[2]: namespace type \"network\" given twice");
	refuses("\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"netns/a\"}]}",
		"linux.namespaces[0].path must be an absolute path");
	refuses("\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": 7}]}",
		"linux.namespaces[0].path must be an absolute path");
	refuses("\"linux\": {\"cgroupsPath\": 5}", "linux.cgroupsPath must be a string");
	refuses("\"linux\": {\"resources\": []}", "linux.resources must be an object");
	refuses("\"linux\": {\"resources\": {\"memory\": 5}}",
		"linux.resources.memory must be an object");
	refuses("\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}",
		"linux.resources.memory.limit must be an integer: bytes, or -1 for no limit");
	refuses("\"linux\": {\"resources\": {\"memory\": {\"limit\": 1.5e8}}}",
		"linux.resources.memory.limit must be an integer: bytes, or -1 for no limit");
	refuses("\"linux\": {\"resources\": {\"memory\": {\"limit\": -2}}}",
		"linux.resources.memory.limit must be an integer: bytes, or -1 for no limit");
	refuses("\"linux\": {\"resources\": {\"memory\": {\"limit\": 99999999999999999999}}}",
		"linux.resources.memory.limit must be an integer: bytes, or -1 for no limit");
}

/* Netns and memory values that are accepted; unknown fields are ignored (config.md). */
static void test_accepted_values(void)
{
	char err[512] = "";
	struct oci_spec s;
	const char *text = BASE "}";

	CHECK(oci_spec__parse(&s, text, strlen(text), "/b", "c.json", err, sizeof(err)) == 0);
	CHECK(s.netns == OCI_NETNS_HOST && s.memory_limit == 0 && s.cgroups_path == NULL);
	CHECK(s.env && s.env[0] == NULL && s.nenv == 0 && s.ann_keys && s.nann == 0);
	CHECK_STR(s.root_path, "/b/rootfs");
	oci_spec__free(&s);
	CHECK(memory_of("\"linux\": {}") == 0);
	CHECK(memory_of("\"linux\": {\"resources\": {}}") == 0);
	CHECK(memory_of("\"linux\": {\"resources\": {\"memory\": {\"limit\": -1}}}") == 0);
	CHECK(memory_of("\"linux\": {\"resources\": {\"memory\": {\"limit\": 0}}}") == 0);
	CHECK(memory_of("\"linux\": {\"resources\": {\"memory\": {\"limit\": 4194304}}}") ==
	      4194304);
	CHECK(memory_of(
		  "\"linux\": {\"resources\": {\"memory\": {\"limit\": 9223372036854775807}}}") ==
	      INT64_MAX);
	CHECK(memory_of("\"unknown\": {\"deep\": [1, 2, {\"x\": null}]}, \"vm\": 5") == 0);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "tests/unit/fixtures/oci";
	test_spec_defaults();
	test_containerd();
	test_podman();
	test_docker();
	test_full();
	test_load();
	test_errors_top();
	test_errors_process();
	test_errors_hooks();
	test_errors_linux();
	test_accepted_values();
	return test__done();
}
