/* The console's output hypercall (one per call: the callers batch). */
#include "arch/x86_64/cpu.h"
#include "console/console.h"
#include "core/core.h"

void pith_console_out(int fd, const void *buf, size_t len)
{
	struct pith_hc_console call = {
	    .data = (uint64_t)(uintptr_t)buf,
	    .len = len,
	    .stream = (uint32_t)fd,
	};

	PITH_ASSERT(fd == 1 || fd == 2); /* only the console files' writev calls it */
	pith_hypercall(PITH_HC_CONSOLE, &call);
}
