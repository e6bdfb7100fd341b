/* The virtual NIC: its configuration from the command line, its backends, its I/O thread. */
#ifndef VMM_NET_H
#define VMM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <pith/abi.h>

struct vm;

#define NET_PORTS_MAX 32

enum net_kind {
	NET_NONE,   /* no NIC (the default without --net or -p) */
	NET_TAP,    /* --net tap:NAME (or an open tap fd, for pith-oci) */
	NET_PASST,  /* user-mode networking through Debian's passt: -p HOST:GUEST, --net user */
	NET_STREAM, /* --net socket:PATH: an existing UNIX stream socket speaking qemu's stream
		       framing (each frame preceded by its 4-byte big-endian length), as passt does
		     */
};

struct net_port {
	uint16_t host, guest; /* host order */
	bool udp;	      /* -p 5353:53/udp */
	uint32_t host_addr;   /* bind address on the host (network order), 0: all */
};

/* What `pith run` was asked for (cli/run_args.c fills it; all validated there). */
struct net_config {
	enum net_kind kind;
	const char *tap_name; /* NET_TAP */
	int tap_fd; /* NET_TAP: an already-open tap fd to use instead of tap_name, or -1 */
	const char *socket_path;	      /* NET_STREAM */
	struct net_port ports[NET_PORTS_MAX]; /* NET_PASST */
	unsigned nports;
	bool dhcp;   /* no --ip: ask DHCP (passt answers it; on a tap, whoever is there) */
	uint32_t ip; /* --ip A.B.C.D/N (network order) */
	uint8_t prefix_len;
	uint32_t gateway; /* --gw, 0: none */
	uint32_t dns;	  /* --dns, 0: none */
	uint8_t mac[6];	  /* --mac, or all zero: a random locally administered one */
	uint16_t mtu;	  /* --mtu, 0: 1500 */
};

/*
 * A backend moves whole Ethernet frames to and from the host. It is opened during setup (before
 * the seccomp filter; errors are one clear message in err), then used only by the I/O thread.
 */
struct net_backend {
	const char *name; /* "tap", "passt" */
	int fd;		  /* the I/O thread polls it for POLLIN (and POLLOUT when send said so) */
	bool offloads;	  /* the backend takes and gives virtio-net headers (tap with IFF_VNET_HDR
			     and TUNSETOFFLOAD): the descriptors' offload fields are used */
	/*
	 * Receives one frame into buf (at most cap bytes), offload fields into *d (zeroed when the
	 * backend has none). Returns the frame's length, 0 if there is none now, -1 on a fatal
	 * error (the backend is gone: print nothing, the I/O thread reports it once).
	 */
	ssize_t (*recv)(struct net_backend *b, struct pith_net_desc *d, void *buf, size_t cap);
	/* Sends one frame with d's offload fields. 1 if sent (or dropped for good, e.g. a bad
	   frame), 0 if the backend is full now (retry when fd is writable), -1 fatal. */
	int (*send)(struct net_backend *b, const struct pith_net_desc *d, const void *frame,
		    size_t len);
	/*
	 * Optional (NULL: the backend never keeps anything). Sends what send took but could not
	 * finish (the rest of a partly written frame; send itself does this first): 1 nothing is
	 * left, 0 some is (poll fd for POLLOUT and call it again), -1 fatal. The I/O thread calls
	 * it before it sleeps, or a frame's tail could wait for the guest's next frame.
	 */
	int (*flush)(struct net_backend *b);
	void *priv;
	uint64_t send_drops; /* frames send() dropped for good (returning 1): the I/O thread counts
				them as drop_tx_backend */
};

/* The backends' constructors (net_tap.c; net_passt.c: passt and stream): 0, or -1 with a
   message in err. */
int net_tap__open(struct net_backend *b, const struct net_config *cfg, char *err, size_t errlen);
int net_passt__open(struct net_backend *b, const struct net_config *cfg, char *err, size_t errlen);
int net_stream__open(struct net_backend *b, const struct net_config *cfg, char *err, size_t errlen);

/* Statistics (printed by `pith run --stats` at exit): what the monitor moved and dropped. */
struct net_stats {
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
	uint64_t kicks;		    /* ioeventfd wake-ups of the I/O thread */
	uint64_t guest_wakes;	    /* times the I/O thread ended a guest's wait */
	uint64_t drop_tx_bad_desc;  /* a transmit descriptor outside guest RAM or too long */
	uint64_t drop_rx_bad_desc;  /* a receive buffer outside guest RAM or too small */
	uint64_t drop_rx_no_buffer; /* a frame arrived while the guest had posted no buffer */
	uint64_t drop_tx_backend;   /* the backend refused a frame */
	uint64_t drop_rx_arp_other; /* an ARP request for another address (static --ip only) */
	uint64_t drop_rx_ethertype; /* neither IPv4 nor ARP: the guest's stack speaks only those */
};

/*
 * The device: opens the backend, fills boot info's `net` (flags, MAC, MTU, addresses), binds
 * PITH_NET_KICK_PORT to an ioeventfd and the guest's wake-up to an eventfd. Called during setup
 * only when cfg->kind != NET_NONE; 0 or -1 with a message in err.
 */
int net_dev__init(struct vm *vm, struct pith_net_info *info, char *err, size_t errlen);

/* The PITH_HC_NET_SETUP hypercall's work: check the rings, start the I/O thread. */
int net_dev__setup(struct vm *vm, uint64_t tx_ring, uint64_t rx_ring);

/* Prints the monitor's NIC statistics (pith run --stats) to stderr. */
void net_dev__print_stats(const struct vm *vm);

#endif
