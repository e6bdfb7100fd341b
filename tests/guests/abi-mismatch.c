/* Test guest: claims Pith ABI 99; the monitor must refuse to run it. */
#include "guest.h"

GUEST_NOTE(99, 0);
GUEST_START();

int guest_main(const struct pith_boot_info *bi)
{
	(void)bi;
	guest_puts(1, "abi-mismatch: this should never run\n");
	return 0;
}
