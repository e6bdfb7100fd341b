# tests/fs/ext2.mk: host tests of the ext2 filesystem (check-fs-ext2), with e2fsprogs as the
# oracle, and its libFuzzer harness (fuzz-ext2, check-fuzz-ext2). kernel/ext2/*.c is linked with
# the block cache, the vnode cache and the fake disk and shims of tests/fs/unit/host/, under
# ASan/UBSan; tests/fs/ext2/harness.c mounts images and stands in for the VFS's log and clock.

EXT2T_B := $(B)/tests/fs/ext2
EXT2T_CFLAGS = $(HOSTCFLAGS) -Itests/fs/unit/host -Itests/fs/ext2 -Ikernel -Itests/lib -O1 \
	       -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
EXT2T_KSRCS = $(wildcard kernel/ext2/*.c) kernel/blk/bcache.c kernel/blk/stats.c \
	      kernel/core/counter.c kernel/vfs/vnode.c
EXT2T_HOST := tests/fs/unit/host/host_blk.c tests/fs/unit/host/fs_host.c \
	      tests/fs/ext2/harness.c tests/lib/test.c tests/lib/kernel_host.c
EXT2T_DEPS = $(wildcard kernel/ext2/*.h kernel/blk/*.h kernel/vfs/vfs.h tests/fs/ext2/*.h \
	     tests/fs/unit/host/*.h) tests/lib/test.h tests/lib/kernel_host.h include/pith/abi.h
EXT2T_TESTS := test_ext2_rw test_ext2_ops test_ext2_dirs test_ext2_corrupt test_ext2_preen

$(EXT2T_B)/test_%: tests/fs/ext2/test_%.c $(EXT2T_KSRCS) $(EXT2T_HOST) $(EXT2T_DEPS) | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(EXT2T_CFLAGS) -o $@ $< $(EXT2T_KSRCS) $(EXT2T_HOST)

CHECK_SUITES += check-fs-ext2
.PHONY: check-fs-ext2
check-fs-ext2: $(EXT2T_TESTS:%=$(EXT2T_B)/%)
	@tests/lib/run-tests.sh check-fs-ext2 $(EXT2T_TESTS:%=$(EXT2T_B)/%)

# The fuzzer: clang, libFuzzer + ASan/UBSan; seeds made by tests/fs/ext2/fuzz_seeds.sh.
EXT2FZ_B := $(B)/tests/fs/ext2/fuzz
EXT2FZ_SECONDS ?= 60
EXT2FZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Iinclude -Itests/fs/unit/host \
		 -Ikernel -Itests/lib -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
EXT2FZ_SRCS = tests/fs/ext2/fuzz_ext2.c $(EXT2T_KSRCS) tests/fs/unit/host/host_blk.c \
	      tests/fs/unit/host/fs_host.c tests/lib/kernel_host.c

$(EXT2FZ_B)/fuzz_ext2: $(EXT2FZ_SRCS) $(EXT2T_DEPS) | $(B)/.deps
	@mkdir -p $(@D)
	clang $(EXT2FZ_CFLAGS) -o $@ $(EXT2FZ_SRCS)

$(EXT2FZ_B)/seeds/.stamp: tests/fs/ext2/fuzz_seeds.sh | $(B)/.deps
	@rm -rf $(@D)
	tests/fs/ext2/fuzz_seeds.sh $(@D) >/dev/null
	@touch $@

EXT2FZ_RUN = tests/fs/ext2/fuzz_run.sh $(EXT2FZ_B)/fuzz_ext2 $(EXT2FZ_B)/seeds \
	     $(EXT2FZ_B)/corpus $(EXT2FZ_SECONDS)

.PHONY: fuzz fuzz-ext2 check-fuzz-ext2
fuzz: fuzz-ext2
fuzz-ext2: $(EXT2FZ_B)/fuzz_ext2 $(EXT2FZ_B)/seeds/.stamp
	@$(EXT2FZ_RUN)

CHECK_SUITES += check-fuzz-ext2
check-fuzz-ext2: $(EXT2FZ_B)/fuzz_ext2 $(EXT2FZ_B)/seeds/.stamp
	@tests/lib/run-tests.sh check-fuzz-ext2 "$(EXT2FZ_RUN)"

# A host benchmark (not a test): `make bench-ext2-host` compares 1 GiB sequential I/O through
# ext2 on the fake disk with native pwrite/pread on a host file (both in /var/tmp).
$(EXT2T_B)/bench_host: tests/fs/ext2/bench_host.c $(EXT2T_KSRCS) $(EXT2T_HOST) $(EXT2T_DEPS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -Itests/fs/unit/host -Itests/fs/ext2 -Ikernel -Itests/lib -o $@ \
		$< $(EXT2T_KSRCS) $(EXT2T_HOST)

.PHONY: bench-ext2-host
bench-ext2-host: $(EXT2T_B)/bench_host
	$(EXT2T_B)/bench_host
