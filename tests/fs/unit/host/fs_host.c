/* The storage tests' host environment: boot info, clocks, console, hypercalls and hooks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/x86_64/cpu.h"
#include "console/console.h"
#include "core/core.h"
#include "core/counter.h"
#include "time/time.h"

#include "fs_host.h"

struct pith_boot_info fs_host_boot = {
    .magic = PITH_BOOT_MAGIC,
    .abi_version = PITH_ABI_VERSION,
    .mem_size = 64u << 20,
};
const struct pith_boot_info *pith_boot_info = &fs_host_boot;
uint64_t pith_user_end = 64u << 20;

uint64_t fs_host_clock_skip;
void (*fs_host_monitor)(uint16_t port, void *call);

/* kmalloc, panic and the user-pointer checks are tests/lib/kernel_host.c's. */

/* ---- Clocks ------------------------------------------------------------------------------ */

static uint64_t host_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t pith_time_monotonic_ns(void)
{
	return host_clock(CLOCK_MONOTONIC) + fs_host_clock_skip;
}

uint64_t pith_time_realtime_ns(void)
{
	return host_clock(CLOCK_REALTIME) + fs_host_clock_skip;
}

/* ---- The console --------------------------------------------------------------------------- */

bool fs_host_capture;
char fs_host_out[16384];
size_t fs_host_out_len;

void fs_host_out_clear(void)
{
	fs_host_out_len = 0;
	fs_host_out[0] = 0;
}

void pith_console_out(int fd, const void *buf, size_t len)
{
	if (!fs_host_capture) {
		fwrite(buf, 1, len, fd == 1 ? stdout : stderr);
		return;
	}
	if (len > sizeof(fs_host_out) - 1 - fs_host_out_len)
		len = sizeof(fs_host_out) - 1 - fs_host_out_len;
	memcpy(fs_host_out + fs_host_out_len, buf, len);
	fs_host_out_len += len;
	fs_host_out[fs_host_out_len] = 0;
}

/* ---- Hypercalls and hooks --------------------------------------------------------------- */

void fs_host_hypercall(uint16_t port, void *call)
{
	if (port == PITH_HC_CONSOLE) {
		struct pith_hc_console *c = call;

		pith_console_out((int)c->stream, (void *)(uintptr_t)c->data, c->len);
	} else if (fs_host_monitor) {
		fs_host_monitor(port, call);
	} else if (port == PITH_HC_WAIT) {
		fs_host_clock_skip += ((struct pith_hc_wait *)call)->timeout_ns;
	} else {
		fprintf(stderr, "fs_host: hypercall on port %#x and no fake monitor\n", port);
		abort();
	}
}

extern const struct pith_hook __start_pith_exit_hooks[] __attribute__((weak));
extern const struct pith_hook __stop_pith_exit_hooks[] __attribute__((weak));

/* As pith_run_exit_hooks (kernel/core/hooks.c), which may run only once: the counters last. */
void fs_host_run_exit_hooks(void)
{
	for (const struct pith_hook *h = __start_pith_exit_hooks; h && h < __stop_pith_exit_hooks;
	     h++)
		h->fn();
	if (pith_counters_exit)
		pith_counters_exit();
}
