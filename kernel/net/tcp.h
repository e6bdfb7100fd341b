/* TCP's internal interface: connections, the stack's tables, and the jobs of the tcp_*.c files. */
#ifndef PITH_NET_TCP_H
#define PITH_NET_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "fd/fd.h"
#include "net/net.h"
#include "net/tcp_seq.h"

/* RFC 9293 section 3.3.2: the connection states. */
enum tcp_state {
	TCPS_CLOSED,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RCVD,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSE_WAIT,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
};

/* Header flags (RFC 9293 section 3.1). */
#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_PSH 0x08
#define TCP_F_ACK 0x10
#define TCP_F_URG 0x20

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t off; /* data offset in 32-bit words, high nibble */
	uint8_t flags;
	uint16_t win, csum, urp;
} __attribute__((packed));

#define TCP_HLEN 20

/* Tunables. The MSL is short on purpose (RFC 9293 section 3.4.2 suggests 2 minutes): a
   unikernel serving many short connections must not keep TIME-WAIT state for 4 minutes. */
#define TCP_MSL_NS	   (10ull * 1000000000ull) /* TIME-WAIT lasts 2 * MSL = 20 s */
#define TCP_FIN_WAIT2_NS   (30ull * 1000000000ull) /* orphans in FIN-WAIT-2 (Linux: 60 s) */
#define TCP_RTO_INIT_NS	   1000000000ull	   /* RFC 6298 section 2.1 */
#define TCP_RTO_MIN_NS	   200000000ull		   /* Linux's 200 ms (RFC 6298 2.4 says 1 s) */
#define TCP_RTO_MAX_NS	   (60ull * 1000000000ull) /* RFC 6298 section 2.5 */
#define TCP_DELACK_NS	   40000000ull		   /* RFC 5681 section 4.2: well under 500 ms */
#define TCP_SYN_RETRIES	   5			   /* 1+2+4+8+16+32 s: ETIMEDOUT after ~63 s */
#define TCP_SYNACK_RETRIES 4
#define TCP_DATA_RETRIES   10
#define TCP_ORPHAN_RETRIES 8   /* Linux's tcp_orphan_retries in practice: closed sockets give up */
#define TCP_DEFAULT_MSS	   536 /* RFC 9293 section 3.7.1 without the option */
#define TCP_BUF_DEFAULT	   (256u * 1024)
#define TCP_BUF_MIN	   4096u
#define TCP_BUF_MAX	   (4u * 1024 * 1024)
#define TCP_RCV_WSCALE	   7	 /* 65535 << 7 covers TCP_BUF_MAX (RFC 7323 section 2.3) */
#define TCP_MAX_CONNS	   16384 /* every connection: sockets, embryos, TIME-WAIT */
#define TCP_SYNQ_MAX	   256	 /* embryonic connections per listener */
#define TCP_TW_MAX	   512	 /* closed sockets in TIME-WAIT; the oldest is recycled */
#define TCP_BACKLOG_MAX	   4096
#define TCP_HASH_SIZE	   4096 /* power of two */
#define TCP_KEEPIDLE_S	   7200 /* RFC 1122 section 4.2.3.6 */
#define TCP_KEEPINTVL_S	   75
#define TCP_KEEPCNT_DEF	   9

enum tcp_timer { TCP_T_RTX, TCP_T_PERSIST, TCP_T_DELACK, TCP_T_KEEP, TCP_T_2MSL, TCP_T_COUNT };

/* A byte ring that grows on demand up to a limit (the socket buffer). */
struct tcp_ring {
	uint8_t *buf;
	uint32_t cap;  /* power of two, 0 until first use */
	uint32_t head; /* index of the first byte */
	uint32_t len;  /* bytes from head */
};

/* Out-of-order data already placed in the receive ring past the in-order bytes. */
#define TCP_OOO_MAX  8
#define TCP_SACK_MAX 16
struct tcp_range {
	uint32_t start, end; /* sequence numbers, end exclusive */
};

struct tcp_conn {
	struct tcp_conn *hnext;		    /* hash chain (connected and embryonic connections) */
	struct tcp_conn *next, *prev;	    /* every connection (timers, bind checks) */
	struct tcp_conn *lnext;		    /* listeners list */
	struct tcp_conn *parent;	    /* listener of an embryo or an unaccepted connection */
	struct tcp_conn *qnext, *qprev;	    /* in the listener's SYN or accept queue */
	struct tcp_conn *tw_next, *tw_prev; /* closed sockets in TIME-WAIT, oldest first */
	struct pith_file *file;		    /* NULL: no socket (embryo, orphan after close) */

	uint32_t lip, rip; /* network order; lip 0: bound to any */
	uint16_t lport, rport;
	uint8_t state;
	bool hashed, bound, in_synq, in_acceptq, in_tw;

	/* RFC 9293 section 3.3.1: the send and receive sequence variables. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge of the window we advertised */
	uint32_t fin_seq;		/* our FIN's sequence number, once queued */
	uint32_t rcv_fin_seq;		/* the peer's FIN, seen out of order */
	bool fin_queued, rcv_fin_pending, rcv_fin; /* rcv_fin: peer's FIN consumed */
	bool rd_shut, ack_now, ack_pending;
	uint8_t segs_unacked; /* full segments received since our last ACK */

	uint16_t mss;			/* what we send: min(peer's option, our MTU) */
	uint8_t snd_wscale, rcv_wscale; /* RFC 7323 section 2 */
	bool ws_ok, ts_ok;
	uint32_t ts_recent, ts_offset, last_ack_sent; /* RFC 7323 sections 4.3, 5.4 */
	uint64_t ts_recent_ns;

	/* RFC 6298: round-trip estimation (ns); rtt_seq timed when timestamps are off. */
	uint64_t srtt, rttvar, rto, rtt_start;
	uint32_t rtt_seq;
	bool rtt_timing;
	uint8_t retries;

	/* RFC 5681 / RFC 6582 congestion control. */
	uint32_t cwnd, ssthresh, recover, bytes_acked;
	uint8_t dupacks, dupthresh; /* dupthresh grows when reordering is seen */
	bool in_recovery, undo_armed;
	uint32_t prior_cwnd, prior_ssthresh, rtx_ts; /* RFC 3522 (Eifel) undo */

	struct tcp_ring sndq, rcvq; /* sndq starts at snd_una; rcvq: unread in-order bytes */
	struct tcp_range ooo[TCP_OOO_MAX];
	uint8_t nooo;
	uint32_t ooo_last; /* sequence of the latest out-of-order segment (RFC 2018 section 4) */

	/* RFC 2018 / RFC 6675: what the peer SACKed above SND.UNA (sorted, disjoint). */
	bool sack_ok;
	uint8_t nsacked;
	struct tcp_range sacked[TCP_SACK_MAX];
	uint32_t high_rxt, fack; /* HighRxt; the highest SACKed sequence + 1 */
	uint32_t head_rtx_mark;	 /* SND.MAX when the first hole was last retransmitted */
	uint32_t sndbuf, rcvbuf;

	uint64_t timer[TCP_T_COUNT]; /* monotonic deadline, 0: off */
	uint64_t last_rcv_ns;	     /* keepalive idle time */
	uint8_t keep_probes;
	uint8_t probes; /* zero-window probes the peer has not answered (RFC 1122 4.2.2.17) */
	int so_error;	/* positive errno, reported once */

	/* Options. */
	bool nodelay, keepalive, reuseaddr, reuseport, linger_on;
	int linger_s;
	uint32_t keepidle_s, keepintvl_s, keepcnt, user_mss;
	uint32_t user_timeout_ms; /* TCP_USER_TIMEOUT (RFC 5482; RFC 9293 3.8.3); 0: off */

	/* A listener's queues (RFC 9293 section 3.10.7.2). */
	struct tcp_conn *synq, *acceptq, *acceptq_tail;
	unsigned synq_len, acceptq_len, backlog;
};

/* All of TCP's global state, so the host tests can run two stacks in one process. */
struct tcp_stack {
	struct tcp_conn *hash[TCP_HASH_SIZE];
	struct tcp_conn *all;	    /* every connection */
	struct tcp_conn *listeners; /* LISTEN sockets */
	unsigned nconns;
	struct tcp_conn *tw_head, *tw_tail; /* orphans in TIME-WAIT, oldest first */
	unsigned tw_count;
	uint64_t next_timer;	  /* earliest armed timer, UINT64_MAX: none (may be early) */
	uint64_t now;		  /* the clock read once per segment or timer run; 0: read it */
	uint64_t isn_key[2];	  /* RFC 6528 secret */
	uint64_t challenge_start; /* RFC 5961 section 7: challenge ACKs per second */
	unsigned challenges;
	bool keyed;
};

extern struct tcp_stack *pith_tcp;

/* tcp_conn.c: allocation and the tables. */
struct tcp_conn *tcp_conn_new(void);
void tcp_conn_free(struct tcp_conn *c);
void tcp_conn_hash(struct tcp_conn *c);
void tcp_conn_unhash(struct tcp_conn *c);
struct tcp_conn *tcp_conn_lookup(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
struct tcp_conn *tcp_listener_lookup(uint32_t lip, uint16_t lport);
void tcp_listener_add(struct tcp_conn *c);
void tcp_listener_remove(struct tcp_conn *c);
uint32_t tcp_isn(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
void tcp_conn_wake(struct tcp_conn *c);
/* An orphan entered TIME-WAIT: beyond TCP_TW_MAX of them, the oldest ends early. */
void tcp_tw_add(struct tcp_conn *c);
/* Moves to CLOSED: reports err (0: none) to the socket, frees an orphan. Returns true if freed. */
bool tcp_conn_done(struct tcp_conn *c, int err);
void tcp_conn_set_state(struct tcp_conn *c, enum tcp_state s);
bool tcp_conn_synchronized(const struct tcp_conn *c);

/* tcp_ring.c: the byte rings. */
int tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const void *src, uint32_t n, uint32_t lim);
void tcp_ring_read_at(const struct tcp_ring *r, uint32_t off, void *dst, uint32_t n);
void tcp_ring_consume(struct tcp_ring *r, uint32_t n);
void tcp_ring_free(struct tcp_ring *r);
/* Copies between the ring and iovecs (already checked). */
uint32_t tcp_ring_to_iov(const struct tcp_ring *r, const struct iovec *iov, int iovcnt, uint32_t n);
uint32_t tcp_ring_from_iov(struct tcp_ring *r, const struct iovec *iov, int iovcnt, uint32_t n,
			   uint32_t lim);

/* tcp_input.c */
struct tcp_seg {
	const struct tcp_hdr *th;
	const uint8_t *data;
	uint32_t seq, ack, len; /* len: data bytes */
	uint32_t wnd;		/* unscaled */
	uint8_t flags;
	uint16_t mss;  /* 0: no option */
	int8_t wscale; /* -1: no option */
	bool has_ts, sack_perm;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	struct tcp_range sack[4]; /* RFC 2018 section 3: SACK blocks, host order */
	uint32_t src, dst;
};
int tcp_parse_options(struct tcp_seg *s, const uint8_t *opt, unsigned len);
void tcp_rcv_synchronized(struct tcp_conn *c, struct tcp_seg *s);
void tcp_rcv_listen(struct tcp_conn *l, struct tcp_seg *s);
void tcp_rcv_syn_sent(struct tcp_conn *c, struct tcp_seg *s);
void tcp_apply_syn_options(struct tcp_conn *c, const struct tcp_seg *s);
void tcp_challenge_ack(struct tcp_conn *c);
void tcp_established(struct tcp_conn *c, const struct tcp_seg *s);
bool tcp_rcv_ack(struct tcp_conn *c, struct tcp_seg *s);
bool tcp_rcv_data(struct tcp_conn *c, struct tcp_seg *s);
bool tcp_rcv_fin(struct tcp_conn *c, struct tcp_seg *s);
void tcp_enter_time_wait(struct tcp_conn *c);

/* tcp_output.c */
void tcp_output(struct tcp_conn *c);
void tcp_output_override(struct tcp_conn *c);
int tcp_send_syn(struct tcp_conn *c);
void tcp_send_ack(struct tcp_conn *c);
void tcp_send_rst_conn(struct tcp_conn *c);
void tcp_send_rst_reply(const struct tcp_seg *s);
void tcp_send_probe(struct tcp_conn *c);
uint32_t tcp_xmit_data(struct tcp_conn *c, uint32_t seq, uint32_t max, bool rtx);
uint32_t tcp_rcv_window(struct tcp_conn *c);
uint32_t tcp_ts_now(const struct tcp_conn *c);
void tcp_schedule_ack(struct tcp_conn *c, bool full_segment);
uint16_t tcp_our_mss(void);

/* tcp_timer.c */
uint64_t tcp_now(void);
/* Holds tcp_now() at now (0: the live clock again); returns what it held before. */
uint64_t tcp_clock_hold(uint64_t now);
void tcp_timer_set(struct tcp_conn *c, enum tcp_timer t, uint64_t after_ns);
void tcp_timer_stop(struct tcp_conn *c, enum tcp_timer t);
void tcp_rtt_sample(struct tcp_conn *c, uint64_t rtt_ns);
void tcp_rearm_rtx(struct tcp_conn *c);
void tcp_keepalive_reset(struct tcp_conn *c);
/* Runs expired timers of the current stack; true if any ran. The deadline of the next one. */
bool pith_tcp_timers(uint64_t now_ns);
uint64_t pith_tcp_deadline(void);

/* tcp_cc.c */
void tcp_cc_init(struct tcp_conn *c);
void tcp_cc_ack(struct tcp_conn *c, uint32_t acked);
bool tcp_cc_dupack(struct tcp_conn *c);
void tcp_cc_timeout(struct tcp_conn *c);
void tcp_cc_check_spurious(struct tcp_conn *c, const struct tcp_seg *s);
uint32_t tcp_dupthresh(const struct tcp_conn *c);
uint32_t tcp_flight(const struct tcp_conn *c);

/* tcp_sack.c: RFC 2018 SACK and RFC 6675 loss recovery. */
unsigned tcp_sack_put_blocks(const struct tcp_conn *c, uint8_t *o, unsigned room);
bool tcp_sack_update(struct tcp_conn *c, const struct tcp_seg *s);
void tcp_sack_trim(struct tcp_conn *c);
uint32_t tcp_sack_pipe(const struct tcp_conn *c);
void tcp_sack_recover(struct tcp_conn *c);
void tcp_sack_head_moved(struct tcp_conn *c);
uint32_t tcp_sack_skip(const struct tcp_conn *c, uint32_t seq, uint32_t *max);
uint32_t tcp_sacked_bytes(const struct tcp_conn *c);

/* tcp_sock.c */
void tcp_sock_accept_ready(struct tcp_conn *l, struct tcp_conn *c);

#endif
