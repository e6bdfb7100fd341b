/* /init of the Linux VM baseline's httpd: loads the virtio-net modules, sets up eth0, runs httpd.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * QEMU's user network (slirp) defaults, from QEMU's documentation of `-netdev user`: network
 * 10.0.2.0/24, the host (gateway) at 10.0.2.2, the first guest address 10.0.2.15, which is where
 * `hostfwd` sends forwarded connections unless told otherwise.
 */
#define GUEST_ADDR "10.0.2.15"
#define GUEST_MASK "255.255.255.0"
#define NIC	   "eth0"

static void init__fail(const char *what)
{
	fprintf(stderr, "init: %s: %s\n", what, strerror(errno));
}

/* Loads /modules/0.ko, 1.ko, ... in order (the library names them in dependency order). */
static int init__load_modules(void)
{
	char path[32];

	for (int i = 0;; i++) {
		snprintf(path, sizeof(path), "/modules/%d.ko", i);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : (init__fail(path), -1);
		long rc = syscall(SYS_finit_module, fd, "", 0);
		close(fd);
		if (rc != 0 && errno != EEXIST) {
			init__fail(path);
			return -1;
		}
	}
}

static int init__set_addr(int s, unsigned long req, const char *name, const char *dotted)
{
	struct ifreq ifr;
	struct sockaddr_in sin = {.sin_family = AF_INET};

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	inet_pton(AF_INET, dotted, &sin.sin_addr);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ioctl(s, req, &ifr);
}

static int init__link_up(int s, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* lo up, eth0 up with the static slirp address: all httpd needs to answer forwarded requests. */
static int init__network(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (s < 0) {
		init__fail("socket");
		return -1;
	}
	if (init__link_up(s, "lo") != 0)
		init__fail("lo up");
	else if (init__set_addr(s, SIOCSIFADDR, NIC, GUEST_ADDR) != 0)
		init__fail(NIC " address");
	else if (init__set_addr(s, SIOCSIFNETMASK, NIC, GUEST_MASK) != 0)
		init__fail(NIC " netmask");
	else if (init__link_up(s, NIC) != 0)
		init__fail(NIC " up");
	else
		rc = 0;
	close(s);
	return rc;
}

int main(void)
{
	char *argv[] = {"httpd", "80", "0", "/www", NULL};

	if (init__load_modules() != 0 || init__network() != 0)
		return 1;
	execv("/httpd", argv);
	init__fail("exec /httpd");
	return 1;
}
