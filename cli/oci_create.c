/* pith-oci create: load the bundle, find the image, fork the stub that waits for start, record
   the state, write the pid file and run the create-time hooks. */
#include "oci_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pith/abi.h>

#include "instance.h"
#include "oci_cgroup.h"
#include "run_args.h"
#include "size.h"

extern char **environ;

/*
 * What a memory limit L keeps outside the guest's RAM: 2 MiB + L/64. Measured here (cgroup v1
 * memory.max_usage_in_bytes minus what the guest touched, guest touching all its heap and stack,
 * tests/oci/cli_direct.sh "memory-reserve"): 1.0 MiB at L = 64M, 2.0 MiB at 256M, and the monitor
 * OOM-killed (exit 137) at 512M and 1G with a flat 2 MiB. What grows with L: the monitor's
 * page-table pool above the guest's RAM (vmm/layout.c, up to RAM/64, touched as the guest maps
 * memory), the host's page tables for the guest mapping (1/512 of it) and KVM's shadow page
 * tables (kmem: 7.2 MiB at 1G). Fixed: the monitor's own RSS and kernel objects (~1 MiB).
 */
#define MONITOR_RESERVE_FIXED (2ULL << 20)
#define MONITOR_RESERVE(l)    (MONITOR_RESERVE_FIXED + (l) / 64)

struct create_opts {
	const char *bundle, *pid_file, *console, *id;
	char bundle_abs[PATH_MAX];
};

/* create's options (runc's: --bundle/-b, --pid-file, --console-socket; others ignored). */
static int create__parse(const struct oci_globals *g, int argc, char **argv, struct create_opts *o)
{
	const char *v;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if ((rc = oci__opt_value(g, argc, argv, &i, "--bundle", "-b", &o->bundle)) ||
		    (rc = oci__opt_value(g, argc, argv, &i, "--pid-file", NULL, &o->pid_file)) ||
		    (rc = oci__opt_value(g, argc, argv, &i, "--console-socket", NULL,
					 &o->console)) ||
		    (rc = oci__opt_value(g, argc, argv, &i, "--preserve-fds", NULL, &v))) {
			if (rc < 0)
				return -1;
			continue;
		}
		if (strcmp(argv[i], "--no-pivot") != 0 &&
		    strcmp(argv[i], "--no-new-keyring") != 0 && strcmp(argv[i], "--detach") != 0 &&
		    strcmp(argv[i], "-d") != 0)
			return oci__usage(g, "%s: unknown option %s", argv[0], argv[i]), -1;
	}
	if (!(o->id = oci__one_id(g, argc, argv, i)))
		return -1;
	if (!oci_state__valid_id(o->id))
		return oci__error(g, "invalid container ID %s", o->id), -1;
	if (!realpath(o->bundle ? o->bundle : ".", o->bundle_abs))
		return oci__error(g, "bundle %s: %s", o->bundle ? o->bundle : ".", strerror(errno)),
		       -1;
	return 0;
}

static bool str__ends(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

static bool ann__is(const struct oci_spec *spec, const char *key, const char *value)
{
	const char *v = oci_spec__annotation(spec, key);

	return v && strcmp(v, value) == 0;
}

/* The image's path in the rootfs (*path), or NULL for runc. -1 after an error. */
static int create__image(const struct oci_globals *g, const struct oci_spec *spec,
			 const char **path)
{
	*path = NULL;
	if (ann__is(spec, "io.kubernetes.cri.container-type", "sandbox") ||
	    ann__is(spec, "io.kubernetes.cri-o.ContainerType", "sandbox"))
		return 0;
	if ((*path = oci_spec__annotation(spec, "org.pith.image")))
		return 0;
	if (str__ends(spec->args[0], ".pith")) {
		*path = spec->args[0];
		return 0;
	}
	if (ann__is(spec, "org.pith.fallback", "runc"))
		return 0;
	return oci__error(g,
			  "%s is not a Pith image: process.args[0] must name a .pith file in the "
			  "container's rootfs, or set the org.pith.image annotation (to run other "
			  "containers with runc, set org.pith.fallback=runc)",
			  spec->args[0]),
	       -1;
}

/* The smallest limit that leaves PITH_MEM_MIN to the guest: L - 2 MiB - L/64 >= MIN. */
static uint64_t oci__min_limit(void)
{
	uint64_t l = (MONITOR_RESERVE_FIXED + PITH_MEM_MIN) * 64 / 63;

	while (l < MONITOR_RESERVE(l) + PITH_MEM_MIN)
		l++;
	return l;
}

/* The guest's memory: the spec's limit less the monitor's reserve, org.pith.mem, or 64M. */
static int create__mem(const struct oci_spec *spec, uint64_t *mem, char *err, size_t errlen)
{
	const char *ann = oci_spec__annotation(spec, "org.pith.mem");
	uint64_t l = (uint64_t)spec->memory_limit;

	*mem = RUN_ARGS_DEFAULT_MEM;
	if (spec->memory_limit > 0) {
		if (l < MONITOR_RESERVE(l) + PITH_MEM_MIN) {
			char have[32];
			uint64_t need = oci__min_limit();

			size__format(l, have, sizeof(have));
			snprintf(err, errlen,
				 "memory limit %s is too small: Pith needs at least %.2f MiB (%llu "
				 "bytes: a 2 MiB guest + the monitor's 2 MiB + 1/64 of the limit)",
				 have, (double)((need * 100 + 1048575) / 1048576) / 100,
				 (unsigned long long)need);
			return -1;
		}
		*mem = (l - MONITOR_RESERVE(l)) & ~4095ULL;
		if (*mem > PITH_MEM_MAX)
			*mem = PITH_MEM_MAX;
		return 0;
	}
	if (ann)
		return size__parse("org.pith.mem", ann, PITH_MEM_MIN, PITH_MEM_MAX, mem, err,
				   errlen);
	return 0;
}

/* mkdir -p root (0700), then root/id: "container ID already exists" if it does. */
static int create__dir(const struct oci_globals *g, const char *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", g->root);
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0700);
			*p = '/';
		}
	mkdir(path, 0700);
	if (oci_state__path(path, sizeof(path), g->root, id, NULL) < 0)
		return oci__error(g, "invalid container ID %s", id), -1;
	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST)
		return oci__error(g, "container %s already exists", id), -1;
	return oci__error(g, "cannot create %s: %s", path, strerror(errno)), -1;
}

/* Atomic write of text to path (tmp + rename, as runc writes its pid file). */
static int file__write(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 16];
	size_t n = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

/* Copy <bundle>/config.json into the state folder (for poststop hooks at delete). */
static int config__copy(const char *bundle, const char *root, const char *id, char *err,
			size_t errlen)
{
	char src[PATH_MAX + 16], dst[PATH_MAX], buf[65536];
	int in, out;
	ssize_t n = 0;

	snprintf(src, sizeof(src), "%s/config.json", bundle);
	oci_state__path(dst, sizeof(dst), root, id, "config.json");
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in < 0 || out < 0 || n < 0)
		snprintf(err, errlen, "cannot copy %.400s to %.400s: %s", src, dst,
			 strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		n = -1;
	return in < 0 || out < 0 || n < 0 ? -1 : 0;
}

/* One create in progress. */
struct create {
	const struct oci_globals *g;
	struct create_opts o;
	struct oci_spec spec;
	struct oci_state st; /* its strings borrowed from spec and o */
	char created[64];
	const char *image; /* the image's path in the rootfs */
	int image_fd, dirfd;
	char **run_argv;
	long stub;
	char *cgroups;
};

/* Open the image, size the guest, check the monitor's arguments. 0 or 1 (error printed). */
static int create__prepare(struct create *c)
{
	struct vmm_config cfg;
	char err[1024];
	uint64_t mem;
	int n = 0;

	c->image_fd = oci_rootfs__open(c->spec.root_path, c->image, err, sizeof(err));
	if (c->image_fd < 0)
		return oci__error(c->g, "%s", err);
	if (create__mem(&c->spec, &mem, err, sizeof(err)) < 0)
		return oci__error(c->g, "%s", err);
	c->run_argv = oci_stub__run_argv(&c->spec, c->image_fd, mem, err, sizeof(err));
	if (!c->run_argv)
		return oci__error(c->g, "%s", err);
	while (c->run_argv[n])
		n++;
	if (run_args__parse(&cfg, n, c->run_argv, environ, err, sizeof(err)) != RUN_ARGS_OK)
		return oci__error(c->g, "%s", err);
	run_args__free(&cfg);
	return 0;
}

static void create__state_init(struct create *c)
{
	struct oci_state *st = &c->st;

	oci_state__now(c->created, sizeof(c->created));
	st->id = (char *)c->o.id;
	st->bundle = c->o.bundle_abs;
	st->rootfs = c->spec.root_path;
	st->created = c->created;
	snprintf(st->status, sizeof(st->status), "created");
	st->ann_keys = c->spec.ann_keys;
	st->ann_values = c->spec.ann_values;
	st->nann = c->spec.nann;
	st->netns = c->spec.netns == OCI_NETNS_NEW    ? "new"
		    : c->spec.netns == OCI_NETNS_PATH ? c->spec.netns_path
						      : "";
	st->ifname = "";
	st->cgroups = "";
}

/* What the stub reported: 0 once it waits, or 1 after printing its error. */
static int create__wait_stub(struct create *c, int report)
{
	char msg[1024];
	ssize_t n, len = 0;

	while (len < (ssize_t)sizeof(msg) - 1 &&
	       ((n = read(report, msg + len, sizeof(msg) - 1 - (size_t)len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? n : 0;
	msg[len] = 0;
	if (strcmp(msg, "ok") == 0)
		return 0;
	return oci__error(c->g, "%s",
			  len ? msg : "the container's process ended before it was ready");
}

/* The console (process.terminal), the stub, its report. 0, or 1 (error printed). */
static int create__spawn(struct create *c)
{
	char path[PATH_MAX], err[1024];
	struct oci_stub_args a = {.g = c->g,
				  .spec = &c->spec,
				  .st = &c->st,
				  .image_fd = c->image_fd,
				  .run_argv = c->run_argv,
				  .console_fd = -1,
				  .argv0 = c->image};
	int sp[2], rc;

	if (!oci_spec__annotation(&c->spec, "org.pith.image"))
		a.argv0 = c->spec.args[0];
	if (c->spec.terminal && !c->o.console)
		return oci__error(c->g, "process.terminal is true: --console-socket is required");
	if (c->spec.terminal &&
	    (a.console_fd = oci_console__open(c->o.console, err, sizeof(err))) < 0)
		return oci__error(c->g, "%s", err);
	oci_state__path(path, sizeof(path), c->g->root, c->o.id, NULL);
	c->dirfd = a.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a.dirfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return oci__error(c->g, "cannot set up %s: %s", path, strerror(errno));
	a.report = sp[1];
	c->stub = oci_stub__fork(&a, err, sizeof(err));
	close(sp[1]);
	if (a.console_fd >= 0)
		close(a.console_fd);
	if (c->stub < 0)
		return close(sp[0]), oci__error(c->g, "%s", err);
	rc = create__wait_stub(c, sp[0]);
	close(sp[0]);
	return rc;
}

/* cgroups, state.json, config.json's copy, the pid file. 0, or 1 (error printed). */
static int create__record(struct create *c)
{
	char err[1024], warn[2048] = "", pid[32];

	c->st.pid = c->stub;
	if (proc__start_time(c->stub, &c->st.pid_start) < 0)
		return oci__error(c->g, "the container's process ended before it was ready");
	if (c->spec.cgroups_path &&
	    oci_cgroup__join(c->spec.cgroups_path, c->stub, c->spec.memory_limit, &c->cgroups, warn,
			     sizeof(warn)) < 0)
		return oci__error(c->g, "linux.cgroupsPath: %s", warn);
	if (warn[0])
		oci__warn(c->g, "cgroups: %s", warn);
	c->st.cgroups = c->cgroups ? c->cgroups : "";
	if (oci_state__save(c->g->root, &c->st, err, sizeof(err)) < 0 ||
	    config__copy(c->o.bundle_abs, c->g->root, c->o.id, err, sizeof(err)) < 0)
		return oci__error(c->g, "%s", err);
	snprintf(pid, sizeof(pid), "%ld", c->stub);
	if (c->o.pid_file && file__write(c->o.pid_file, pid, err, sizeof(err)) < 0)
		return oci__error(c->g, "%s", err);
	return 0;
}

/* prestart, createRuntime, createContainer (runtime-spec config.md "POSIX-platform Hooks"). */
static int create__hooks(struct create *c)
{
	static const enum oci_hook_kind kinds[] = {OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME,
						   OCI_HOOK_CREATE_CONTAINER};
	char err[1024], *state = oci_state__json(&c->st, "created");

	for (size_t i = 0; i < 3; i++)
		if (c->spec.hooks[kinds[i]].n &&
		    oci_hooks__run(&c->spec, kinds[i], c->o.bundle_abs, state ? state : "{}", err,
				   sizeof(err)) < 0) {
			free(state);
			return oci__error(c->g, "%s", err);
		}
	free(state);
	return 0;
}

/* A failed create leaves nothing: the stub killed, its cgroups and folder removed. */
static void create__undo(struct create *c)
{
	char err[1024];

	if (c->stub > 0) {
		kill((pid_t)c->stub, SIGKILL);
		waitpid((pid_t)c->stub, NULL, 0);
	}
	if (c->cgroups)
		oci_cgroup__remove(c->cgroups);
	oci_state__remove(c->g->root, c->o.id, err, sizeof(err));
}

/* A container that is not a Pith image: recorded as delegated, then created by runc. */
static int create__delegate(struct create *c, int argc, char **argv)
{
	char err[1024];
	int rc;

	c->st.delegated = true;
	if (create__dir(c->g, c->o.id) < 0)
		return 1;
	if (oci_state__save(c->g->root, &c->st, err, sizeof(err)) < 0) {
		oci_state__remove(c->g->root, c->o.id, err, sizeof(err));
		return oci__error(c->g, "%s", err);
	}
	rc = oci_runc__call(c->g, argc, argv);
	if (rc != 0)
		oci_state__remove(c->g->root, c->o.id, err, sizeof(err));
	return rc;
}

static int create__pith(struct create *c)
{
	int rc = create__prepare(c);

	if (rc != 0)
		return rc;
	if (create__dir(c->g, c->o.id) < 0)
		return 1;
	rc = create__spawn(c);
	if (rc == 0)
		rc = create__record(c);
	if (rc == 0)
		rc = create__hooks(c);
	if (rc != 0)
		create__undo(c);
	return rc;
}

/* Load the spec and run create; 0 or 1 (error printed). */
static int create__run(struct create *c, int argc, char **argv)
{
	char err[1024];
	int rc;

	if (oci_spec__load(&c->spec, c->o.bundle_abs, err, sizeof(err)) < 0)
		return oci__error(c->g, "%s", err);
	create__state_init(c);
	if (create__image(c->g, &c->spec, &c->image) < 0)
		rc = 1;
	else
		rc = c->image ? create__pith(c) : create__delegate(c, argc, argv);
	oci_stub__argv_free(c->run_argv);
	oci_spec__free(&c->spec);
	free(c->cgroups);
	return rc;
}

int oci_create__main(struct oci_globals *g, int argc, char **argv)
{
	struct create *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return oci__error(g, "out of memory");
	c->g = g;
	c->image_fd = c->dirfd = -1;
	rc = create__parse(g, argc, argv, &c->o) < 0 ? 1 : create__run(c, argc, argv);
	free(c);
	return rc;
}
