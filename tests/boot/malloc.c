/* Boot test guest: malloc/calloc/realloc/free 100 MB in total, 1 B to 4 MiB a block, verified. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS	     48
#define SMALL_SLOTS  1024
#define SMALL_ROUNDS 100000
#define TOTAL_TARGET (100ull << 20)
#define MAX_SHIFT    22		   /* largest block: 4 MiB */
#define LIVE_CAP     (24ull << 20) /* bound on live bytes, so the test fits in --mem 64M */

struct block {
	unsigned char *p;
	size_t size;
	uint32_t seed;
};

struct stats {
	unsigned long long total;
	unsigned long long live, peak_live;
	unsigned long mallocs, callocs, reallocs, frees;
};

static struct block slots[SLOTS];
static struct stats st;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Log-uniform sizes: as many tiny blocks as huge ones. */
static size_t random_size(void)
{
	unsigned shift = (unsigned)(rng_next() % (MAX_SHIFT + 1));

	return 1 + (size_t)(rng_next() % (1ull << shift));
}

static unsigned char pattern(uint32_t seed, size_t i)
{
	return (unsigned char)(seed + i * 0x9d + (i >> 11));
}

static void fill(struct block *b, size_t from)
{
	for (size_t i = from; i < b->size; i++)
		b->p[i] = pattern(b->seed, i);
}

static void die(const char *what, const struct block *b, size_t at)
{
	printf("malloc: FAIL %s: block %p size %zu at offset %zu (after %llu bytes allocated)\n",
	       what, (void *)b->p, b->size, at, st.total);
	exit(1);
}

static void verify(const struct block *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (b->p[i] != pattern(b->seed, i))
			die("contents changed", b, i);
}

static void track_new(size_t old_size, size_t new_size)
{
	st.live = st.live - old_size + new_size;
	if (st.live > st.peak_live)
		st.peak_live = st.live;
	if (new_size > old_size)
		st.total += new_size - old_size;
}

static size_t capped_size(size_t old_size)
{
	size_t size = random_size();

	if (st.live - old_size + size > LIVE_CAP)
		size = 1 + size % 4096;
	return size;
}

static void block_alloc(struct block *b)
{
	int zeroed = rng_next() % 8 == 0;

	b->size = capped_size(0);
	b->seed = (uint32_t)rng_next();
	b->p = zeroed ? calloc(1, b->size) : malloc(b->size);
	if (!b->p)
		die(zeroed ? "calloc returned NULL" : "malloc returned NULL", b, 0);
	for (size_t i = 0; zeroed && i < b->size; i++)
		if (b->p[i] != 0)
			die("calloc memory not zeroed", b, i);
	if (zeroed)
		st.callocs++;
	else
		st.mallocs++;
	track_new(0, b->size);
	fill(b, 0);
}

static void block_realloc(struct block *b)
{
	size_t old_size = b->size;
	size_t new_size = capped_size(old_size);
	unsigned char *p = realloc(b->p, new_size);

	if (!p)
		die("realloc returned NULL", b, new_size);
	b->p = p;
	b->size = new_size;
	verify(b, old_size < new_size ? old_size : new_size);
	fill(b, old_size < new_size ? old_size : new_size);
	st.reallocs++;
	track_new(old_size, new_size);
}

static void block_free(struct block *b)
{
	free(b->p);
	st.live -= b->size;
	st.frees++;
	b->p = NULL;
	b->size = 0;
}

/* Many small blocks in a ring: the small-object allocator and its reuse. */
static void small_phase(void)
{
	static struct block ring[SMALL_SLOTS];

	for (unsigned long r = 0; r < SMALL_ROUNDS; r++) {
		struct block *b = &ring[rng_next() % SMALL_SLOTS];

		if (b->p) {
			verify(b, b->size);
			block_free(b);
		}
		b->size = 1 + rng_next() % 256;
		b->seed = (uint32_t)rng_next();
		b->p = malloc(b->size);
		if (!b->p)
			die("small malloc returned NULL", b, 0);
		st.mallocs++;
		track_new(0, b->size);
		fill(b, 0);
	}
	for (unsigned i = 0; i < SMALL_SLOTS; i++)
		if (ring[i].p) {
			verify(&ring[i], ring[i].size);
			block_free(&ring[i]);
		}
}

static void large_phase(void)
{
	while (st.total < TOTAL_TARGET) {
		struct block *b = &slots[rng_next() % SLOTS];

		if (!b->p) {
			block_alloc(b);
			continue;
		}
		verify(b, b->size);
		if (rng_next() % 3 == 0)
			block_realloc(b);
		else
			block_free(b);
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (slots[i].p) {
			verify(&slots[i], slots[i].size);
			block_free(&slots[i]);
		}
}

int main(void)
{
	small_phase();
	large_phase();
	printf("malloc: %lu mallocs, %lu callocs, %lu reallocs, %lu frees, %llu MiB in total, "
	       "peak live %llu KiB\n",
	       st.mallocs, st.callocs, st.reallocs, st.frees, st.total >> 20, st.peak_live >> 10);
	if (st.live != 0 || st.mallocs + st.callocs != st.frees) {
		printf("malloc: FAIL bookkeeping: %llu bytes still live\n", st.live);
		return 1;
	}
	printf("malloc: ok\n");
	return 0;
}
