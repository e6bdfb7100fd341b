/* A host environment for the network stack's tests: the kernel services it needs, and a monitor. */
#ifndef PITH_TESTS_NET_HOST_H
#define PITH_TESTS_NET_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#include "kernel_host.h"

/*
 * net_host.c provides what kernel/net/ calls outside itself (with tests/lib/kernel_host.c:
 * kmalloc over the host's heap with the size of every free checked, panic; here: a virtual
 * monotonic clock, a deterministic random stream, files and iovecs, the console) and the
 * monitor's side of the NIC: it accepts PITH_HC_NET_SETUP, fills the receive ring with frames
 * a test gives it and hands back the frames the stack transmitted. The guest is configured as
 * 10.0.0.2/24, gateway 10.0.0.1, MAC 02:00:00:00:00:02, MTU 1500, no DHCP.
 */
#define NET_HOST_IP 0x0200000au /* 10.0.0.2 in network order */
#define NET_HOST_GW 0x0100000au /* 10.0.0.1 */
#define NET_HOST_PEER_MAC                                                                          \
	{                                                                                          \
		0x02, 0, 0, 0, 0, 0x01                                                             \
	}
extern const uint8_t net_host_mac[6];

/* Boots the stack once: boot info, the init hooks (NIC setup, static address). */
void net_host_init(void);

/* The virtual clock (ns since boot). advance moves it on and runs the pollers. */
extern uint64_t net_host_now;
void net_host_advance(uint64_t ns);

/* Runs every poller once (as a waiting syscall would). */
void net_host_poll(void);

/* Puts one frame on the receive ring (truncated to the buffer) and runs the pollers. false if
   the ring had no free buffer. _put does not run the pollers. */
bool net_host_rx(const void *frame, size_t len);
bool net_host_rx_put(const void *frame, size_t len);

/* The next frame the stack transmitted (copied, at most cap bytes), its length, or 0 if none;
   the slot is completed as the monitor would. */
size_t net_host_tx(void *buf, size_t cap);
/* Completes every transmitted frame; returns how many there were. */
unsigned net_host_tx_drain(void);

/* With capture set, console output (both streams) is appended to net_host_out instead. */
extern bool net_host_capture;
extern char net_host_out[16384];
extern size_t net_host_out_len;

/* Bytes of kernel memory allocated and not freed (kernel_host.c counts them). */
#define net_host_kmem kernel_host_kmem

/* The NIC's rings, as the stack gave them with PITH_HC_NET_SETUP. */
extern struct pith_net_ring *net_host_tx_ring, *net_host_rx_ring;

/* Kicks the stack made (PITH_NET_KICK_PORT). */
extern unsigned net_host_kicks;

#endif
