/* Named event counters (PITH_COUNTER, PITH_COUNT) that `pith run --stats` prints at exit. */
#ifndef PITH_CORE_COUNTER_H
#define PITH_CORE_COUNTER_H

#include <stdint.h>

/*
 * A file declares its counters where it uses them: PITH_COUNTER(ipv4_drop_bad_checksum);
 * and bumps them with PITH_COUNT(ipv4_drop_bad_checksum). Counters kept elsewhere (fields of
 * a struct) get their names from one table, printed in table order:
 *   PITH_COUNTER_TABLE(blk_counters) = {PITH_COUNTER_AT(blkdev_reads, pith_blk_stats.reads)};
 * Each counter is one entry of the pith_counters section; at exit, under `pith run --stats`,
 * counter.c prints every non-zero one as `pith: stats: <name> <value>`, in section order,
 * after the exit hooks have run.
 */
struct pith_counter {
	const char *name;
	uint64_t *value;
};

/*
 * Every declaration also leaves an undefined reference to this symbol of counter.c (a
 * reference without a relocation: it costs nothing in the image), which makes the link take
 * counter.c from the core archive: an image that declares no counter carries none of it.
 */
extern const char pith_counters_linked;
#define PITH_COUNTERS_LINK_ __asm__(".globl pith_counters_linked")

#define PITH_COUNTERS_SECTION_                                                                     \
	__attribute__((used, section("pith_counters"), aligned(sizeof(void *))))

#define PITH_COUNTER(name_)                                                                        \
	uint64_t pith_cnt_##name_;                                                                 \
	PITH_COUNTERS_LINK_;                                                                       \
	static const struct pith_counter pith_counter_##name_ PITH_COUNTERS_SECTION_ = {           \
	    #name_, &pith_cnt_##name_}
#define PITH_COUNT(name_)	 (pith_cnt_##name_++)
#define PITH_COUNT_ADD(name_, n) (pith_cnt_##name_ += (n))

#define PITH_COUNTER_TABLE(table_)                                                                 \
	PITH_COUNTERS_LINK_;                                                                       \
	static const struct pith_counter table_[] PITH_COUNTERS_SECTION_
/* clang-format off: it takes the # of #name_ at the start of a line for a directive */
#define PITH_COUNTER_AT(name_, var_)                                                               \
	{                                                                                          \
		.name = #name_, .value = &(var_)                                                   \
	}
/* clang-format on */

/* Prints every non-zero counter. */
void pith_counters_print(void);

/*
 * Under `pith run --stats`, pith_counters_print. pith_run_exit_hooks calls it after every exit
 * hook (so the counters include their work) if the image has it: a weak reference, which does
 * not link counter.c by itself.
 */
void pith_counters_exit(void) __attribute__((weak));

/* Prints one line, `pith: stats: <name> <value>`, to stderr (for gauges: values at exit). */
void pith_counter_line(const char *name, uint64_t value);

/* Appends the decimal digits of v at p (at most 20); returns the new end. */
char *pith_append_u64(char *p, uint64_t v);

#endif
