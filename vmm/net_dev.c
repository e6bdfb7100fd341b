/* The virtual NIC: backend, boot info, doorbell ioeventfd, the guest's wake-up, the wait. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "net_io.h"
#include "print.h"
#include "vm.h"

#define NET_MTU_DEFAULT 1500

/* One NIC per monitor process. */
static struct net_dev the_dev;

static int dev__open_backend(struct net_dev *dev, const struct net_config *cfg, char *err,
			     size_t errlen)
{
	if (cfg->kind == NET_TAP)
		return net_tap__open(&dev->backend, cfg, err, errlen);
	if (cfg->kind == NET_PASST)
		return net_passt__open(&dev->backend, cfg, err, errlen);
	if (cfg->kind == NET_STREAM)
		return net_stream__open(&dev->backend, cfg, err, errlen);
	snprintf(err, errlen, "unknown network kind %d; this is a bug in pith", (int)cfg->kind);
	return -1;
}

/* --mac, or a random locally administered unicast address (IEEE 802: bit 1 set, bit 0 clear). */
static int dev__mac(const struct net_config *cfg, uint8_t mac[6], char *err, size_t errlen)
{
	static const uint8_t zero[6];

	if (memcmp(cfg->mac, zero, 6)) {
		memcpy(mac, cfg->mac, 6);
		return 0;
	}
	if (getrandom(mac, 6, 0) != 6) {
		snprintf(err, errlen, "getrandom failed: %s; give the NIC a MAC address with --mac",
			 strerror(errno));
		return -1;
	}
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
	return 0;
}

static int dev__info(const struct net_dev *dev, const struct net_config *cfg,
		     struct pith_net_info *info, char *err, size_t errlen)
{
	*info = (struct pith_net_info){
	    .flags = PITH_NET_PRESENT | (cfg->dhcp ? PITH_NET_DHCP : 0) |
		     (dev->backend.offloads ? PITH_NET_OFFLOADS : 0),
	    .mtu = cfg->mtu ? cfg->mtu : NET_MTU_DEFAULT,
	    .ip = cfg->dhcp ? 0 : cfg->ip,
	    .prefix_len = cfg->dhcp ? 0 : cfg->prefix_len,
	    .gateway = cfg->gateway,
	    .dns = cfg->dns,
	};
	return dev__mac(cfg, info->mac, err, errlen);
}

static int dev__eventfds(struct net_dev *dev, char *err, size_t errlen)
{
	dev->io.kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dev->io.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->io.kick_fd >= 0 && dev->io.wake_fd >= 0)
		return 0;
	snprintf(err, errlen, "cannot create the NIC's eventfds: %s; raise ulimit -n",
		 strerror(errno));
	return -1;
}

int net_dev__init(struct vm *vm, struct pith_net_info *info, char *err, size_t errlen)
{
	struct net_dev *dev = &the_dev;

	*dev = (struct net_dev){.io = {.kick_fd = -1, .wake_fd = -1}};
	if (dev__open_backend(dev, &vm->cfg->net, err, errlen) < 0 ||
	    dev__info(dev, &vm->cfg->net, info, err, errlen) < 0 ||
	    dev__eventfds(dev, err, errlen) < 0)
		return -1;
	dev->io.mem = &vm->mem;
	dev->io.backend = &dev->backend;
	dev->io.arp_ip = vm->cfg->net.dhcp ? 0 : vm->cfg->net.ip;
	dev->vm_fd = vm->kvm.vm_fd;
	vm->net =
	    dev; /* run.c starts the I/O thread (net_io__start) once the fd table is its own */
	return 0;
}

/* PITH_NET_KICK_PORT: a 4-byte out of any value writes kick_fd inside the host kernel. */
static int dev__bind_doorbell(struct net_dev *dev)
{
	struct kvm_ioeventfd ev = {.addr = PITH_NET_KICK_PORT,
				   .len = 4,
				   .fd = dev->io.kick_fd,
				   .flags = KVM_IOEVENTFD_FLAG_PIO};

	return ioctl(dev->vm_fd, KVM_IOEVENTFD, &ev);
}

int net_dev__setup(struct vm *vm, uint64_t tx_ring, uint64_t rx_ring)
{
	struct net_dev *dev = vm->net;
	struct pith_net_ring *tx, *rx;

	if (!dev)
		return -ENODEV;
	if (dev->set_up)
		return -EBUSY;
	tx = net_ring__check(&vm->mem, tx_ring);
	rx = net_ring__check(&vm->mem, rx_ring);
	if (!tx || !rx || (tx_ring < rx_ring + sizeof(*rx) && rx_ring < tx_ring + sizeof(*tx)))
		return -EINVAL;
	if (dev__bind_doorbell(dev) < 0) {
		print__err("pith: cannot bind the NIC's doorbell port (KVM_IOEVENTFD): %s; the "
			   "guest runs without a NIC\n",
			   strerror(errno));
		return -EIO;
	}
	dev->set_up = true;
	net_io__attach(&dev->io, tx, rx);
	return 0;
}

static void stat__print(const char *name, const uint64_t *v)
{
	print__err("pith: stats: %s %llu\n", name,
		   (unsigned long long)__atomic_load_n(v, __ATOMIC_RELAXED));
}

void net_dev__print_stats(const struct vm *vm)
{
	const struct net_stats *s;

	if (!vm->net)
		return;
	s = &vm->net->io.stats;
	stat__print("net_tx_frames", &s->tx_frames);
	stat__print("net_tx_bytes", &s->tx_bytes);
	stat__print("net_rx_frames", &s->rx_frames);
	stat__print("net_rx_bytes", &s->rx_bytes);
	stat__print("net_kicks", &s->kicks);
	stat__print("net_guest_wakes", &s->guest_wakes);
	stat__print("net_drop_tx_bad_desc", &s->drop_tx_bad_desc);
	stat__print("net_drop_rx_bad_desc", &s->drop_rx_bad_desc);
	stat__print("net_drop_rx_no_buffer", &s->drop_rx_no_buffer);
	stat__print("net_drop_tx_backend", &s->drop_tx_backend);
	stat__print("net_drop_rx_arp_other", &s->drop_rx_arp_other);
	stat__print("net_drop_rx_ethertype", &s->drop_rx_ethertype);
}
