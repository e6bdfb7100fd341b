/* The console's output: writev pieces gathered so one hypercall carries them all. */
#include <string.h>

#include "console/console.h"
#include "fd/fd.h"

/* Small writev pieces are gathered here so that one hypercall (~25 us) carries them all. */
#define BATCH_SIZE 4096
static char batch[BATCH_SIZE];

long pith_console_writev(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	int fd = (int)(uintptr_t)f->priv;
	size_t used = 0, left = total;

	(void)iovcnt; /* the caller capped total within the iovecs */
	for (int i = 0; left; i++) {
		size_t len = iov[i].iov_len < left ? iov[i].iov_len : left;

		left -= len;
		if (!len)
			continue;
		if (used && len > BATCH_SIZE - used) {
			pith_console_out(fd, batch, used);
			used = 0;
		}
		if (used == 0 && (len >= BATCH_SIZE || left == 0)) {
			pith_console_out(fd, iov[i].iov_base, len); /* no copy needed */
			continue;
		}
		memcpy(batch + used, iov[i].iov_base, len);
		used += len;
	}
	if (used)
		pith_console_out(fd, batch, used);
	return (long)total;
}
