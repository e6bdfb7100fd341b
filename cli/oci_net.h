/* pith-oci's host plumbing in a container's network namespace: a tap wired to eth0 with tc. */
#ifndef CLI_OCI_NET_H
#define CLI_OCI_NET_H

#include <stddef.h>
#include <stdint.h>

/* What the guest takes over from the namespace's interface. */
struct oci_net {
	int tap_fd; /* the open tap (non-persistent: it goes away with the monitor); -1: none */
	char ifname[16]; /* the interface wired to the tap ("eth0"), "" if none */
	char tapname[16];
	uint8_t mac[6];	  /* ifname's MAC: the guest's */
	uint32_t addr;	  /* ifname's first IPv4 address, network byte order */
	int prefix;	  /* its prefix length */
	uint32_t gateway; /* the namespace's IPv4 default route's gateway, network order; 0: none */
	unsigned mtu;	  /* ifname's MTU */
};

/*
 * In the calling thread's network namespace: pick the interface (eth0, else the only
 * non-loopback interface that is up and has an IPv4 address). If there is none, sets
 * net->tap_fd = -1, ifname "" and returns 0: the guest runs without a network. Otherwise reads
 * its MAC, first IPv4 address/prefix, MTU and the default route's gateway, opens a new tap
 * (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, as the monitor's --tap-fd requires;
 * non-persistent), gives it the same MTU, brings it
 * up, adds an ingress qdisc to both interfaces and a filter on each (all traffic, action mirred
 * egress redirect to the other), all through rtnetlink (no tc or ip binary). Returns 0, or -1
 * with a one-line message in err (everything it made so far undone).
 */
int oci_net__wire(struct oci_net *net, char *err, size_t errlen);

/*
 * Undo what oci_net__wire left behind once the tap is closed: the ingress qdisc on ifname in the
 * network namespace at netns_path (the tap itself went with its fd). A namespace or interface
 * that no longer exists is not an error. Returns 0, or -1 with a message in err.
 */
int oci_net__unwire(const char *netns_path, const char *ifname, char *err, size_t errlen);

#endif
