# tests/threads/build.mk: threads, preemption and signals (issue 5): the suite (check-threads,
# tests/threads/run.sh, which builds the suite program natively with musl-gcc and with
# `pith build` itself, so that a Pith build failure fails the Pith cases and not the suite) and
# the benchmark (`make bench-threads`, bench/threads.sh; not part of `make check`).

THR_B := $(B)/tests/threads
THR_NATIVE_CFLAGS := -static -O2 -pthread -std=c11 -Wall -Wextra

CHECK_SUITES += check-threads
.PHONY: check-threads check-threads-native bench-threads
check-threads: all
	@tests/lib/run-tests.sh check-threads tests/threads/run.sh
# The suite alone as a Linux program (checks the suite against Linux).
check-threads-native:
	@tests/lib/run-tests.sh check-threads-native "THREADS_MODE=native tests/threads/run.sh"

$(THR_B)/native/threadbench: tests/threads/threadbench.c | $(B)/.deps
	@mkdir -p $(@D)
	musl-gcc $(THR_NATIVE_CFLAGS) -o $@ $<
$(THR_B)/pith/threadbench.pith: tests/threads/threadbench.c $(PITH) $(TOOLCHAIN) | all
	@mkdir -p $(@D)
	$(PITH) build -o $@ $<
bench-threads: $(THR_B)/native/threadbench $(THR_B)/pith/threadbench.pith
	bench/threads.sh
