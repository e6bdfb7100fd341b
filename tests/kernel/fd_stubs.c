/* Host stand-ins for kmalloc, the clock, pith_io_wait, panic and tracing (fd/pipe/poll tests). */
#include <stdio.h>
#include <stdlib.h>

#include "core/core.h"
#include "fd_stubs.h"
#include "mem/mem.h"
#include "time/time.h"
#include "time/wait.h"

uint64_t stub_now_ns = 1000000000;
unsigned stub_waits;
long stub_kmalloc_live;
int pith_trace_enabled;

void *pith_kmalloc(size_t size)
{
	stub_kmalloc_live++;
	return calloc(1, size ? size : 1);
}

void pith_kfree(void *p, size_t size)
{
	(void)size;
	if (p)
		stub_kmalloc_live--;
	free(p);
}

uint64_t pith_time_monotonic_ns(void)
{
	return stub_now_ns;
}

uint64_t pith_time_realtime_ns(void)
{
	return stub_now_ns;
}

bool pith_io_poll(void)
{
	return false;
}

/* Nothing can become ready while a host test waits: time just passes to the deadline. */
int (*stub_wait_hook)(uint64_t deadline_ns);

int pith_io_wait(uint64_t deadline_ns)
{
	if (stub_wait_hook)
		return stub_wait_hook(deadline_ns);
	if (deadline_ns == UINT64_MAX) {
		fprintf(stderr, "FAIL: pith_io_wait would wait forever\n");
		abort();
	}
	stub_waits++;
	if (stub_now_ns < deadline_ns)
		stub_now_ns = deadline_ns;
	return 0;
}

void pith_panic(const char *msg)
{
	fprintf(stderr, "pith_panic: %s\n", msg);
	abort();
}

void pith_trace_syscall(int nr, unsigned kinds, int retkind, long ret, long a, long b, long c,
			long d, long e, long f)
{
	(void)nr, (void)kinds, (void)retkind, (void)ret, (void)a, (void)b, (void)c, (void)d,
	    (void)e, (void)f;
}
