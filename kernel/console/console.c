/* Console fds 0-2: which are open, the output hypercall, close and ioctl; the component's note. */
#include <errno.h>
#include <sys/ioctl.h>

#include "arch/x86_64/cpu.h"
#include "console/console.h"
#include "core/core.h"
#include "core/note.h"
#include "syscall/syscall.h"

PITH_COMPONENT_NOTE(console);

/* Bit fd set while fd (0, 1 or 2) is open; close() clears it for good. */
static unsigned open_fds = 0x7;

int pith_console_check(int fd, int mode)
{
	if (fd < 0 || fd > 2 || !(open_fds & (1u << fd)))
		return -EBADF;
	if ((mode == PITH_CONSOLE_READ) != (fd == 0))
		return -EBADF; /* stdin is read-only, stdout and stderr write-only */
	return 0;
}

void pith_console_out(int fd, const void *buf, size_t len)
{
	struct pith_hc_console call = {
	    .data = (uint64_t)(uintptr_t)buf,
	    .len = len,
	    .stream = (uint32_t)fd,
	};

	PITH_ASSERT(fd == 1 || fd == 2); /* callers checked fd with pith_console_check */
	pith_hypercall(PITH_HC_CONSOLE, &call);
}

PITH_SYSCALL1(close, int, fd)
{
	if (fd < 0 || fd > 2 || !(open_fds & (1u << fd)))
		return -EBADF;
	open_fds &= ~(1u << fd);
	return 0;
}

/*
 * The console fds behave as non-terminals: TIOCGWINSZ and every other terminal or driver ioctl
 * fail with ENOTTY, as Linux answers for a pipe or a regular file; the generic fd ioctls that
 * Linux handles for any file succeed.
 */
PITH_SYSCALL3(ioctl, int, fd, unsigned long, request, void *, arg)
{
	(void)arg;
	if (fd < 0 || fd > 2 || !(open_fds & (1u << fd)))
		return -EBADF;
	switch (request) {
	case FIOCLEX:
	case FIONCLEX:
	case FIONBIO:
	case FIOASYNC:
		return 0;
	default:
		return -ENOTTY;
	}
}
