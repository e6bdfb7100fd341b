/* The storage tests' host environment: kmalloc, panic, clocks, console and hypercalls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/x86_64/cpu.h"
#include "console/console.h"
#include "core/core.h"
#include "mem/mem.h"
#include "time/time.h"

#include "fs_host.h"

struct pith_boot_info fs_host_boot = {
    .magic = PITH_BOOT_MAGIC,
    .abi_version = PITH_ABI_VERSION,
    .mem_size = 64u << 20,
};
const struct pith_boot_info *pith_boot_info = &fs_host_boot;
uint64_t pith_user_end = 64u << 20;

size_t fs_host_kmem;
long fs_host_kmalloc_fail;
long fs_host_kmalloc_skip;
uint64_t fs_host_clock_skip;
void (*fs_host_monitor)(uint16_t port, void *call);

/* ---- Memory and panics ------------------------------------------------------------------ */

void pith_panic(const char *msg)
{
	fprintf(stderr, "kernel panic: %s\n", msg);
	abort();
}

/* A header before each block holds its size; a free with another size aborts (sized free). */
static size_t kmem_align(size_t size)
{
	return size >= 4096 ? 4096 : 64;
}

void *pith_kmalloc(size_t size)
{
	size_t a = kmem_align(size);
	void *p;

	if (fs_host_kmalloc_fail > 0 && fs_host_kmalloc_skip > 0) {
		fs_host_kmalloc_skip--;
	} else if (fs_host_kmalloc_fail > 0) {
		fs_host_kmalloc_fail--;
		return NULL;
	}
	if (size > (1u << 30) || posix_memalign(&p, a, a + size))
		return NULL;
	memset(p, 0, a + size);
	memcpy((char *)p + a - sizeof(size), &size, sizeof(size));
	fs_host_kmem += size;
	return (char *)p + a;
}

void pith_kfree(void *q, size_t size)
{
	size_t a = kmem_align(size), stored;

	if (!q)
		return;
	memcpy(&stored, (char *)q - sizeof(stored), sizeof(stored));
	if (stored != size) {
		fprintf(stderr, "pith_kfree: size %zu, allocated %zu\n", size, stored);
		abort();
	}
	fs_host_kmem -= size;
	free((char *)q - a);
}

bool pith_user_readable(const void *p, size_t len)
{
	(void)p, (void)len;
	return true;
}

bool pith_user_writable(const void *p, size_t len)
{
	(void)p, (void)len;
	return true;
}

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

void fs_host_run_exit_hooks(void)
{
	for (const struct pith_hook *h = __start_pith_exit_hooks; h && h < __stop_pith_exit_hooks;
	     h++)
		h->fn();
}
