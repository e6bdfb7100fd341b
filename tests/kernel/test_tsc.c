/* Host test: TSC ticks to nanoseconds, exact with 128-bit arithmetic over long uptimes. */
#include "test.h"
#include "time/tsc.h"

/* The same quantity by another route: whole seconds, then the remainder. */
static uint64_t reference_ns(uint64_t ticks, uint64_t hz)
{
	return ticks / hz * 1000000000u +
	       (uint64_t)((unsigned __int128)(ticks % hz) * 1000000000u / hz);
}

int main(void)
{
	static const uint64_t hzs[] = {1000000,	    999999937,	   1000000000,	  2899998000,
				       3000000000u, 5200000000ULL, 25000000000ULL};
	static const uint64_t ticks[] = {
	    0,		1,	    2,
	    999,	123456789,  3000000000u,
	    1ULL << 40, 1ULL << 52, 94608000000000000ULL /* ~1 year at 3 GHz */};

	for (unsigned i = 0; i < sizeof(hzs) / sizeof(hzs[0]); i++) {
		uint64_t hz = hzs[i];

		CHECK_U64(pith_tsc_to_ns(hz, hz), 1000000000u);
		for (unsigned j = 0; j < sizeof(ticks) / sizeof(ticks[0]); j++) {
			uint64_t t = ticks[j], ns = pith_tsc_to_ns(t, hz);

			CHECKF(ns == reference_ns(t, hz), "ticks %llu at %llu Hz",
			       (unsigned long long)t, (unsigned long long)hz);
			/* monotonic: one more tick never gives fewer nanoseconds */
			CHECK(pith_tsc_to_ns(t + 1, hz) >= ns);
		}
	}
	return test__done();
}
