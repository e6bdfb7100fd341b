/* `pith run --stats`: every non-zero counter of the pith_counters section, printed at exit. */
#include <stddef.h>
#include <string.h>

#include "console/console.h"
#include "core/core.h"
#include "core/counter.h"

/* What PITH_COUNTER_OF's entries refer to (see counter.h). */
const char pith_counters_linked = 0;

/* Weak: a host test may link this file without declaring any counter. */
extern const struct pith_counter __start_pith_counters[] __attribute__((weak));
extern const struct pith_counter __stop_pith_counters[] __attribute__((weak));

char *pith_append_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

void pith_counter_line(const char *name, uint64_t value)
{
	static const char prefix[] = "pith: stats: ";
	char line[sizeof(prefix) + 96 + 24];
	size_t n = strlen(name);
	char *p = line;

	if (n > 96)
		n = 96;
	memcpy(p, prefix, sizeof(prefix) - 1);
	p += sizeof(prefix) - 1;
	memcpy(p, name, n);
	p += n;
	*p++ = ' ';
	p = pith_append_u64(p, value);
	*p++ = '\n';
	pith_console_out(2, line, (size_t)(p - line));
}

void pith_counters_print(void)
{
	for (const struct pith_counter *c = __start_pith_counters; c && c < __stop_pith_counters;
	     c++)
		if (*c->value)
			pith_counter_line(c->name, *c->value);
}

void pith_counters_exit(void)
{
	if (pith_boot_info->flags & PITH_BOOT_STATS)
		pith_counters_print();
}
