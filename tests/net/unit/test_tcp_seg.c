/* Pith's TCP against crafted segments: RFC 5961's reset and SYN defences, bad checksums, resets
   for closed ports, every flag combination, a listen backlog and a flood of 100k SYNs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "counters.h"
#include "net_host.h"
#include "tcp_link.h"
#include "test.h"

#define PEER_IP 0x0900000au /* 10.0.0.9: not on the link, answers go nowhere */

static struct tcp_conn *conn_of(struct pith_file *f)
{
	return f->priv;
}

/* Injects into B's end of p as if from A (A's ports, B's numbers). */
static void to_b(struct pair *p, uint32_t seq, uint32_t ack, uint8_t flags, const void *d,
		 size_t len)
{
	struct tcp_conn *b = conn_of(p->b);

	link_inject(&link_b, LINK_IP_A, pith_ntohs(b->rport), pith_ntohs(b->lport), seq, ack, flags,
		    65535, d, len);
}

/* RFC 5961 section 3.2: a reset not exactly at RCV.NXT draws a challenge ACK. */
static void test_rst_rules(void)
{
	struct pair p;
	struct tcp_conn *b;
	uint64_t chal = counter("tcp_challenge_acks"), oow = counter("tcp_drop_out_of_window");

	link_reset();
	CHECK(pair_open(&p, 80));
	b = conn_of(p.b);
	to_b(&p, b->rcv_nxt + 100, 0, TCP_F_RST, NULL, 0);
	CHECK_U64(counter("tcp_challenge_acks"), chal + 1);
	CHECK_U64(link_last[1].flags, TCP_F_ACK);
	CHECK_U64(link_last[1].ack, b->rcv_nxt);
	CHECK_U64(b->state, TCPS_ESTABLISHED);
	to_b(&p, b->rcv_nxt + 10000000, 0, TCP_F_RST, NULL, 0);
	CHECK_U64(counter("tcp_drop_out_of_window"), oow + 1);
	CHECK_U64(b->state, TCPS_ESTABLISHED);
	/* RFC 5961 section 4.2: a SYN in window draws a challenge ACK too. */
	to_b(&p, b->rcv_nxt + 5, 0, TCP_F_SYN, NULL, 0);
	CHECK_U64(counter("tcp_challenge_acks"), chal + 2);
	CHECK_U64(b->state, TCPS_ESTABLISHED);
	/* RFC 5961 section 5.2: an ACK of data never sent is dropped and answered. */
	to_b(&p, b->rcv_nxt, b->snd_nxt + 5000, TCP_F_ACK, "zz", 2);
	CHECK_U64(b->rcvq.len, 0);
	/* The exact reset closes. */
	to_b(&p, b->rcv_nxt, 0, TCP_F_RST, NULL, 0);
	CHECK_U64(b->state, TCPS_CLOSED);
	CHECK_U64(sk_error(&link_b, p.b), ECONNRESET);
	pair_close(&p);
	link_run(60 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

static void test_closed_port_and_checksum(void)
{
	uint8_t seg[20] = {0};
	struct pith_pkt pk = {.data = seg, .len = sizeof(seg)};
	struct pith_ip_info ip = {.src = LINK_IP_A, .dst = LINK_IP_B, .proto = 6};
	uint64_t bad = counter("tcp_drop_bad_checksum");

	link_reset();
	link_inject(&link_b, LINK_IP_A, 5000, 81, 1000, 0, TCP_F_SYN, 1000, NULL, 0);
	CHECK_U64(link_last[1].flags, TCP_F_RST | TCP_F_ACK); /* RFC 9293 3.10.7.1 */
	CHECK_U64(link_last[1].seq, 0);
	CHECK_U64(link_last[1].ack, 1001);
	link_inject(&link_b, LINK_IP_A, 5000, 81, 1000, 777, TCP_F_ACK, 1000, "ab", 2);
	CHECK_U64(link_last[1].flags, TCP_F_RST);
	CHECK_U64(link_last[1].seq, 777);
	link_b.tx_segs = 0;
	link_inject(&link_b, LINK_IP_A, 5000, 81, 1000, 0, TCP_F_RST, 1000, NULL, 0);
	CHECK_U64(link_b.tx_segs, 0); /* never a reset for a reset */
	seg[13] = TCP_F_SYN, seg[12] = 5 << 4, seg[1] = 80, seg[3] = 80, seg[16] = 0x12;
	link_use(&link_b);
	pith_tcp_input(&pk, &ip);
	CHECK_U64(counter("tcp_drop_bad_checksum"), bad + 1);
	CHECK_U64(link_b.tx_segs, 0);
}

/* Every combination of the six flags, to a listener and to a connection, at and off RCV.NXT. */
static void test_flag_combinations(void)
{
	struct pair p;
	uint64_t drops = counter_drops();

	link_reset();
	CHECK(pair_open(&p, 80));
	for (unsigned f = 0; f < 64; f++) {
		struct tcp_conn *b = conn_of(p.b);

		link_inject(&link_b, PEER_IP, 4000 + f, 80, f * 7919u, f * 104729u, (uint8_t)f, 512,
			    "data", f & 1 ? 4 : 0);
		if (b->state == TCPS_ESTABLISHED && !(f & (TCP_F_RST | TCP_F_SYN | TCP_F_FIN)))
			to_b(&p, b->rcv_nxt + 1, b->snd_una, (uint8_t)f, "q", 1);
	}
	CHECK(counter_drops() > drops);
	CHECK_U64(conn_of(p.b)->state, TCPS_ESTABLISHED);
	CHECK_U64(sk_send(&link_a, p.a, "still", 5), 5);
	link_run(100 * NS_MS);
	char buf[8];
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), 0), 5);
	pair_close(&p);
	link_run(120 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* A backlog of 1 admits 2; a third client gets in once the server accepts. */
static void test_backlog(void)
{
	struct pith_file *lsn, *c[3], *acc[3];
	uint64_t over = counter("tcp_drop_listen_overflow") + counter("tcp_drop_accept_queue_full");

	link_reset();
	lsn = sk_socket(&link_b);
	CHECK_U64(sk_listen(&link_b, lsn, 80, 1), 0);
	for (int i = 0; i < 3; i++) {
		c[i] = sk_socket(&link_a);
		sk_connect(&link_a, c[i], LINK_IP_B, 80);
	}
	link_run(100 * NS_MS);
	CHECK(counter("tcp_drop_listen_overflow") + counter("tcp_drop_accept_queue_full") > over);
	CHECK_U64(conn_of(lsn)->acceptq_len, 2);
	CHECK(sk_poll(&link_b, lsn) & EPOLLIN);
	CHECK_U64(sk_accept(&link_b, lsn, &acc[0]), 0);
	CHECK_U64(sk_accept(&link_b, lsn, &acc[1]), 0);
	CHECK_U64(sk_accept(&link_b, lsn, &acc[2]), (uint64_t)-EAGAIN);
	link_run(2 * NS_S); /* the third retransmits its SYN */
	CHECK_U64(sk_accept(&link_b, lsn, &acc[2]), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_U64(conn_of(c[i])->state, TCPS_ESTABLISHED);
		sk_close(&link_a, c[i]);
		sk_close(&link_b, acc[i]);
	}
	sk_close(&link_b, lsn);
	link_run(120 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
}

/* 100k SYNs from spoofed sources: state stays bounded, a real client still connects. */
static void test_syn_flood(void)
{
	struct pair p;
	size_t kmem0 = net_host_kmem;
	uint64_t ev = counter("tcp_synq_evictions");
	char buf[4];

	link_reset();
	p.lsn = sk_socket(&link_b);
	CHECK_U64(sk_listen(&link_b, p.lsn, 80, 128), 0);
	for (uint32_t i = 0; i < 100000; i++) {
		uint32_t src = pith_htonl(0x0b000000u + i); /* 11.x.y.z */

		link_inject(&link_b, src, (uint16_t)(1024 + i % 60000), 80, i * 2654435761u, 0,
			    TCP_F_SYN, 8192, NULL, 0);
		if (i % 1000 == 0)
			link_run(NS_MS);
	}
	CHECK(conn_of(p.lsn)->synq_len <= TCP_SYNQ_MAX);
	CHECK(link_b.stack.nconns <= TCP_SYNQ_MAX + 1);
	CHECK(counter("tcp_synq_evictions") >= ev + 100000 - TCP_SYNQ_MAX);
	printf("  after the flood: %u embryos, %zu bytes of connection state\n",
	       conn_of(p.lsn)->synq_len, net_host_kmem - kmem0);
	p.a = sk_socket(&link_a);
	CHECK_U64(sk_connect(&link_a, p.a, LINK_IP_B, 80), (uint64_t)-EINPROGRESS);
	CHECK(link_until(pair_accepted, &p, 5 * NS_S));
	CHECK_U64(sk_send(&link_a, p.a, "ok", 2), 2);
	link_run(100 * NS_MS);
	CHECK_U64(sk_recv(&link_b, p.b, buf, sizeof(buf), 0), 2);
	pair_close(&p);
	link_run(120 * NS_S);
	CHECK_U64(link_a.stack.nconns + link_b.stack.nconns, 0);
	CHECK_U64(net_host_kmem, kmem0);
}

int main(void)
{
	printf("RFC 5961 resets, SYNs and ACKs\n");
	test_rst_rules();
	printf("closed port, bad checksum\n");
	test_closed_port_and_checksum();
	printf("every flag combination\n");
	test_flag_combinations();
	printf("listen backlog\n");
	test_backlog();
	printf("SYN flood\n");
	test_syn_flood();
	return test__done();
}
