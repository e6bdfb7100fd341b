# tests/net/fuzz/build.mk: the libFuzzer harness of the network stack. Included by
# tests/net/build.mk.
#   make fuzz         replays the seeds, then fuzzes for FUZZ_SECONDS (60), keeping the corpus
#   make check-fuzz   the same, as a suite: "1 passed, 0 failed" if nothing crashed
# The harness compiles every kernel/net/*.c for the host with clang (-fsanitize=fuzzer,address,
# undefined) against tests/net/unit/host/ (kernel services and the NIC's monitor side).

FUZZ_B := $(B)/tests/net/fuzz
FUZZ_CC := clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Iinclude -Itests/net/unit/host \
	       -Ikernel -Itests/lib -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS = tests/net/fuzz/fuzz_frames.c $(wildcard kernel/net/*.c) \
	    tests/net/unit/host/net_host.c tests/net/unit/host/frames.c kernel/fd/iov.c \
	    tests/lib/kernel_host.c kernel/core/counter.c kernel/core/kstate.c \
	    $(if $(wildcard kernel/net/dhcp.c),,tests/net/unit/host/no_dhcp.c)
FUZZ_HDRS = $(wildcard kernel/*/*.h tests/net/unit/host/*.h tests/net/unit/host/arch/x86_64/*.h) \
	    tests/lib/kernel_host.h

$(FUZZ_B)/fuzz_frames: $(FUZZ_SRCS) $(FUZZ_HDRS) include/pith/abi.h | $(B)/.deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS)

$(FUZZ_B)/seedgen: tests/net/fuzz/seeds.c tests/net/unit/host/frames.c \
		   tests/net/unit/host/frames.h tests/net/unit/host/net_host.h | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -Itests/net/unit/host -Itests/lib -o $@ tests/net/fuzz/seeds.c \
		tests/net/unit/host/frames.c

$(FUZZ_B)/seeds/.stamp: $(FUZZ_B)/seedgen
	@rm -rf $(@D)
	@mkdir -p $(@D)
	$(FUZZ_B)/seedgen $(@D)
	@touch $@

FUZZ_RUN = tests/net/fuzz/run.sh $(FUZZ_B)/fuzz_frames $(FUZZ_B)/seeds $(FUZZ_B)/corpus \
	   $(FUZZ_SECONDS)

.PHONY: fuzz check-fuzz
fuzz: $(FUZZ_B)/fuzz_frames $(FUZZ_B)/seeds/.stamp
	@$(FUZZ_RUN)

CHECK_SUITES += check-fuzz
check-fuzz: $(FUZZ_B)/fuzz_frames $(FUZZ_B)/seeds/.stamp
	@tests/lib/run-tests.sh check-fuzz "$(FUZZ_RUN)"
