/* Writes the fuzzer's seed corpus: valid ARP, ICMP, UDP, TCP and fragment exchanges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "net_host.h"

#define PEER NET_HOST_GW

static uint8_t seed[16384];
static size_t seed_len;

/* Appends one chunk: control byte, length, frame. */
static void chunk(uint8_t ctl, const uint8_t *f, size_t len)
{
	seed[seed_len++] = ctl;
	seed[seed_len++] = (uint8_t)(len >> 8);
	seed[seed_len++] = (uint8_t)len;
	memcpy(seed + seed_len, f, len);
	seed_len += len;
}

static void save(const char *dir, const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(seed, 1, seed_len, fp) != seed_len || fclose(fp)) {
		perror(path);
		exit(1);
	}
	seed_len = 0;
}

static void arp_from_peer(uint8_t ctl)
{
	uint8_t f[FRAME_MAX];

	chunk(ctl, f, frame_arp(f, 1, PEER, NET_HOST_IP, NULL));
}

/* A TCP segment from the peer's port 40000 advertising window win. */
static void tcp_win(uint8_t ctl, uint16_t dport, uint32_t seq, uint8_t flags, const char *data,
		    uint16_t win)
{
	uint8_t f[FRAME_MAX];
	size_t n = frame_tcp(f, PEER, 40000, dport, seq, 0, flags, data, strlen(data));

	f[48] = (uint8_t)(win >> 8);
	f[49] = (uint8_t)win;
	frame_fix_csums(f, n);
	chunk(ctl, f, n);
}

static void tcp(uint8_t ctl, uint16_t dport, uint32_t seq, uint8_t flags, const char *data)
{
	tcp_win(ctl, dport, seq, flags, data, 65535);
}

/* A ping cut in two fragments, or in two that overlap. */
static void fragments(bool overlap)
{
	uint8_t m[8 + 64] = {8}, f[FRAME_MAX];
	uint16_t c = frame_csum(m, sizeof(m), 0);

	memcpy(m + 2, &c, 2);
	chunk(0, f, frame_ipv4(f, PEER, NET_HOST_IP, 1, 77, 0x2000, m, 40));
	chunk(0, f, frame_ipv4(f, PEER, NET_HOST_IP, 1, 77, overlap ? 4 : 5, m + 40, 32));
}

static void simple_seeds(const char *dir)
{
	uint8_t f[FRAME_MAX];

	arp_from_peer(0);
	save(dir, "arp_request");
	arp_from_peer(0);
	chunk(0, f, frame_icmp_echo(f, PEER, 1, 1, 56));
	save(dir, "icmp_echo");
	arp_from_peer(0);
	chunk(0x40, f, frame_udp(f, PEER, 5000, 7, "hello", 5));
	chunk(0, f, frame_udp(f, PEER, 5000, 9, "closed", 6));
	save(dir, "udp");
	arp_from_peer(0);
	fragments(false);
	save(dir, "fragments");
	arp_from_peer(0);
	fragments(true);
	save(dir, "fragments_overlap");
}

static void tcp_seeds(const char *dir)
{
	arp_from_peer(0);
	tcp(0, 80, 1000, 0x02, "");
	save(dir, "tcp_syn");
	arp_from_peer(0);
	tcp(0, 80, 1000, 0x02, "");
	tcp(0x03, 80, 1001, 0x10, "");
	tcp(0x23, 80, 1001, 0x18, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	tcp(0x03, 80, 1028, 0x11, "");
	tcp(0x13, 80, 1029, 0x10, "");
	save(dir, "tcp_session");
	arp_from_peer(0);
	tcp(0, 81, 5, 0x02, "");
	save(dir, "tcp_closed_port");
	arp_from_peer(0x80);
	tcp(0x03, 1, 9000, 0x12, "");
	tcp(0x23, 1, 9001, 0x18, "hi there");
	tcp(0x03, 1, 9009, 0x04, "");
	save(dir, "tcp_connect");
	/* Found by the fuzzer: a connection whose peer shut its window and went silent must not
	   outlive its socket forever (RFC 1122 section 4.2.2.17 lets it end when the zero-window
	   probes go unanswered). */
	arp_from_peer(0x80);
	tcp_win(0x03, 1, 9000, 0x12, "", 0);
	save(dir, "tcp_zero_window_orphan");
	arp_from_peer(0);
	tcp(0, 80, 1000, 0x02, "");
	tcp_win(0x23, 80, 1001, 0x10, "", 0);
	save(dir, "tcp_zero_window_accepted");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	simple_seeds(argv[1]);
	tcp_seeds(argv[1]);
	return 0;
}
