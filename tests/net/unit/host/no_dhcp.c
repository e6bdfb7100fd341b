/* For host tests linked without kernel/net/dhcp.c: the DHCP client is never asked for. */
#include <errno.h>

#include "net/net.h"

int pith_dhcp_configure(uint64_t timeout_ns)
{
	(void)timeout_ns;
	return -ENOSYS;
}
