/* Fuzz the ELF loader: random byte flips and field overwrites of a valid image must never crash. */
/* Usage: test_elf_fuzz FIXTURE-DIR [ITERATIONS [SEED]] */
#include <linux/elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "test.h"

#define LIMIT (64ULL << 20)

/* xorshift64*: a fixed seed makes every run the same; a failure names the iteration. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Values that tend to break size arithmetic. */
static uint64_t interesting(size_t size)
{
	static const uint64_t v[] = {0,		 1,	     4,	       8,
				     0x38,	 0x40,	     0xff,     0x1000,
				     0x7fffffff, 0xffffffff, 0x100000, 0xfffffffffffff000ULL,
				     UINT64_MAX, 1ULL << 63};

	return rng() % 4 == 0 ? size - rng() % 64 : v[rng() % (sizeof(v) / sizeof(v[0]))];
}

/* Flip bytes, mostly in the headers and tables (where the checks are), sometimes anywhere. */
static void mutate(uint8_t *b, size_t size, size_t hot_end)
{
	unsigned n = 1 + rng() % 8;

	for (unsigned i = 0; i < n; i++) {
		size_t at = rng() % 3 ? rng() % hot_end : rng() % size;

		if (rng() % 4 == 0 && at + 8 <= size) {
			uint64_t v = interesting(size);
			memcpy(b + at, &v, rng() % 2 ? 8 : 4);
		} else {
			b[at] ^= (uint8_t)(1u << (rng() % 8));
		}
	}
}

/* What a successful parse promises the monitor. */
static bool invariants_hold(const struct elf_image *img, size_t size)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (s->vaddr < PITH_IMAGE_BASE || s->vaddr + s->memsz > LIMIT ||
		    s->vaddr + s->memsz < s->vaddr || s->filesz > s->memsz ||
		    s->offset + s->filesz > size || s->offset + s->filesz < s->offset ||
		    ((s->flags & ELF_SEG_W) && (s->flags & ELF_SEG_X)) ||
		    (i > 0 && s->vaddr < img->seg[i - 1].vaddr + img->seg[i - 1].memsz))
			return false;
	}
	return img->nseg > 0 && img->image_end <= LIMIT + PITH_PAGE_SIZE &&
	       img->ncomponents <= ELF_IMAGE_MAX_COMPONENTS;
}

/* Exercise what the monitor and pith inspect read from an accepted image. */
static void use_image(const struct elf_image *img)
{
	uint64_t off;

	for (unsigned i = 0; i < img->ncomponents; i++)
		(void)strlen(img->components[i]);
	for (int i = 0; i < 16; i++)
		elf_image__symbolize(img, PITH_IMAGE_BASE + rng() % 0x5000, &off);
	elf_image__symbolize(img, img->entry, &off);
}

int main(int argc, char **argv)
{
	unsigned iterations = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 5000;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
	unsigned accepted = 0, broken = 0;
	char path[4096], err[512];
	uint8_t *fix, *b;
	size_t size;
	FILE *f;

	if (seed)
		rng_state = seed;
	snprintf(path, sizeof(path), "%s/tiny.elf", argc > 1 ? argv[1] : ".");
	f = fopen(path, "rb");
	if (!CHECKF(f != NULL, "cannot open %s", path))
		return test__done();
	fseek(f, 0, SEEK_END);
	size = (size_t)ftell(f);
	rewind(f);
	fix = malloc(size);
	if (!CHECKF(fread(fix, 1, size, f) == size && size >= 64, "cannot read %s", path))
		return test__done();
	fclose(f);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)fix;
	size_t hot_end = eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) + 0x200;

	for (unsigned it = 0; it < iterations; it++) {
		struct elf_image img;

		b = malloc(size); /* exact size: an over-read leaves the allocation */
		memcpy(b, fix, size);
		mutate(b, size, hot_end < size ? hot_end : size);
		if (elf_image__parse(&img, b, size, LIMIT, err, sizeof(err)) == 0) {
			accepted++;
			if (!invariants_hold(&img, size) && broken++ < 5)
				CHECKF(false,
				       "iteration %u: accepted an image that breaks an invariant",
				       it);
			use_image(&img);
		} else if (!err[0] || strchr(err, '\n')) {
			broken++;
			CHECKF(false, "iteration %u: bad error message \"%s\"", it, err);
		}
		elf_image__close(&img);
		free(b);
	}
	printf("%u iterations, %u images accepted after mutation\n", iterations, accepted);
	CHECKF(broken == 0, "%u iterations broke an invariant", broken);
	CHECK(accepted > 0 && accepted < iterations); /* the mutations reach both outcomes */
	free(fix);
	return test__done();
}
