/* The tap backend: frames to and from a Linux tap device, each behind a virtio-net header. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "net.h"

#define TUN_PATH "/dev/net/tun"

/*
 * The 10-byte struct virtio_net_hdr (virtio 1.1, 5.1.6; the tap's default TUNSETVNETHDRSZ).
 * No offloads are negotiated (TUNSETOFFLOAD 0): the host hands over whole, checksummed frames,
 * and the header the monitor writes is all zero.
 */
static ssize_t tap__recv(struct net_backend *b, struct pith_net_desc *d, void *buf, size_t cap)
{
	static unsigned char spill[65536]; /* a frame bigger than the buffer lands here: dropped */
	struct virtio_net_hdr h;
	struct iovec iov[3] = {{&h, sizeof(h)}, {buf, cap}, {spill, sizeof(spill)}};
	ssize_t n = readv(b->fd, iov, 3);

	memset(d, 0, sizeof(*d));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if ((size_t)n <= sizeof(h))
		return 0; /* an empty frame: nothing to hand over */
	return n - (ssize_t)sizeof(h);
}

static int tap__send(struct net_backend *b, const struct pith_net_desc *d, const void *frame,
		     size_t len)
{
	struct virtio_net_hdr h = {0};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)frame, len}};

	(void)d; /* no offloads: the guest's frames are complete */
	for (;;) {
		if (writev(b->fd, iov, 2) >= 0)
			return 1;
		if (errno == EAGAIN)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EBADFD || errno == EBADF)
			return -1; /* the device is gone */
		b->send_drops++;   /* EIO (the link is down), EINVAL (a frame the tap refuses) */
		return 1;
	}
}

static int tap__open_error(const char *name, int e, char *err, size_t errlen)
{
	if (e == EPERM || e == EACCES)
		snprintf(err, errlen,
			 "cannot open tap device %s: %s; run as root or give CAP_NET_ADMIN", name,
			 strerror(e));
	else if (e == EBUSY)
		snprintf(err, errlen,
			 "tap device %s is in use by another program; choose another name or stop "
			 "that program",
			 name);
	else if (e == EINVAL)
		snprintf(err, errlen,
			 "cannot open tap device %s: a network interface of another kind has that "
			 "name; choose another name",
			 name);
	else
		snprintf(err, errlen,
			 "cannot open tap device %s: %s; check the name (at most %d "
			 "characters) and that tap devices work here",
			 name, strerror(e), IFNAMSIZ - 1);
	return -1;
}

/* Open /dev/net/tun and attach it to the tap `name` (created if it does not exist). */
static int tap__attach(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC), e;

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO)) {
		snprintf(err, errlen,
			 TUN_PATH " not found; load the tun module (modprobe tun) or create the "
				  "device node");
		return -1;
	}
	if (fd < 0)
		return tap__open_error(name, errno, err, errlen);
	if (strlen(name) >= IFNAMSIZ) {
		close(fd);
		snprintf(err, errlen,
			 "tap device name %s is longer than %d characters; choose a "
			 "shorter one",
			 name, IFNAMSIZ - 1);
		return -1;
	}
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) == 0)
		return fd;
	e = errno;
	close(fd);
	return tap__open_error(name, e, err, errlen);
}

/* An fd passed in (pith-oci) must be a tap with a virtio-net header; it is made non-blocking. */
static int tap__adopt(int fd, char *err, size_t errlen)
{
	struct ifreq ifr = {0};
	int fl = fcntl(fd, F_GETFL);

	if (ioctl(fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_TAP) ||
	    !(ifr.ifr_flags & IFF_NO_PI) || !(ifr.ifr_flags & IFF_VNET_HDR) || fl < 0) {
		snprintf(err, errlen,
			 "fd %d is not a tap device opened with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR; "
			 "pass such a tap fd",
			 fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fd;
}

int net_tap__open(struct net_backend *b, const struct net_config *cfg, char *err, size_t errlen)
{
	int hdr = sizeof(struct virtio_net_hdr);
	int fd = cfg->tap_fd >= 0 ? tap__adopt(cfg->tap_fd, err, errlen)
				  : tap__attach(cfg->tap_name, err, errlen);

	if (fd < 0)
		return -1;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
		snprintf(err, errlen,
			 "cannot configure tap device %s: %s; check that tap devices "
			 "work here",
			 cfg->tap_name ? cfg->tap_name : "(fd)", strerror(errno));
		if (cfg->tap_fd < 0)
			close(fd);
		return -1;
	}
	*b = (struct net_backend){
	    .name = "tap", .fd = fd, .offloads = false, .recv = tap__recv, .send = tap__send};
	return 0;
}
