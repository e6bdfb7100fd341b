/* pith-oci's stub: the container's process from create on; waits for start, then becomes the
   monitor in place (vmm__run), so the pid the engine knows never changes. */
#include "oci_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <pith/abi.h>

#include "cli.h"
#include "fds.h"
#include "elf.h"
#include "oci_net.h"
#include "run_args.h"
#include "vmm.h"

extern char **environ;

/* argv's strings: appended one by one, NULL-terminated. */
struct argv_buf {
	char **v;
	size_t n;
	bool failed;
};

static void argv__add(struct argv_buf *a, const char *fmt, const char *s)
{
	char **v = realloc(a->v, (a->n + 2) * sizeof(char *));
	char *copy = NULL;

	if (!v || asprintf(&copy, fmt, s) < 0) {
		a->failed = true;
		if (v)
			a->v = v;
		return;
	}
	a->v = v;
	a->v[a->n++] = copy;
	a->v[a->n] = NULL;
}

void oci_stub__argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

char **oci_stub__run_argv(const struct oci_spec *spec, int image_fd, uint64_t mem, char *err,
			  size_t errlen)
{
	struct argv_buf a = {0};
	char num[32];

	snprintf(num, sizeof(num), "%lluK", (unsigned long long)(mem >> 10));
	argv__add(&a, "--mem", "");
	argv__add(&a, "%s", num);
	for (size_t i = 0; i < spec->nenv; i++) {
		argv__add(&a, "-e", "");
		argv__add(&a, "%s", spec->env[i]);
	}
	snprintf(num, sizeof(num), "%d", image_fd);
	argv__add(&a, "--", "");
	argv__add(&a, "/proc/self/fd/%s", num);
	argv__add(&a, "--", ""); /* dropped by run_args__parse: the guest's own "--" stays */
	for (size_t i = 1; i < spec->nargs; i++)
		argv__add(&a, "%s", spec->args[i]);
	if (a.failed) {
		oci_stub__argv_free(a.v);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return a.v;
}

/* Bring the loopback interface up in a new network namespace (SIOCSIFFLAGS: netdevice(7)). */
static int loopback__up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
	return rc;
}

/* Join or make the spec's network namespace. 0, or -1 with a message in err. */
static int stub__netns(const struct oci_spec *spec, char *err, size_t errlen)
{
	int fd;

	if (spec->netns == OCI_NETNS_NEW) {
		if (unshare(CLONE_NEWNET) < 0 || loopback__up() < 0)
			return snprintf(err, errlen, "cannot make a network namespace: %s",
					strerror(errno)),
			       -1;
		return 0;
	}
	if (spec->netns != OCI_NETNS_PATH)
		return 0;
	fd = open(spec->netns_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "cannot join the network namespace %s: %s", spec->netns_path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The start socket, bound through /proc/self/fd/DIRFD (sun_path holds only 108 bytes). */
static int stub__listen(int dirfd, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/start.sock", dirfd);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
		snprintf(err, errlen, "cannot make the start socket: %s", strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* The container's stdio: the pty slave (a new session with it as its controlling terminal),
   else create's own 0-2, kept as they are. */
static int stub__stdio(int console_fd)
{
	if (console_fd < 0)
		return 0;
	setsid();
	if (dup2(console_fd, 0) < 0 || dup2(console_fd, 1) < 0 || dup2(console_fd, 2) < 0)
		return -1;
	ioctl(0, TIOCSCTTY, 0);
	if (console_fd > 2)
		close(console_fd);
	return 0;
}

/* Signals as a fresh process has them: SIGTERM and SIGINT kill the stub while it waits. */
static void signals__reset(void)
{
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Report a failure to whoever listens on fd (create or start) and end with status 125. */
static __attribute__((noreturn)) void stub__fail(int fd, const char *tag, const char *msg)
{
	if (write(fd, tag, strlen(tag)) < 0 || write(fd, msg, strlen(msg)) < 0) {
		/* nobody listens any more: nothing else to do */
	}
	_exit(PITH_EXIT_ERROR);
}

static int compat_kernel_path(char *path, size_t len)
{
	return cli__prefix_path(path, len, "lib/pith/lib/compat-kernel.elf");
}

/* The guest's NIC: the tap oci_net__wire opened, with eth0's addresses. */
static void config__net(struct vmm_config *cfg, const struct oci_net *net)
{
	cfg->net.kind = NET_TAP;
	cfg->net.tap_fd = net->tap_fd;
	cfg->net.dhcp = false;
	cfg->net.ip = net->addr;
	cfg->net.prefix_len = (uint8_t)net->prefix;
	cfg->net.gateway = net->gateway;
	memcpy(cfg->net.mac, net->mac, 6);
	cfg->net.mtu = (uint16_t)(net->mtu < 576 ? 576 : net->mtu > 1500 ? 1500 : net->mtu);
}

/* Wire the network (not the host's namespace) and tell start the interface ("net:IF\n"). */
static int stub__wire(struct oci_stub_args *a, int conn, struct oci_net *net, char *err,
		      size_t errlen)
{
	char line[32];
	int n;

	net->tap_fd = -1;
	if (a->spec->netns == OCI_NETNS_HOST)
		return 0;
	if (oci_net__wire(net, err, errlen) < 0)
		return -1;
	if (net->tap_fd < 0)
		return 0;
	n = snprintf(line, sizeof(line), "net:%s\n", net->ifname);
	return write(conn, line, (size_t)n) == n ? 0 : -1;
}

/*
 * vmm__run returned: the guest never started, and the monitor said why on the container's
 * stderr. A short reason for start's own error: /dev/kvm or the image, checked again here.
 */
static const char *stub__why(const struct vmm_config *cfg, int rc, char *err, size_t errlen)
{
	struct elf_image img;
	char why[512];
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	(void)rc;
	if (fd < 0) {
		snprintf(err, errlen, "the monitor cannot start the guest: /dev/kvm: %s",
			 strerror(errno));
		return err;
	}
	close(fd);
	size_t n = strlen(cfg->image_path);

	if (elf_image__open(&img, cfg->image_path, PITH_MEM_MAX, why, sizeof(why)) < 0)
		snprintf(err, errlen, "the monitor cannot start the guest: %s%s",
			 strncmp(why, cfg->image_path, n) == 0 ? cfg->argv[0] : "",
			 strncmp(why, cfg->image_path, n) == 0 ? why + n : why);
	else
		snprintf(err, errlen, "the monitor failed to start (see the container's output)");
	elf_image__close(&img);
	return err;
}

/* After start connected: hooks, network, the monitor. Never returns. */
static __attribute__((noreturn)) void stub__start(struct oci_stub_args *a, int conn)
{
	struct vmm_config cfg;
	struct oci_net net;
	char err[1024], *state;
	int argc = 0;

	a->st->pid = getpid();
	state = oci_state__json(a->st, "created");
	if (oci_hooks__run(a->spec, OCI_HOOK_START_CONTAINER, a->st->bundle, state ? state : "{}",
			   err, sizeof(err)) < 0)
		stub__fail(conn, "E", err);
	free(state);
	if (stub__wire(a, conn, &net, err, sizeof(err)) < 0)
		stub__fail(conn, "E", err);
	while (a->run_argv[argc])
		argc++;
	if (run_args__parse(&cfg, argc, a->run_argv, environ, err, sizeof(err)) != RUN_ARGS_OK)
		stub__fail(conn, "E", err);
	((char **)cfg.argv)[0] = (char *)a->argv0;
	if (net.tap_fd >= 0)
		config__net(&cfg, &net);
	cfg.compat_kernel = compat_kernel_path;
	cfg.ready_fd = conn;
	stub__fail(conn, "E", stub__why(&cfg, vmm__run(&cfg), err, sizeof(err)));
}

/* Wait for start's connection (SIGTERM/SIGKILL end the wait: default dispositions). */
static int stub__accept(int lsock)
{
	int c;

	do
		c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	while (c < 0 && (errno == EINTR || errno == ECONNABORTED));
	return c;
}

/* The end of the original argv's strings, if they lie back to back (as execve(2) lays them
   out), else NULL. */
static char *argv__end(int argc, char **argv)
{
	char *end = argv[0];

	for (int i = 0; i < argc; i++) {
		if (argv[i] != end)
			return NULL;
		end += strlen(argv[i]) + 1;
	}
	return end;
}

/*
 * Make the container's process recognisable in ps for its whole life: comm "pith:ID" (prctl(2)
 * PR_SET_NAME, 15 characters) and the command line "pith-oci --root ROOT init ID" (or "pith-oci
 * init ID", cut to fit), written over the original argv strings only, the rest zeroed.
 * st->id pointed into argv: it gets a copy first.
 */
static void stub__rename(struct oci_stub_args *a)
{
	const struct oci_globals *g = a->g;
	char comm[16], *text = NULL, *id = strdup(a->st->id), *end = argv__end(g->argc, g->argv);
	size_t room = end ? (size_t)(end - g->argv[0]) : 0;
	int n;

	if (!id)
		return;
	a->st->id = id;
	snprintf(comm, sizeof(comm), "pith:%s", id);
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	n = asprintf(&text, "pith-oci%c--root%c%s%cinit%c%s", 0, 0, g->root, 0, 0, id);
	if (n < 0)
		return;
	if (!end) {
		free(text);
		return;
	}
	if ((size_t)n >= room) /* without --root ROOT */
		n = snprintf(text, (size_t)n + 1, "pith-oci%cinit%c%s", 0, 0, id);
	memset(g->argv[0], 0, room);
	memcpy(g->argv[0], text, (size_t)n < room ? (size_t)n : room - 1);
	free(text);
}

/* The stub's life until start. Never returns. */
static __attribute__((noreturn)) void stub__main(struct oci_stub_args *a)
{
	char err[1024];
	int lsock, conn;

	signals__reset();
	if (chdir("/") < 0) /* create ran in the bundle: keep nothing of it open */
		stub__fail(a->report, "", "cannot change to /");
	if (stub__stdio(a->console_fd) < 0)
		stub__fail(a->report, "", "cannot set up the console's standard streams");
	if (stub__netns(a->spec, err, sizeof(err)) < 0)
		stub__fail(a->report, "", err);
	stub__rename(a);
	if ((lsock = stub__listen(a->dirfd, err, sizeof(err))) < 0)
		stub__fail(a->report, "", err);
	fds__close_except((int[]){a->image_fd, lsock, a->report}, 3);
	if (write(a->report, "ok", 2) != 2)
		_exit(PITH_EXIT_ERROR);
	close(a->report);
	conn = stub__accept(lsock);
	close(lsock);
	if (conn < 0)
		_exit(PITH_EXIT_ERROR);
	stub__start(a, conn);
}

long oci_stub__fork(struct oci_stub_args *a, char *err, size_t errlen)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return snprintf(err, errlen, "cannot fork: %s", strerror(errno)), -1;
	if (pid == 0)
		stub__main(a);
	return pid;
}
