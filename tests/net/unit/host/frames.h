/* Builders of Ethernet frames for the network stack's host tests and the fuzzer's seeds. */
#ifndef PITH_TESTS_NET_FRAMES_H
#define PITH_TESTS_NET_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Each builder writes a whole frame at f (at least 14 + 60 + 60 + len bytes of room), from the
 * peer (MAC 02:00:00:00:00:01) to the guest's MAC, with correct checksums computed by a plain
 * RFC 1071 loop of its own (independent of kernel/net/checksum.c), and returns its length.
 * Addresses are in network byte order, ports and numbers in host order.
 */
#define FRAME_MAX 2048

/* A naive RFC 1071 checksum of len bytes (the value to store, in memory order). */
uint16_t frame_csum(const void *data, size_t len, uint32_t start);

size_t frame_arp(uint8_t *f, uint16_t op, uint32_t spa, uint32_t tpa, const uint8_t *eth_dst);
/* IPv4 with the given identification and fragment field (flags | offset/8, host order). */
size_t frame_ipv4(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id, uint16_t frag,
		  const void *payload, size_t len);
size_t frame_icmp_echo(uint8_t *f, uint32_t src, uint16_t id, uint16_t seq, size_t datalen);
size_t frame_udp(uint8_t *f, uint32_t src, uint16_t sport, uint16_t dport, const void *data,
		 size_t len);
size_t frame_tcp(uint8_t *f, uint32_t src, uint16_t sport, uint16_t dport, uint32_t seq,
		 uint32_t ack, uint8_t flags, const void *data, size_t len);

/* Recomputes the IPv4 header checksum and the TCP/UDP/ICMP checksum of an IPv4 frame, in
   place, as far as the frame's own lengths allow (for fuzzing past the checksum checks). */
void frame_fix_csums(uint8_t *f, size_t len);

#endif
