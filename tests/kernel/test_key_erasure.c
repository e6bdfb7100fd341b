/* Host test: pith_csprng_fill leaves neither the next key nor its last block on the stack. */
#include <string.h>
#include <ucontext.h>

#include "random/chacha20.h"
#include "test.h"

/*
 * Built like the kernel (-O2, no sanitizers), where the compiler may drop the final memsets
 * as dead stores. The fill runs on a stack this test owns; afterwards the stack must not hold
 * the new key (the first 32 bytes of block 0, which the function kept in two local arrays).
 */
static unsigned char stack[64 * 1024] __attribute__((aligned(64)));
static ucontext_t main_ctx, fill_ctx;
static struct pith_csprng rng;
static unsigned char out[100];

static void fill(void)
{
	pith_csprng_fill(&rng, out, sizeof(out));
}

static int stack_holds(const void *needle, size_t len)
{
	for (size_t i = 0; i + len <= sizeof(stack); i++)
		if (!memcmp(stack + i, needle, len))
			return 1;
	return 0;
}

int main(void)
{
	static const unsigned char seed[32] = "pith key erasure test seed 0123";
	static const unsigned char zero[32];

	pith_csprng_seed(&rng, seed);
	getcontext(&fill_ctx);
	fill_ctx.uc_stack.ss_sp = stack;
	fill_ctx.uc_stack.ss_size = sizeof(stack);
	fill_ctx.uc_link = &main_ctx;
	makecontext(&fill_ctx, fill, 0);
	CHECK(swapcontext(&main_ctx, &fill_ctx) == 0);
	CHECK(memcmp(rng.key, seed, 32) != 0 && memcmp(rng.key, zero, 32) != 0);
	CHECK(!stack_holds(rng.key, sizeof(rng.key)));
	return test__done();
}
