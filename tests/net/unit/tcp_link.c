/* An in-memory link between two TCP stacks for the host tests (see tcp_link.h). It stands in for
   the layers below TCP: transmit packets, pith_ipv4_output, the interface's address. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net_host.h"
#include "tcp_link.h"

struct link_side link_a, link_b;
struct link_conf link_conf;
struct link_seg link_last[2];
struct pith_netif pith_netif = {.present = true, .configured = true, .mtu = 1500};

struct wire {
	struct wire *next;
	uint64_t at;
	struct link_side *to;
	uint32_t src, dst, len;
	uint8_t data[PITH_PKT_BUF_SIZE];
};

static struct wire *wire_head;
static struct link_side *link_cur;
static uint64_t link_rand_state = 12345;
static uint16_t link_port = 49152;

static unsigned link_rand(unsigned n)
{
	link_rand_state ^= link_rand_state << 13;
	link_rand_state ^= link_rand_state >> 7;
	link_rand_state ^= link_rand_state << 17;
	return (unsigned)(link_rand_state % n);
}

/* ---- What TCP calls below itself --------------------------------------------------------- */

struct pith_pkt *pith_pkt_alloc(void)
{
	struct pith_pkt *p = calloc(1, sizeof(*p));

	p->buf = malloc(PITH_PKT_BUF_SIZE);
	p->data = p->buf + PITH_PKT_HEADROOM;
	return p;
}

void pith_pkt_free(struct pith_pkt *p)
{
	free(p->buf);
	free(p);
}

void *pith_pkt_put(struct pith_pkt *p, size_t n)
{
	void *at = p->data + p->len;

	p->len += (uint32_t)n;
	return at;
}

void *pith_pkt_push(struct pith_pkt *p, size_t n)
{
	p->data -= n;
	p->len += (uint32_t)n;
	return p->data;
}

void pith_pkt_pull(struct pith_pkt *p, size_t n)
{
	p->data += n;
	p->len -= (uint32_t)n;
}

bool pith_ipv4_is_local(uint32_t addr)
{
	return addr == pith_netif.ip;
}

uint16_t pith_net_ephemeral_port(void)
{
	if (++link_port < 49152)
		link_port = 49152;
	return pith_htons(link_port);
}

static void link_note(const struct pith_pkt *p, uint32_t src, uint32_t dst)
{
	const struct tcp_hdr *th = (const void *)p->data;
	struct link_seg *l = &link_last[link_cur == &link_b];

	l->seq = pith_ntohl(th->seq), l->ack = pith_ntohl(th->ack);
	l->src = src, l->dst = dst, l->flags = th->flags;
	l->sport = pith_ntohs(th->sport), l->dport = pith_ntohs(th->dport);
	l->win = pith_ntohs(th->win);
	l->len = p->len - (th->off >> 4) * 4u;
	link_cur->tx_segs++;
	if ((th->flags & (TCP_F_SYN | TCP_F_ACK)) == TCP_F_SYN && link_cur->tx_syns < 16)
		link_cur->syn_times[link_cur->tx_syns++] = net_host_now;
}

static void wire_add(const struct pith_pkt *p, uint32_t src, uint32_t dst, struct link_side *to,
		     uint64_t at)
{
	struct wire *w = malloc(sizeof(*w)), **pp = &wire_head;

	w->at = at, w->to = to, w->src = src, w->dst = dst, w->len = p->len;
	memcpy(w->data, p->data, p->len);
	while (*pp && (*pp)->at <= at)
		pp = &(*pp)->next;
	w->next = *pp;
	*pp = w;
}

int pith_ipv4_output(struct pith_pkt *p, uint32_t src, uint32_t dst, uint8_t proto)
{
	struct link_side *to = dst == LINK_IP_A ? &link_a : dst == LINK_IP_B ? &link_b : NULL;
	uint64_t at = net_host_now + link_conf.delay_ns;

	(void)proto;
	link_note(p, src ? src : link_cur->ip, dst);
	if (to && !link_conf.down && link_rand(100) >= link_conf.loss_pct) {
		if (link_conf.reorder_pct && link_rand(100) < link_conf.reorder_pct)
			at += link_conf.reorder_ns;
		wire_add(p, src ? src : link_cur->ip, dst, to, at);
		if (link_conf.dup_pct && link_rand(100) < link_conf.dup_pct)
			wire_add(p, src ? src : link_cur->ip, dst, to, at + 1000);
	}
	pith_pkt_free(p);
	return 0;
}

/* ---- The link ------------------------------------------------------------------------------ */

void link_use(struct link_side *side)
{
	link_cur = side;
	pith_tcp = &side->stack;
	pith_netif.ip = side->ip;
}

static void link_side_reset(struct link_side *s, uint32_t ip)
{
	memset(s, 0, sizeof(*s));
	s->stack.next_timer = UINT64_MAX;
	s->ip = ip;
}

void link_reset(void)
{
	while (wire_head) {
		struct wire *w = wire_head;

		wire_head = w->next;
		free(w);
	}
	link_side_reset(&link_a, LINK_IP_A);
	link_side_reset(&link_b, LINK_IP_B);
	memset(&link_conf, 0, sizeof(link_conf));
	memset(link_last, 0, sizeof(link_last));
	link_use(&link_a);
}

unsigned link_in_flight(void)
{
	unsigned n = 0;

	for (struct wire *w = wire_head; w; w = w->next)
		n++;
	return n;
}

static void link_deliver(struct wire *w)
{
	struct pith_pkt p = {.data = w->data, .len = w->len};
	struct pith_ip_info ip = {.src = w->src, .dst = w->dst, .proto = PITH_IPPROTO_TCP};

	link_use(w->to);
	pith_tcp_input(&p, &ip);
}

static uint64_t link_next_event(void)
{
	uint64_t t = wire_head ? wire_head->at : UINT64_MAX;

	if (link_a.stack.next_timer < t)
		t = link_a.stack.next_timer;
	if (link_b.stack.next_timer < t)
		t = link_b.stack.next_timer;
	return t;
}

static void link_timers(void)
{
	link_use(&link_a);
	pith_tcp_timers(net_host_now);
	link_use(&link_b);
	pith_tcp_timers(net_host_now);
}

void link_run(uint64_t ns)
{
	uint64_t end = net_host_now + ns, t;
	struct link_side *was = link_cur;

	for (;;) {
		t = link_next_event();
		if (t > end)
			break;
		if (t > net_host_now)
			net_host_now = t;
		while (wire_head && wire_head->at <= net_host_now) {
			struct wire *w = wire_head;

			wire_head = w->next;
			link_deliver(w);
			free(w);
		}
		link_timers();
	}
	net_host_now = end;
	link_use(was);
}

bool link_until(bool (*cond)(void *), void *arg, uint64_t max_ns)
{
	for (uint64_t t = 0; t <= max_ns; t += NS_MS) {
		if (cond(arg))
			return true;
		link_run(NS_MS);
	}
	return cond(arg);
}

void link_inject(struct link_side *side, uint32_t src, uint16_t sport, uint16_t dport, uint32_t seq,
		 uint32_t ack, uint8_t flags, uint16_t win, const void *data, size_t len)
{
	uint8_t buf[PITH_PKT_BUF_SIZE];
	struct tcp_hdr *th = (void *)buf;
	struct pith_pkt p = {.data = buf, .len = (uint32_t)(TCP_HLEN + len)};
	struct pith_ip_info ip = {.src = src, .dst = side->ip, .proto = PITH_IPPROTO_TCP};
	uint32_t sum;

	memset(th, 0, TCP_HLEN);
	th->sport = pith_htons(sport), th->dport = pith_htons(dport);
	th->seq = pith_htonl(seq), th->ack = pith_htonl(ack);
	th->off = (TCP_HLEN / 4) << 4, th->flags = flags, th->win = pith_htons(win);
	if (len)
		memcpy(buf + TCP_HLEN, data, len);
	sum = pith_csum_pseudo(src, side->ip, PITH_IPPROTO_TCP, (uint16_t)p.len);
	th->csum = pith_csum_fold(pith_csum_add(sum, buf, p.len));
	link_use(side);
	pith_tcp_input(&p, &ip);
}

/* ---- Sockets ------------------------------------------------------------------------------- */

static const struct pith_sock_ops *ops(struct pith_file *f)
{
	return f->ops->sock;
}

struct pith_file *sk_socket(struct link_side *s)
{
	struct pith_file *f = NULL;

	link_use(s);
	return pith_tcp_socket(&f) == 0 ? f : NULL;
}

int sk_bind(struct link_side *s, struct pith_file *f, uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = pith_htons(port)};

	a.sin_addr.s_addr = ip;
	link_use(s);
	return ops(f)->bind(f, &a);
}

int sk_listen(struct link_side *s, struct pith_file *f, uint16_t port, int backlog)
{
	int err = sk_bind(s, f, 0, port);

	return err ? err : ops(f)->listen(f, backlog);
}

int sk_connect(struct link_side *s, struct pith_file *f, uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = pith_htons(port)};

	a.sin_addr.s_addr = ip;
	link_use(s);
	return ops(f)->connect(f, &a);
}

int sk_accept(struct link_side *s, struct pith_file *f, struct pith_file **c)
{
	struct sockaddr_in peer;

	link_use(s);
	return ops(f)->accept(f, c, &peer);
}

long sk_send(struct link_side *s, struct pith_file *f, const void *buf, size_t len)
{
	struct iovec iov = {(void *)buf, len};

	link_use(s);
	return ops(f)->sendmsg(f, &iov, 1, len, NULL, 0);
}

long sk_recv(struct link_side *s, struct pith_file *f, void *buf, size_t len, int flags)
{
	struct iovec iov = {buf, len};
	int mf;

	link_use(s);
	return ops(f)->recvmsg(f, &iov, 1, len, NULL, flags, &mf);
}

int sk_shutdown(struct link_side *s, struct pith_file *f, int how)
{
	link_use(s);
	return ops(f)->shutdown(f, how);
}

int sk_error(struct link_side *s, struct pith_file *f)
{
	int v = 0;
	unsigned len = sizeof(v);

	link_use(s);
	ops(f)->getsockopt(f, SOL_SOCKET, SO_ERROR, &v, &len);
	return v;
}

unsigned sk_poll(struct link_side *s, struct pith_file *f)
{
	link_use(s);
	return f->ops->poll(f);
}

void sk_close(struct link_side *s, struct pith_file *f)
{
	link_use(s);
	pith_file_put(f);
}

int sk_setint(struct link_side *s, struct pith_file *f, int level, int name, int v)
{
	link_use(s);
	return ops(f)->setsockopt(f, level, name, &v, sizeof(v));
}

/* ---- Pairs --------------------------------------------------------------------------------- */

bool pair_accepted(void *arg)
{
	struct pair *p = arg;

	return sk_accept(&link_b, p->lsn, &p->b) == 0;
}

bool pair_open(struct pair *p, uint16_t port)
{
	memset(p, 0, sizeof(*p));
	p->lsn = sk_socket(&link_b);
	p->a = sk_socket(&link_a);
	if (!p->lsn || !p->a || sk_listen(&link_b, p->lsn, port, 16) != 0)
		return false;
	if (sk_connect(&link_a, p->a, LINK_IP_B, port) != -EINPROGRESS)
		return false;
	return link_until(pair_accepted, p, 30 * NS_S);
}

void pair_close(struct pair *p)
{
	if (p->a)
		sk_close(&link_a, p->a);
	if (p->b)
		sk_close(&link_b, p->b);
	if (p->lsn)
		sk_close(&link_b, p->lsn);
	p->a = p->b = p->lsn = NULL;
}
