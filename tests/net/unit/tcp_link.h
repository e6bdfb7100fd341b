/* An in-memory link between TCP stacks for the host tests: loss, duplication, reordering and
   delay on a virtual clock, and helpers that drive sockets on either side. */
#ifndef PITH_TESTS_TCP_LINK_H
#define PITH_TESTS_TCP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/socket.h"
#include "net/tcp.h"

#define LINK_IP_A 0x0100000au /* 10.0.0.1 */
#define LINK_IP_B 0x0200000au /* 10.0.0.2 */
#define NS_MS	  1000000ull
#define NS_S	  1000000000ull

struct link_side {
	struct tcp_stack stack;
	uint32_t ip;
	uint64_t tx_segs, tx_syns; /* segments this side sent; SYNs among them */
	uint64_t syn_times[16];	   /* when the first SYNs (without ACK) were sent */
};

struct link_conf {
	unsigned loss_pct, dup_pct, reorder_pct; /* per segment, percent */
	uint64_t delay_ns;			 /* one way */
	uint64_t reorder_ns;			 /* extra delay of a reordered segment */
	bool down;				 /* drop everything */
};

extern struct link_side link_a, link_b;
extern struct link_conf link_conf;

/* Resets both sides and the link (a fresh pair of stacks, no impairment). */
void link_reset(void);
/* Makes side the current stack (what the socket calls and input act on). */
void link_use(struct link_side *side);
/* Runs the link and both stacks' timers for ns of virtual time. */
void link_run(uint64_t ns);
/* Runs until cond(arg) holds or max_ns passes; true if it held. */
bool link_until(bool (*cond)(void *), void *arg, uint64_t max_ns);
/* Segments in flight. */
unsigned link_in_flight(void);
/* Hands side a raw segment from src (as if it came from the wire; checksum computed). */
void link_inject(struct link_side *side, uint32_t src, uint16_t sport, uint16_t dport, uint32_t seq,
		 uint32_t ack, uint8_t flags, uint16_t win, const void *data, size_t len);
/* The last segment side sent (header fields, host order), for checks. */
struct link_seg {
	uint32_t seq, ack, src, dst;
	uint16_t sport, dport, win;
	uint8_t flags;
	size_t len;
};
extern struct link_seg link_last[2]; /* [0]: sent by A, [1]: by B */

/* Socket helpers on side (each switches to it). */
struct pith_file *sk_socket(struct link_side *s);
int sk_bind(struct link_side *s, struct pith_file *f, uint32_t ip, uint16_t port);
int sk_listen(struct link_side *s, struct pith_file *f, uint16_t port, int backlog);
int sk_connect(struct link_side *s, struct pith_file *f, uint32_t ip, uint16_t port);
int sk_accept(struct link_side *s, struct pith_file *f, struct pith_file **c);
long sk_send(struct link_side *s, struct pith_file *f, const void *buf, size_t len);
long sk_recv(struct link_side *s, struct pith_file *f, void *buf, size_t len, int flags);
int sk_shutdown(struct link_side *s, struct pith_file *f, int how);
int sk_error(struct link_side *s, struct pith_file *f);
unsigned sk_poll(struct link_side *s, struct pith_file *f);
void sk_close(struct link_side *s, struct pith_file *f);
int sk_setint(struct link_side *s, struct pith_file *f, int level, int name, int v);

/* A connection from A to a listener on B. */
struct pair {
	struct pith_file *lsn, *a, *b; /* listener on B, A's client, B's accepted end */
};
/* Accepts on B into p->b; true if one was there. */
bool pair_accepted(void *p);
/* Opens lsn on B:port (backlog 16) and connects A to it; true when B accepted. */
bool pair_open(struct pair *p, uint16_t port);
/* Closes the files that are set. */
void pair_close(struct pair *p);

#endif
