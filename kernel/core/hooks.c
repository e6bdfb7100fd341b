/* Runs the components' boot and exit hooks (PITH_INIT_HOOK, PITH_EXIT_HOOK sections). */
#include "core/core.h"
#include "core/counter.h"

/* Weak: an image whose components register no hook has no such section. */
extern const struct pith_hook __start_pith_init_hooks[] __attribute__((weak));
extern const struct pith_hook __stop_pith_init_hooks[] __attribute__((weak));
extern const struct pith_hook __start_pith_exit_hooks[] __attribute__((weak));
extern const struct pith_hook __stop_pith_exit_hooks[] __attribute__((weak));

static void run_hooks(const struct pith_hook *h, const struct pith_hook *end)
{
	for (; h && h < end; h++)
		h->fn();
}

void pith_run_init_hooks(void)
{
	run_hooks(__start_pith_init_hooks, __stop_pith_init_hooks);
}

void pith_run_exit_hooks(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	run_hooks(__start_pith_exit_hooks, __stop_pith_exit_hooks);
	/* Last, so the counters include every hook's work; present only with a counter. */
	if (pith_counters_exit)
		pith_counters_exit();
}
