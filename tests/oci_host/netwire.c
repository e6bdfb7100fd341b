/* tests/oci_host's driver of pith-oci's host plumbing: cli/oci_net.c and cli/oci_cgroup.c. */
/*
 * Usage (each prints what it found; exit 0 = did what was asked, 1 = it failed):
 *   netwire with CMD...            wire, print the interface facts, run CMD while wired
 *   netwire arp-in CMD...          wire, run CMD (a ping from the peer) in the background, read
 *                                  the tap until an ARP request for our address arrives (5 s)
 *   netwire arp-out                wire, write an ARP request for the gateway into the tap, read
 *                                  the tap until the gateway's reply arrives (5 s)
 *   netwire exec PITH [ARGS...]    wire, then exec PITH run --tap-fd N --ip --gw --mac --mtu ARGS
 *   netwire unwire NETNS IFNAME    oci_net__unwire
 *   netwire cg-join PATH PID LIMIT oci_cgroup__join: "joined N", then the created list
 *   netwire cg-run PATH LIMIT CMD... join a child to PATH (limit LIMIT), then let it exec CMD:
 *                                  "joined N", "status N" or "signal N", "remove RC"
 *   netwire cg-remove FILE         oci_cgroup__remove of the list in FILE
 *   netwire touch MIB              allocate and touch MIB MiB, print "touched MIB MiB"
 */
#include "oci_cgroup.h"
#include "oci_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VNET_HDR 10 /* struct virtio_net_hdr: the tap is opened with IFF_VNET_HDR */
#define ETH_ARP	 0x0806

/* An Ethernet frame carrying an ARP packet for IPv4 (RFC 826), packed. */
struct arp_frame {
	uint8_t dst[6], src[6];
	uint16_t type;
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op;
	uint8_t sha[6];
	uint8_t spa[4];
	uint8_t tha[6];
	uint8_t tpa[4];
} __attribute__((packed));

static const char *ip__str(uint32_t a)
{
	static char s[4][16];
	static int i;
	struct in_addr in = {.s_addr = a};

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &in, s[i], sizeof(s[i]));
}

static const char *mac__str(const uint8_t *m)
{
	static char s[2][18];
	static int i;

	i = (i + 1) % 2;
	snprintf(s[i], sizeof(s[i]), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	return s[i];
}

/* Wire, print what oci_net__wire found; exit 1 on an error. */
static void wire(struct oci_net *net)
{
	char err[256];

	if (oci_net__wire(net, err, sizeof(err)) < 0) {
		printf("wire failed: %s\n", err);
		exit(1);
	}
	printf("tap_fd %d\nifname %s\ntap %s\nmac %s\naddr %s/%d\ngateway %s\nmtu %u\n",
	       net->tap_fd, net->ifname, net->tapname, mac__str(net->mac), ip__str(net->addr),
	       net->prefix, ip__str(net->gateway), net->mtu);
	fflush(stdout);
}

/* fork + exec argv; its pid. */
static pid_t spawn(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int st = 0;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cmd_with(char **argv)
{
	struct oci_net net;
	int st;

	wire(&net);
	st = wait_status(spawn(argv));
	printf("command status %d\n", st);
	return st;
}

/* Read frames from the tap until one is an ARP packet with this op and target/sender address
   (want_tpa for requests, want_spa for replies); 5 s at most. */
static int tap__await_arp(int fd, uint16_t op, uint32_t want_tpa, uint32_t want_spa,
			  struct arp_frame *got)
{
	char buf[VNET_HDR + 2048];
	time_t end = time(NULL) + 5;

	while (time(NULL) < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 500) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < (ssize_t)(VNET_HDR + sizeof(*got)))
			continue;
		memcpy(got, buf + VNET_HDR, sizeof(*got));
		if (ntohs(got->type) != ETH_ARP || ntohs(got->op) != op)
			continue;
		if ((want_tpa && memcmp(got->tpa, &want_tpa, 4)) ||
		    (want_spa && memcmp(got->spa, &want_spa, 4)))
			continue;
		return 0;
	}
	return -1;
}

static int cmd_arp_in(char **argv)
{
	struct oci_net net;
	struct arp_frame f;
	pid_t pid;
	int rc;

	wire(&net);
	pid = spawn(argv);
	rc = tap__await_arp(net.tap_fd, 1, net.addr, 0, &f);
	wait_status(pid);
	if (rc < 0) {
		printf("no ARP request for %s arrived on the tap\n", ip__str(net.addr));
		return 1;
	}
	printf("arp request on the tap: who-has %s tell %s (from %s)\n", ip__str(net.addr),
	       ip__str(*(uint32_t *)f.spa), mac__str(f.sha));
	return 0;
}

/* Write "who-has GATEWAY tell ADDR" from the interface's MAC into the tap. */
static int tap__send_request(const struct oci_net *net)
{
	char buf[VNET_HDR + sizeof(struct arp_frame)] = {0};
	struct arp_frame f = {.type = htons(ETH_ARP),
			      .htype = htons(1),
			      .ptype = htons(0x0800),
			      .hlen = 6,
			      .plen = 4,
			      .op = htons(1)};

	memset(f.dst, 0xff, 6);
	memcpy(f.src, net->mac, 6);
	memcpy(f.sha, net->mac, 6);
	memcpy(f.spa, &net->addr, 4);
	memcpy(f.tpa, &net->gateway, 4);
	memcpy(buf + VNET_HDR, &f, sizeof(f));
	return write(net->tap_fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? 0 : -1;
}

static int cmd_arp_out(void)
{
	struct oci_net net;
	struct arp_frame f;

	wire(&net);
	if (tap__send_request(&net) < 0) {
		printf("writing the ARP request into the tap failed: %s\n", strerror(errno));
		return 1;
	}
	if (tap__await_arp(net.tap_fd, 2, 0, net.gateway, &f) < 0) {
		printf("no ARP reply from %s arrived on the tap\n", ip__str(net.gateway));
		return 1;
	}
	printf("arp reply on the tap: %s is-at %s\n", ip__str(net.gateway), mac__str(f.sha));
	return 0;
}

/* exec PITH run --tap-fd ... ARGS: argv[0] is PITH, argv[1..] go after the network options. */
static int cmd_exec(int argc, char **argv)
{
	char fd[16], ip[32], gw[16], mtu[16], mac[18];
	char **av = calloc((size_t)argc + 16, sizeof(*av));
	struct oci_net net;
	int n = 0;

	wire(&net);
	if (net.tap_fd < 0 || !av || fcntl(net.tap_fd, F_SETFD, 0) < 0)
		return 1;
	snprintf(fd, sizeof(fd), "%d", net.tap_fd);
	snprintf(ip, sizeof(ip), "%s/%d", ip__str(net.addr), net.prefix);
	snprintf(gw, sizeof(gw), "%s", ip__str(net.gateway));
	snprintf(mtu, sizeof(mtu), "%u", net.mtu);
	snprintf(mac, sizeof(mac), "%s", mac__str(net.mac));
	for (char *a[] = {argv[0], "run", "--tap-fd", fd, "--ip", ip, "--gw", gw, "--mac", mac,
			  "--mtu", mtu};
	     n < 12; n++)
		av[n] = a[n];
	for (int i = 1; i < argc; i++)
		av[n++] = argv[i];
	execv(av[0], av);
	perror(av[0]);
	return 1;
}

static int cmd_unwire(const char *ns, const char *ifname)
{
	char err[256] = "";
	int rc = oci_net__unwire(ns, ifname, err, sizeof(err));

	printf("unwire %d%s%s\n", rc, rc ? ": " : "", rc ? err : "");
	return rc ? 1 : 0;
}

static int cmd_cg_join(const char *path, long pid, int64_t limit)
{
	char warn[2048] = "", *created = NULL;
	int n = oci_cgroup__join(path, pid, limit, &created, warn, sizeof(warn));

	printf("joined %d\n%s", n, created ? created : "");
	fprintf(stderr, "%s", warn);
	free(created);
	return n > 0 ? 0 : 1;
}

/* A child that waits for a byte on fd `gate`, then execs argv. */
static pid_t spawn_gated(char **argv, int gate[2])
{
	pid_t pid = fork();
	char c;

	if (pid == 0) {
		close(gate[1]);
		if (read(gate[0], &c, 1) != 1)
			_exit(126);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(gate[0]);
	return pid;
}

/* Join a gated child to PATH with LIMIT, let it run CMD, report how it ended, remove. */
static int cmd_cg_run(const char *path, int64_t limit, char **argv)
{
	char warn[2048] = "", *created = NULL;
	int gate[2], st = 0, n, rc;
	pid_t pid;

	if (pipe(gate) < 0)
		return 1;
	pid = spawn_gated(argv, gate);
	n = oci_cgroup__join(path, pid, limit, &created, warn, sizeof(warn));
	printf("joined %d\n", n);
	fprintf(stderr, "%s", warn);
	fflush(stdout);
	if (write(gate[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(gate[1]);
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		printf("signal %d\n", WTERMSIG(st));
	else
		printf("status %d\n", WEXITSTATUS(st));
	rc = oci_cgroup__remove(created);
	printf("remove %d\n", rc);
	free(created);
	return n > 0 && rc == 0 ? 0 : 1;
}

static int cmd_cg_remove(const char *file)
{
	char list[16384] = "";
	FILE *f = fopen(file, "r");
	size_t n = f ? fread(list, 1, sizeof(list) - 1, f) : 0;
	int rc;

	if (f)
		fclose(f);
	list[n] = 0;
	rc = oci_cgroup__remove(list);
	printf("remove %d\n", rc);
	return rc ? 1 : 0;
}

static int cmd_touch(long mib)
{
	size_t len = (size_t)mib << 20;
	char *p = malloc(len);

	if (!p)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	printf("touched %ld MiB\n", mib);
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "with") && argc > 2)
		return cmd_with(argv + 2);
	if (!strcmp(c, "arp-in") && argc > 2)
		return cmd_arp_in(argv + 2);
	if (!strcmp(c, "arp-out"))
		return cmd_arp_out();
	if (!strcmp(c, "exec") && argc > 2)
		return cmd_exec(argc - 2, argv + 2);
	if (!strcmp(c, "unwire") && argc == 4)
		return cmd_unwire(argv[2], argv[3]);
	if (!strcmp(c, "cg-join") && argc == 5)
		return cmd_cg_join(argv[2], atol(argv[3]), strtoll(argv[4], NULL, 0));
	if (!strcmp(c, "cg-run") && argc > 4)
		return cmd_cg_run(argv[2], strtoll(argv[3], NULL, 0), argv + 4);
	if (!strcmp(c, "cg-remove") && argc == 3)
		return cmd_cg_remove(argv[2]);
	if (!strcmp(c, "touch") && argc == 3)
		return cmd_touch(atol(argv[2]));
	fprintf(stderr, "usage: see the comment at the top of tests/oci_host/netwire.c\n");
	return 2;
}
