# tests/fs/blk.mk: host tests of the storage code (check-fs-unit), built with the host compiler
# under ASan/UBSan against tests/fs/unit/host/ (fs_host.c: kmalloc, panic, clocks, console,
# hypercalls to a fake monitor; host_blk.c: a fake disk over a host file implementing blk.h).
#
# To add a test from another fragment (tests/fs/*.mk):
#   FS_UNIT_TESTS += test_x
#   FSUNIT_SRCS_test_x := the kernel sources and host files it needs (besides FSUNIT_HOST)
#   check-fs-unit: $(FSUNIT_B)/test_x
# The program is tests/fs/unit/test_x.c. FSUNIT_DISK is the fake disk with the block cache on
# top (for filesystem tests); a test of the ring driver links kernel/blk/blk.c instead.

FSUNIT_B := $(B)/tests/fs/unit
FSUNIT_CFLAGS = $(HOSTCFLAGS) -Itests/fs/unit/host -Ikernel -Itests/lib -O1 -pthread \
		-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FSUNIT_HOST := tests/fs/unit/host/fs_host.c tests/lib/test.c tests/lib/kernel_host.c
FSUNIT_DISK := tests/fs/unit/host/host_blk.c kernel/blk/bcache.c kernel/blk/stats.c \
	       kernel/core/counter.c
# Everything a test may be built from (the rule below is a pattern: its sources are chosen in
# the recipe, so tests added by later fragments need no rule of their own).
FSUNIT_DEPS = $(wildcard tests/fs/unit/host/*.[ch] tests/fs/unit/host/arch/x86_64/*.h \
	      tests/fs/unit/*.h kernel/*/*.[ch]) tests/lib/test.c tests/lib/test.h tests/lib/kernel_host.[ch] \
	      include/pith/abi.h

FS_UNIT_TESTS += test_bcache test_blk_ring
FSUNIT_SRCS_test_bcache := $(FSUNIT_DISK)
FSUNIT_SRCS_test_blk_ring := kernel/blk/blk.c kernel/blk/stats.c kernel/core/counter.c kernel/core/kstate.c \
			     kernel/time/wait.c

$(FSUNIT_B)/test_%: tests/fs/unit/test_%.c $(FSUNIT_DEPS) | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(FSUNIT_CFLAGS) -o $@ $< $(FSUNIT_SRCS_test_$*) $(FSUNIT_HOST)

CHECK_SUITES += check-fs-unit
.PHONY: check-fs-unit
check-fs-unit: $(FS_UNIT_TESTS:%=$(FSUNIT_B)/%)
	@tests/lib/run-tests.sh check-fs-unit $(FS_UNIT_TESTS:%=$(FSUNIT_B)/%)
