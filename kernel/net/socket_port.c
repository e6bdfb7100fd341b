/* Ephemeral ports (RFC 6056, RFC 6335 section 6): a random start, skipping ports in use. */
#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "net/socket.h"
#include "random/random.h"

#define EPHEMERAL_FIRST 49152u
#define EPHEMERAL_COUNT 16384u

static bool port_in_use(uint16_t port)
{
	return (pith_tcp_port_in_use && pith_tcp_port_in_use(port)) ||
	       (pith_udp_port_in_use && pith_udp_port_in_use(port));
}

/* RFC 6056 section 3.3.1 (algorithm 1): a random start, then the next free port. 0 if all are
   taken. */
uint16_t pith_net_ephemeral_port(void)
{
	uint16_t r;

	pith_random_bytes(&r, sizeof(r));
	for (unsigned i = 0; i < EPHEMERAL_COUNT; i++) {
		uint16_t port = pith_htons(EPHEMERAL_FIRST + (r + i) % EPHEMERAL_COUNT);

		if (!port_in_use(port))
			return port;
	}
	return 0;
}
