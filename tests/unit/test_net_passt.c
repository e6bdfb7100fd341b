/*
 * Host tests of the passt backend (vmm/net_passt.c) against the real passt, with no guest: this
 * test plays the guest's side of the frames. Only loopback traffic: passt answers ARP itself,
 * and the forwarded port is reached at 127.0.0.1.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "test.h"

static const uint8_t guest_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

/* A TCP port on 127.0.0.1 that is free now. */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	return ntohs(sa.sin_port);
}

/* The pids of processes named passt (or passt.avx2, which it may exec) whose parent is ppid (0: any
 * parent). */
static int passt_children(pid_t ppid, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) && n < max) {
		char path[300], comm[64];
		int pid, parent;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d (%63[^)]) %*c %d", &pid, comm, &parent) == 3 &&
		    strncmp(comm, "passt", 5) == 0 && (ppid == 0 || parent == ppid))
			pids[n++] = pid;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether pid is a zombie (it has exited; its new parent may not reap it here). */
static bool zombie(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z';
}

/* Waits up to 3 s until process pid has exited (reaped if it is ours). */
static bool gone(pid_t pid)
{
	uint64_t end = now_ms() + 3000;

	while (now_ms() < end) {
		if (waitpid(pid, NULL, WNOHANG) == pid || (kill(pid, 0) < 0 && errno == ESRCH) ||
		    zombie(pid))
			return true;
		usleep(2000);
	}
	return false;
}

/* Waits up to 3 s for a frame that match() accepts; true if one came. */
static bool await_frame(struct net_backend *b, bool (*match)(const uint8_t *, ssize_t, void *),
			void *arg)
{
	static uint8_t buf[65536];
	struct pith_net_desc d;
	uint64_t end = now_ms() + 3000;

	while (now_ms() < end) {
		ssize_t n = b->recv(b, &d, buf, sizeof(buf));

		if (n < 0)
			return false;
		if (n > 0 && match(buf, n, arg))
			return true;
		if (n == 0)
			usleep(1000);
	}
	return false;
}

/* An ARP reply from passt (the gateway) to the guest's address. */
static bool is_arp_reply(const uint8_t *f, ssize_t n, void *arg)
{
	(void)arg;
	return n >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
	       memcmp(f + 32, guest_mac, 6) == 0 &&
	       memcmp(f + 28, (uint8_t[]){10, 0, 2, 2}, 4) == 0;
}

/* An IPv4 TCP SYN to guest port *(uint16_t *)arg. */
static bool is_syn_to(const uint8_t *f, ssize_t n, void *arg)
{
	size_t ihl = n > 14 ? (size_t)(f[14] & 15) * 4 : 0;
	const uint8_t *t = f + 14 + ihl;

	return n >= (ssize_t)(14 + ihl + 20) && f[12] == 0x08 && f[13] == 0 && f[23] == 6 &&
	       (t[2] << 8 | t[3]) == *(uint16_t *)arg && (t[13] & 0x02);
}

static void send_arp_request(struct net_backend *b)
{
	uint8_t f[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0,  0,
			 1,    0x08, 0x06, 0,	 1,    0x08, 0,	   6, 4, 0,  1, /* request */
			 0x02, 0,    0,	   0,	 0,    1,    10,   0, 2, 15,	/* sender */
			 0,    0,    0,	   0,	 0,    0,    10,   0, 2, 2};	/* target */
	struct pith_net_desc d = {0};

	CHECK(b->send(b, &d, f, sizeof(f)) == 1);
}

/* The whole path: passt up with a forwarded port, ARP answered, a connection forwarded. */
static void test_passt_forwards(void)
{
	uint16_t port = free_port(), guest_port = 80;
	struct net_config cfg = {.kind = NET_PASST,
				 .tap_fd = -1,
				 .ip = inet_addr("10.0.2.15"),
				 .prefix_len = 24,
				 .gateway = inet_addr("10.0.2.2"),
				 .nports = 1};
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct net_backend b;
	char err[512] = "";
	pid_t pids[4];
	int c;

	cfg.ports[0] = (struct net_port){.host = port, .guest = guest_port};
	if (!CHECKF(net_passt__open(&b, &cfg, err, sizeof(err)) == 0, "open: %s", err))
		return;
	CHECK_STR(b.name, "passt");
	CHECK(passt_children(getpid(), pids, 4) == 1);
	send_arp_request(&b);
	CHECK(await_frame(&b, is_arp_reply, NULL));
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EINPROGRESS);
	CHECKF(await_frame(&b, is_syn_to, &guest_port), "a SYN to guest port 80 via host port %u",
	       port);
	close(c);
	close(b.fd); /* as at pith run's exit: passt must go */
	free(b.priv);
	CHECK(gone(pids[0]));
}

/* The published port is taken: a clear error, and no passt left behind. */
static void test_port_in_use(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct net_config cfg = {.kind = NET_PASST, .tap_fd = -1, .dhcp = true, .nports = 1};
	struct net_backend b;
	char err[512], want[200];
	pid_t pids[4];

	CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0);
	getsockname(l, (struct sockaddr *)&sa, &len);
	cfg.ports[0] = (struct net_port){.host = ntohs(sa.sin_port), .guest = 80};
	CHECK(net_passt__open(&b, &cfg, err, sizeof(err)) == -1);
	snprintf(want, sizeof(want),
		 "host port %u/tcp is already in use; choose another HOST in -p HOST:GUEST",
		 ntohs(sa.sin_port));
	CHECK_STR(err, want);
	CHECK(passt_children(getpid(), pids, 4) == 0);
	close(l);
}

/* passt is not on PATH. */
static void test_not_installed(void)
{
	struct net_config cfg = {.kind = NET_PASST, .tap_fd = -1, .dhcp = true};
	struct net_backend b;
	char err[512], *old = strdup(getenv("PATH") ? getenv("PATH") : "");

	setenv("PATH", "/nonexistent:/proc/self", 1);
	CHECK(net_passt__open(&b, &cfg, err, sizeof(err)) == -1);
	CHECK_STR(err, "passt is not installed; install Debian's passt package (apt-get install "
		       "passt) or use --net tap:NAME");
	setenv("PATH", old, 1);
	free(old);
}

/* The process that started passt is killed: passt goes too. */
static void test_parent_killed(void)
{
	int p[2];
	pid_t child, passt = 0;

	CHECK(pipe(p) == 0);
	child = fork();
	if (child == 0) {
		struct net_config cfg = {.kind = NET_PASST, .tap_fd = -1, .dhcp = true};
		struct net_backend b;
		char err[512];
		pid_t pids[4] = {0};

		if (net_passt__open(&b, &cfg, err, sizeof(err)) == 0)
			passt_children(getpid(), pids, 4);
		if (write(p[1], &pids[0], sizeof(pids[0])) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(p[0], &passt, sizeof(passt)) == sizeof(passt));
	CHECK(kill(child, SIGKILL) == 0 && waitpid(child, NULL, 0) == child);
	if (CHECKF(passt > 0, "passt started in the child"))
		CHECKF(gone(passt), "passt %d gone after its parent was killed", passt);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	pid_t before[16];

	signal(SIGPIPE, SIG_DFL);
	if (passt_children(0, before, 16) > 0)
		fprintf(stderr, "note: passt processes already run on this host\n");
	test_not_installed();
	test_port_in_use();
	test_passt_forwards();
	test_parent_killed();
	return test__done();
}
