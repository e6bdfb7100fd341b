/* pith_panic: hand a fatal kernel error to the monitor, which prints a crash report. */
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "core/core.h"

void pith_panic(const char *msg)
{
	struct pith_hc_panic call = {.msg = (uint64_t)(uintptr_t)msg, .len = strlen(msg)};

	pith_hypercall(PITH_HC_PANIC, &call);
	/* The monitor never resumes a panicked guest; should it, end the guest anyway. */
	for (;;) {
		struct pith_hc_exit leave = {.status = 255};

		pith_hypercall(PITH_HC_EXIT, &leave);
	}
}
