/* pith-oci's network plumbing: a tap wired to the container's eth0 with tc, through rtnetlink. */
#include "oci_net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TUN_PATH      "/dev/net/tun"
#define NL_REQ_MAX    1024
#define NL_RCV_MAX    32768 /* a dump datagram is at most 32 KiB */
#define NL_ACK_MAX    8192
#define NET_MAX_LINKS 64
#define TAP_PRIO      1 /* the filter's priority (tc's "pref") */

/* One rtnetlink socket (man 7 netlink, man 7 rtnetlink). */
struct nl {
	int fd;
	uint32_t seq;
};

/* A request being built: header, family header, attributes. */
struct nl_req {
	union {
		struct nlmsghdr h;
		char buf[NL_REQ_MAX];
	};
};

/* What a dump tells us about one interface. */
struct link {
	int index;
	unsigned flags, type, mtu;
	char name[IFNAMSIZ];
	uint8_t mac[6];
	uint32_t addr; /* first IPv4 address (network order), 0: none */
	int prefix;
};

struct links {
	struct link l[NET_MAX_LINKS];
	int n;
	uint32_t gateway; /* main table's IPv4 default route's gateway */
	int gateway_oif;  /* its output interface (0: unknown) */
};

typedef void nl_dump_fn(const struct nlmsghdr *h, struct links *ls);

/* ---- netlink messages --------------------------------------------------------------------- */

static void req__init(struct nl_req *r, uint16_t type, uint16_t flags, const void *fam,
		      size_t famlen)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(famlen);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(&r->h), fam, famlen);
}

/* Append one attribute; returns it (for nests), NULL if the request is full (cannot happen
   with the fixed requests below; checked anyway). */
static struct rtattr *req__put(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(r->buf + at);

	if (at + RTA_SPACE(len) > sizeof(r->buf))
		return NULL;
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = at + RTA_SPACE(len);
	return a;
}

/* Close a nest opened with req__put(r, type, NULL, 0): its length covers what followed. */
static void req__end(struct nl_req *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(r->buf + r->h.nlmsg_len - (char *)nest);
}

static int nl__open(struct nl *nl, char *err, size_t errlen)
{
	nl->seq = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd >= 0)
		return 0;
	snprintf(err, errlen, "netlink: cannot open a NETLINK_ROUTE socket: %s", strerror(errno));
	return -1;
}

static int nl__send(struct nl *nl, struct nl_req *r)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	r->h.nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, r->buf, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return 0;
}

/* Receive one datagram of replies; its length, or -1 (errno set). */
static ssize_t nl__recv(struct nl *nl, char *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(nl->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Send r with NLM_F_ACK and wait for its acknowledgement. Returns 0, or -1 with errno set to
 * the kernel's error and "WHAT: strerror" in err.
 */
static int nl__ack(struct nl *nl, struct nl_req *r, const char *what, char *err, size_t errlen)
{
	char buf[NL_ACK_MAX];
	int e = 0;

	r->h.nlmsg_flags |= NLM_F_ACK;
	if (nl__send(nl, r) < 0)
		goto fail;
	for (;;) {
		ssize_t n = nl__recv(nl, buf, sizeof(buf));

		if (n < 0)
			goto fail;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			e = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (!e)
				return 0;
			errno = e;
			goto fail;
		}
	}
fail:
	e = errno;
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	errno = e;
	return -1;
}

/* Handle one datagram of a dump: 1 when NLMSG_DONE was seen, 0 for more, -1 on an error. */
static int nl__dump_part(struct nl *nl, const char *buf, ssize_t n, uint16_t type, nl_dump_fn *fn,
			 struct links *ls)
{
	for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != nl->seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			errno = -((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			return -1;
		}
		if (h->nlmsg_type == type)
			fn(h, ls);
	}
	return 0;
}

/* A dump request (RTM_GETLINK, ...): fn sees every reply of type `reply`. */
static int nl__dump(struct nl *nl, uint16_t type, uint16_t reply, const void *fam, size_t famlen,
		    nl_dump_fn *fn, struct links *ls, const char *what, char *err, size_t errlen)
{
	static char buf[NL_RCV_MAX];
	struct nl_req r;
	int done = 0;

	req__init(&r, type, NLM_F_DUMP, fam, famlen);
	if (nl__send(nl, &r) < 0)
		done = -1;
	while (!done) {
		ssize_t n = nl__recv(nl, buf, sizeof(buf));

		done = n < 0 ? -1 : nl__dump_part(nl, buf, n, reply, fn, ls);
	}
	if (done > 0)
		return 0;
	snprintf(err, errlen, "netlink: %s: %s", what, strerror(errno));
	return -1;
}

/* ---- what the namespace holds: links, addresses, the default route -------------------------- */

static struct link *links__find(struct links *ls, int index)
{
	for (int i = 0; i < ls->n; i++)
		if (ls->l[i].index == index)
			return &ls->l[i];
	return NULL;
}

/* RTM_NEWLINK reply of the dump: name, index, flags, MAC, MTU. */
static void links__on_link(const struct nlmsghdr *h, struct links *ls)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);
	struct link *l;

	if (ls->n == NET_MAX_LINKS)
		return;
	l = &ls->l[ls->n++];
	*l = (struct link){.index = ifi->ifi_index, .flags = ifi->ifi_flags, .type = ifi->ifi_type};
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME)
			snprintf(l->name, sizeof(l->name), "%.*s", (int)RTA_PAYLOAD(a),
				 (const char *)RTA_DATA(a));
		else if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6)
			memcpy(l->mac, RTA_DATA(a), 6);
		else if (a->rta_type == IFLA_MTU && RTA_PAYLOAD(a) == 4)
			memcpy(&l->mtu, RTA_DATA(a), 4);
	}
}

/* RTM_NEWADDR reply: the first IPv4 address of each link (IFA_LOCAL, else IFA_ADDRESS). */
static void links__on_addr(const struct nlmsghdr *h, struct links *ls)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);
	struct link *l = links__find(ls, (int)ifa->ifa_index);
	uint32_t local = 0, address = 0;

	if (!l || l->addr || ifa->ifa_family != AF_INET)
		return;
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) == 4)
			memcpy(&local, RTA_DATA(a), 4);
		else if (a->rta_type == IFA_ADDRESS && RTA_PAYLOAD(a) == 4)
			memcpy(&address, RTA_DATA(a), 4);
	}
	l->addr = local ? local : address;
	l->prefix = ifa->ifa_prefixlen;
}

/* RTM_NEWROUTE reply: an IPv4 default route of the main table with a gateway. */
static void links__on_route(const struct nlmsghdr *h, struct links *ls)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	uint32_t table = rt->rtm_table, gw = 0;
	int oif = 0;

	if (rt->rtm_family != AF_INET || rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST)
		return;
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
			memcpy(&table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == 4)
			memcpy(&gw, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4)
			memcpy(&oif, RTA_DATA(a), 4);
	}
	if (table != RT_TABLE_MAIN || !gw || ls->gateway)
		return;
	ls->gateway = gw;
	ls->gateway_oif = oif;
}

/* Dump the namespace's links, their IPv4 addresses and the default route into ls. */
static int links__load(struct nl *nl, struct links *ls, char *err, size_t errlen)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct ifaddrmsg ifa = {.ifa_family = AF_INET};
	struct rtmsg rt = {.rtm_family = AF_INET};

	memset(ls, 0, sizeof(*ls));
	if (nl__dump(nl, RTM_GETLINK, RTM_NEWLINK, &ifi, sizeof(ifi), links__on_link, ls,
		     "listing interfaces", err, errlen) < 0 ||
	    nl__dump(nl, RTM_GETADDR, RTM_NEWADDR, &ifa, sizeof(ifa), links__on_addr, ls,
		     "listing addresses", err, errlen) < 0 ||
	    nl__dump(nl, RTM_GETROUTE, RTM_NEWROUTE, &rt, sizeof(rt), links__on_route, ls,
		     "listing routes", err, errlen) < 0)
		return -1;
	return 0;
}

/* eth0 if it has an IPv4 address, else the only other non-loopback interface that is up and
   has one; NULL: no network for the guest. */
static const struct link *links__pick(const struct links *ls)
{
	const struct link *found = NULL;
	int n = 0;

	for (int i = 0; i < ls->n; i++) {
		const struct link *l = &ls->l[i];

		if (!strcmp(l->name, "eth0") && l->addr)
			return l;
		if (strcmp(l->name, "eth0") && l->type == ARPHRD_ETHER &&
		    !(l->flags & IFF_LOOPBACK) && (l->flags & IFF_UP) && l->addr) {
			found = l;
			n++;
		}
	}
	return n == 1 ? found : NULL;
}

/* ---- the tap ------------------------------------------------------------------------------ */

/* A new non-persistent tap (pith%d) with a virtio-net header (what `pith run --tap-fd` wants). */
static int tap__open(struct oci_net *net, char *err, size_t errlen)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	int fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open " TUN_PATH ": %s", strerror(errno));
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "pith%%d");
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "cannot create a tap device: %s", strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(net->tapname, sizeof(net->tapname), "%s", ifr.ifr_name);
	net->tap_fd = fd;
	return 0;
}

/* RTM_NEWLINK: the tap gets ifname's MTU and goes up. */
static int tap__up(struct nl *nl, int index, const struct oci_net *net, char *err, size_t errlen)
{
	struct ifinfomsg ifi = {
	    .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	uint32_t mtu = net->mtu;
	char what[64];
	struct nl_req r;

	req__init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	req__put(&r, IFLA_MTU, &mtu, sizeof(mtu));
	snprintf(what, sizeof(what), "ip: setting the MTU of %s and bringing it up", net->tapname);
	return nl__ack(nl, &r, what, err, errlen);
}

/* ---- tc: ingress qdiscs and mirred redirect filters ----------------------------------------- */

static void tc__msg(struct nl_req *r, uint16_t type, uint16_t flags, int index, uint32_t parent,
		    uint32_t handle, uint32_t info)
{
	struct tcmsg t = {.tcm_family = AF_UNSPEC,
			  .tcm_ifindex = index,
			  .tcm_handle = handle,
			  .tcm_parent = parent,
			  .tcm_info = info};

	req__init(r, type, flags, &t, sizeof(t));
}

/* `tc qdisc add dev NAME ingress`: handle ffff:0, parent TC_H_INGRESS. */
static int tc__add_ingress(struct nl *nl, int index, const char *name, char *err, size_t errlen)
{
	struct nl_req r;
	char what[64];

	tc__msg(&r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, index, TC_H_INGRESS,
		TC_H_MAKE(TC_H_INGRESS, 0), 0);
	req__put(&r, TCA_KIND, "ingress", sizeof("ingress"));
	snprintf(what, sizeof(what), "tc: adding the ingress qdisc on %s", name);
	return nl__ack(nl, &r, what, err, errlen);
}

/* `tc qdisc del dev NAME ingress`; errno says why it failed. */
static int tc__del_ingress(struct nl *nl, int index, const char *name, char *err, size_t errlen)
{
	struct nl_req r;
	char what[64];

	tc__msg(&r, RTM_DELQDISC, 0, index, TC_H_INGRESS, TC_H_MAKE(TC_H_INGRESS, 0), 0);
	snprintf(what, sizeof(what), "tc: deleting the ingress qdisc on %s", name);
	return nl__ack(nl, &r, what, err, errlen);
}

/* The u32 selector matching every packet (one key: mask 0 at offset 0), terminal. */
static void tc__put_match_all(struct nl_req *r)
{
	char sel[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)] = {0};
	struct tc_u32_sel s = {.flags = TC_U32_TERMINAL, .nkeys = 1};

	memcpy(sel, &s, sizeof(s));
	req__put(r, TCA_U32_SEL, sel, sizeof(sel));
}

/* Action 1: mirred egress redirect to ifindex `to`, the packet stolen from this interface. */
static void tc__put_redirect(struct nl_req *r, int to)
{
	struct tc_mirred m = {.action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = to};
	struct rtattr *acts = req__put(r, TCA_U32_ACT, NULL, 0);
	struct rtattr *act = req__put(r, 1, NULL, 0);
	struct rtattr *opts;

	req__put(r, TCA_ACT_KIND, "mirred", sizeof("mirred"));
	opts = req__put(r, TCA_ACT_OPTIONS, NULL, 0);
	req__put(r, TCA_MIRRED_PARMS, &m, sizeof(m));
	req__end(r, opts);
	req__end(r, act);
	req__end(r, acts);
}

/* `tc filter add dev FROM parent ffff: protocol all prio 1 u32 match u32 0 0
   action mirred egress redirect dev TO`. */
static int tc__add_redirect(struct nl *nl, int from, const char *fromname, int to,
			    const char *toname, char *err, size_t errlen)
{
	struct nl_req r;
	struct rtattr *opts;
	char what[96];

	tc__msg(&r, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, from, TC_H_MAKE(TC_H_INGRESS, 0), 0,
		TC_H_MAKE(TAP_PRIO << 16, htons(ETH_P_ALL)));
	req__put(&r, TCA_KIND, "u32", sizeof("u32"));
	opts = req__put(&r, TCA_OPTIONS, NULL, 0);
	tc__put_match_all(&r);
	tc__put_redirect(&r, to);
	req__end(&r, opts);
	snprintf(what, sizeof(what), "tc: adding the redirect filter from %s to %s", fromname,
		 toname);
	return nl__ack(nl, &r, what, err, errlen);
}

/* ---- wire / unwire -------------------------------------------------------------------------- */

/* Copy the chosen interface's facts into net; the default route counts if it leaves through it. */
static void net__take(struct oci_net *net, const struct links *ls, const struct link *l)
{
	snprintf(net->ifname, sizeof(net->ifname), "%s", l->name);
	memcpy(net->mac, l->mac, 6);
	net->addr = l->addr;
	net->prefix = l->prefix;
	net->mtu = l->mtu;
	if (!ls->gateway_oif || ls->gateway_oif == l->index)
		net->gateway = ls->gateway;
}

/* Both ingress qdiscs and both filters; the eth0 qdisc is removed again on failure (the tap's
   goes with the tap). */
static int net__tc(struct nl *nl, int ifi, int tapi, const struct oci_net *net, char *err,
		   size_t errlen)
{
	char ignored[128];

	if (tc__add_ingress(nl, ifi, net->ifname, err, errlen) < 0)
		return -1;
	if (tc__add_ingress(nl, tapi, net->tapname, err, errlen) == 0 &&
	    tc__add_redirect(nl, ifi, net->ifname, tapi, net->tapname, err, errlen) == 0 &&
	    tc__add_redirect(nl, tapi, net->tapname, ifi, net->ifname, err, errlen) == 0)
		return 0;
	tc__del_ingress(nl, ifi, net->ifname, ignored, sizeof(ignored));
	return -1;
}

/* The tap, its MTU and state, and tc, for the interface with index ifi. */
static int net__plumb(struct nl *nl, struct oci_net *net, int ifi, char *err, size_t errlen)
{
	int tapi;

	if (tap__open(net, err, errlen) < 0)
		return -1;
	tapi = (int)if_nametoindex(net->tapname);
	if (!tapi)
		snprintf(err, errlen, "cannot find the new tap %s: %s", net->tapname,
			 strerror(errno));
	if (tapi && tap__up(nl, tapi, net, err, errlen) == 0 &&
	    net__tc(nl, ifi, tapi, net, err, errlen) == 0)
		return 0;
	close(net->tap_fd);
	return -1;
}

int oci_net__wire(struct oci_net *net, char *err, size_t errlen)
{
	struct links ls;
	const struct link *l;
	struct nl nl;
	int rc = 0;

	*net = (struct oci_net){.tap_fd = -1};
	if (nl__open(&nl, err, errlen) < 0)
		return -1;
	if (links__load(&nl, &ls, err, errlen) < 0) {
		close(nl.fd);
		return -1;
	}
	l = links__pick(&ls);
	if (l) {
		net__take(net, &ls, l);
		rc = net__plumb(&nl, net, l->index, err, errlen);
	}
	close(nl.fd);
	if (rc < 0)
		*net = (struct oci_net){.tap_fd = -1};
	return rc;
}

/* What the unwiring thread needs and reports. */
struct unwire {
	const char *path, *ifname;
	char *err;
	size_t errlen;
	int rc;
};

/* In the namespace at u->path (this thread only): delete ifname's ingress qdisc. */
static void *unwire__thread(void *arg)
{
	struct unwire *u = arg;
	int fd = open(u->path, O_RDONLY | O_CLOEXEC), index;
	struct nl nl;

	if (fd < 0) {
		u->rc = errno == ENOENT ? 0 : -1;
		snprintf(u->err, u->errlen, "cannot open the network namespace %s: %s", u->path,
			 strerror(errno));
		return NULL;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		snprintf(u->err, u->errlen, "cannot enter the network namespace %s: %s", u->path,
			 strerror(errno));
		close(fd);
		return NULL;
	}
	close(fd);
	index = (int)if_nametoindex(u->ifname);
	if (!index || nl__open(&nl, u->err, u->errlen) < 0) {
		u->rc = index ? -1 : 0;
		return NULL;
	}
	u->rc = tc__del_ingress(&nl, index, u->ifname, u->err, u->errlen);
	if (u->rc < 0 && (errno == ENOENT || errno == ENODEV || errno == EINVAL))
		u->rc = 0;
	close(nl.fd);
	return NULL;
}

int oci_net__unwire(const char *netns_path, const char *ifname, char *err, size_t errlen)
{
	struct unwire u = {
	    .path = netns_path, .ifname = ifname, .err = err, .errlen = errlen, .rc = -1};
	pthread_t t;
	int e;

	if (!netns_path || !*netns_path || !ifname || !*ifname)
		return 0;
	e = pthread_create(&t, NULL, unwire__thread, &u);
	if (e) {
		snprintf(err, errlen, "cannot start a thread to unwire %s: %s", ifname,
			 strerror(e));
		return -1;
	}
	pthread_join(t, NULL);
	return u.rc;
}
