/* Host test: the "[tid N] " prefix of --trace lines once a program has a second thread. */
#include <string.h>

#include "syscall/trace_fmt.h"
#include "test.h"

int main(void)
{
	char buf[32];

	CHECK_U64(pith_trace_tid_prefix(buf, sizeof(buf), 3), 8);
	CHECK_STR(buf, "[tid 3] ");
	CHECK_U64(pith_trace_tid_prefix(buf, sizeof(buf), 123456), 13);
	CHECK_STR(buf, "[tid 123456] ");
	CHECK_U64(pith_trace_tid_prefix(buf, 6, 7), 5); /* truncated, still terminated */
	CHECK_STR(buf, "[tid ");
	CHECK_U64(pith_trace_tid_prefix(buf, 0, 7), 0);
	return test__done();
}
