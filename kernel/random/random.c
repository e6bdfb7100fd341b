/* getrandom and the kernel's CSPRNG state; carries the random component's note. */
#include <errno.h>
#include <sys/random.h>

#include "core/core.h"
#include "core/note.h"
#include "random/chacha20.h"
#include "random/random.h"
#include "syscall/syscall.h"

PITH_COMPONENT_NOTE(random);

#define LINUX_MAX_RW_COUNT 0x7ffff000UL

static struct pith_csprng csprng;

void pith_random_init(const struct pith_boot_info *bi)
{
	pith_csprng_seed(&csprng, bi->seed);
}

void pith_random_bytes(void *buf, size_t len)
{
	pith_csprng_fill(&csprng, buf, len);
}

/*
 * The generator is seeded before the program starts, so it never blocks: GRND_NONBLOCK and
 * GRND_RANDOM change nothing. Like Linux, one call returns at most MAX_RW_COUNT bytes.
 */
PITH_SYSCALL3(getrandom, void *, buf, size_t, len, unsigned int, flags)
{
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
	    (flags & GRND_RANDOM && flags & GRND_INSECURE))
		return -EINVAL;
	if (len > LINUX_MAX_RW_COUNT)
		len = LINUX_MAX_RW_COUNT;
	if (!len)
		return 0;
	if (!pith_user_writable(buf, len))
		return -EFAULT;
	pith_random_bytes(buf, len);
	return (long)len;
}
