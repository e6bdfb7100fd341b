/* The stack's counters, read by name, for the network stack's host tests. */
#ifndef PITH_TESTS_NET_COUNTERS_H
#define PITH_TESTS_NET_COUNTERS_H

#include <stdint.h>
#include <string.h>

#include "net/net.h"

extern const struct pith_counter __start_pith_counters[] __attribute__((weak));
extern const struct pith_counter __stop_pith_counters[] __attribute__((weak));

/* The counter called name (UINT64_MAX if no linked object declares it). */
static inline uint64_t counter(const char *name)
{
	for (const struct pith_counter *c = __start_pith_counters; c && c < __stop_pith_counters;
	     c++)
		if (strcmp(c->name, name) == 0)
			return *c->value;
	return UINT64_MAX;
}

/* The sum of every drop counter (<protocol>_drop_<reason>). */
static inline uint64_t counter_drops(void)
{
	uint64_t n = 0;

	for (const struct pith_counter *c = __start_pith_counters; c && c < __stop_pith_counters;
	     c++)
		if (strstr(c->name, "_drop_"))
			n += *c->value;
	return n;
}

#endif
