/* Host test: the initial stack has Linux's execve layout (argc, argv, envp, auxv, strings). */
#include <stdlib.h>
#include <string.h>

#include "core/initstack.h"
#include "test.h"

#define STACK_SIZE 8192

static uint8_t stack[STACK_SIZE] __attribute__((aligned(16)));
static const uint8_t random16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const struct pith_auxv aux[] = {{PITH_AT_PAGESZ, 4096}, {PITH_AT_ENTRY, 0x101234}};

static uint64_t *build(const char *strings, size_t len, uint32_t argc, uint32_t envc, size_t size)
{
	struct pith_initstack in = {
	    .bottom = stack + STACK_SIZE - size,
	    .top = stack + STACK_SIZE,
	    .strings = strings,
	    .strings_len = len,
	    .argc = argc,
	    .envc = envc,
	    .random = random16,
	    .aux = aux,
	    .naux = 2,
	};

	memset(stack, 0xcc, sizeof(stack));
	return pith_initstack_build(&in);
}

static int in_stack(uint64_t p)
{
	return p >= (uintptr_t)stack && p < (uintptr_t)stack + STACK_SIZE;
}

/* Returns the auxv value of type, or ~0 if absent; checks the vector ends with AT_NULL. */
static uint64_t auxv_get(const uint64_t *auxv, uint64_t type)
{
	for (; auxv[0] != PITH_AT_NULL; auxv += 2)
		if (auxv[0] == type)
			return auxv[1];
	return ~0ULL;
}

static void check_layout(const char *strings, size_t len, uint32_t argc, uint32_t envc,
			 const char *const *want)
{
	uint64_t *sp = build(strings, len, argc, envc, STACK_SIZE);

	CHECK(sp != NULL);
	if (!sp)
		return;
	CHECK((uintptr_t)sp % 16 == 0);
	CHECK_U64(sp[0], argc);
	for (uint32_t i = 0; i < argc + envc; i++) {
		const uint64_t *slot = &sp[1 + i + (i >= argc)];

		CHECK(in_stack(*slot) && *slot != (uintptr_t)want[i]);
		CHECK_STR((const char *)(uintptr_t)*slot, want[i]);
	}
	CHECK_U64(sp[1 + argc], 0);
	CHECK_U64(sp[2 + argc + envc], 0);
	const uint64_t *auxv = &sp[3 + argc + envc];
	uint64_t rnd = auxv_get(auxv, PITH_AT_RANDOM), plat = auxv_get(auxv, PITH_AT_PLATFORM);

	CHECK_U64(auxv_get(auxv, PITH_AT_PAGESZ), 4096);
	CHECK_U64(auxv_get(auxv, PITH_AT_ENTRY), 0x101234);
	CHECK(in_stack(rnd) && rnd % 16 == 0 && memcmp((void *)(uintptr_t)rnd, random16, 16) == 0);
	CHECK(in_stack(plat) && strcmp((const char *)(uintptr_t)plat, "x86_64") == 0);
	CHECK(memcmp(stack + STACK_SIZE - 8, "\0\0\0\0\0\0\0\0", 8) == 0);
}

static void test_layouts(void)
{
	static const char s1[] = "prog\0one\0two\0HOME=/\0X=1";
	static const char *const w1[] = {"prog", "one", "two", "HOME=/", "X=1"};
	static const char s2[] = "a\0b\0E=2";
	static const char *const w2[] = {"a", "b", "E=2"};

	check_layout(s1, sizeof(s1), 3, 2, w1); /* odd and even vector sizes: both aligned */
	check_layout(s2, sizeof(s2), 2, 1, w2);
	check_layout(s2, sizeof(s2), 3, 0, w2);
	check_layout("", 0, 0, 0, NULL);
}

static void test_refusals(void)
{
	static const char s[] = "prog\0arg";

	CHECK(build(s, sizeof(s), 3, 0, STACK_SIZE) == NULL);	  /* count mismatch */
	CHECK(build(s, sizeof(s) - 1, 1, 0, STACK_SIZE) == NULL); /* unterminated */
	CHECK(build(s, sizeof(s), 2, 0, 64) == NULL);		  /* does not fit */
	CHECK(build(s, sizeof(s), 2, 0, 256) != NULL);
	CHECK(pith_initstack_count_strings("a\0b\0", 4) == 2);
	CHECK(pith_initstack_count_strings("a\0b", 3) == -1);
}

int main(void)
{
	test_layouts();
	test_refusals();
	return test__done();
}
