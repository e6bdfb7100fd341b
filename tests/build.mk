# Host tests (check-unit: loader, guest pointers, CLI parsing; check-cli: the pith command) and
# `make check`, which runs every suite named in CHECK_SUITES and prints the grand total.
#
# Other fragments add their suites with `CHECK_SUITES += check-xyz`: a make target whose output
# holds one "N passed, N failed" line per test program (tests/lib/run-tests.sh does that).

CHECK_SUITES += check-unit check-cli

UNIT_B := $(B)/tests/unit
FIX_B := $(UNIT_B)/fixtures
TEST_LIB := tests/lib/test.c
TEST_HDRS := tests/lib/test.h include/pith/abi.h $(wildcard vmm/*.h vmm/x86_64/*.h cli/*.h)
UNIT_SANITIZE ?= -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_CFLAGS = $(HOSTCFLAGS) -Itests/lib -O1 -fno-omit-frame-pointer

# Each unit test and the sources it is linked with.
UNIT_TESTS := test_elf test_elf_fuzz test_guestmem test_size test_run_args test_seccomp \
	      test_paging test_hypercall test_cpuid_cache test_net_ring test_net_stream \
	      test_net_passt test_blk_ring test_disk_args test_protect \
	      test_upcall
UNIT_SRCS_test_elf := vmm/elf.c
UNIT_SRCS_test_elf_fuzz := vmm/elf.c
UNIT_SRCS_test_guestmem := vmm/guestmem.c
UNIT_SRCS_test_size := cli/size.c
UNIT_SRCS_test_run_args := cli/run_args.c cli/run_net_args.c cli/run_disk_args.c cli/size.c
UNIT_SRCS_test_disk_args := cli/run_args.c cli/run_net_args.c cli/run_disk_args.c cli/size.c
UNIT_SRCS_test_protect := vmm/protect.c vmm/layout.c vmm/guestmem.c vmm/x86_64/paging.c \
			  vmm/x86_64/desc.c
UNIT_SRCS_test_seccomp := vmm/seccomp.c vmm/print.c
UNIT_SRCS_test_upcall := vmm/upcall.c vmm/hc_sched.c vmm/hypercall.c vmm/stop.c vmm/print.c \
			 vmm/guestmem.c vmm/layout.c vmm/elf.c
UNIT_SRCS_test_paging := vmm/layout.c vmm/elf.c vmm/guestmem.c vmm/x86_64/paging.c \
			 vmm/x86_64/desc.c
UNIT_SRCS_test_hypercall := vmm/hypercall.c vmm/guestmem.c
UNIT_SRCS_test_cpuid_cache := vmm/x86_64/cpuid_cache.c
UNIT_SRCS_test_net_ring := vmm/net_io.c vmm/iothread.c vmm/guestmem.c vmm/seccomp.c vmm/print.c
UNIT_SRCS_test_net_stream := vmm/net_passt.c
UNIT_SRCS_test_net_passt := vmm/net_passt.c
UNIT_SRCS_test_blk_ring := vmm/blk_io.c vmm/iothread.c vmm/guestmem.c vmm/seccomp.c vmm/print.c

# The JSON reader and config.json (issue 7).
UNIT_TESTS += test_json test_oci_spec
UNIT_SRCS_test_json := cli/json.c
UNIT_SRCS_test_oci_spec := cli/oci_spec.c cli/json.c

# pith-oci's edges (issue 7): the image inside the rootfs, hooks, the console socket, runc.
UNIT_TESTS += test_oci_rootfs test_oci_hooks test_oci_console test_oci_runc
UNIT_SRCS_test_oci_rootfs := cli/oci_rootfs.c tests/lib/tmpdir.c
UNIT_SRCS_test_oci_hooks := cli/oci_hooks.c cli/oci_spec.c cli/json.c tests/lib/tmpdir.c
UNIT_SRCS_test_oci_console := cli/oci_console.c tests/lib/tmpdir.c
UNIT_SRCS_test_oci_runc := cli/oci_runc.c tests/lib/tmpdir.c

# pith pack (issue 7): SHA-256 and the tar writer.
UNIT_TESTS += test_sha256 test_tar_write
UNIT_SRCS_test_sha256 := cli/sha256.c
UNIT_SRCS_test_tar_write := cli/tar_write.c

# $(1): test name, $(2): output folder, $(3): extra flags. Sanitized by default; plain for valgrind.
define UNIT_TEST_RULE
$(2)/$(1): tests/unit/$(1).c $(UNIT_SRCS_$(1)) $(TEST_LIB) $(TEST_HDRS) | $(B)/.deps
	@mkdir -p $$(@D)
	$$(HOSTCC) $$(UNIT_CFLAGS) $(3) -o $$@ tests/unit/$(1).c $(UNIT_SRCS_$(1)) $(TEST_LIB)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_TEST_RULE,$(t),$(UNIT_B),$(UNIT_SANITIZE))))
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_TEST_RULE,$(t),$(UNIT_B)/plain,)))

# Fixtures: a tiny Pith-like image, and real Linux executables built by the host compilers.
FIXTURES := $(addprefix $(FIX_B)/,tiny.elf hello-static hello-musl-static hello-dynamic \
	      hello-nopie-dynamic hello-static-pie empty not-elf.txt)
FIX_TINY_FLAGS := -O1 -nostdlib -static -no-pie -fno-pie -fcf-protection=none \
	-Wl,-Ttext-segment=0x100000 -Wl,-z,separate-code -Wl,-z,noexecstack -Wl,-z,norelro \
	-Wl,--build-id=none

$(FIX_B)/tiny.elf: tests/unit/fixtures/tiny.c include/pith/abi.h | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(FIX_TINY_FLAGS) -DTINY_ABI='"$(PITH_ABI_VERSION)"' -o $@ $<
$(FIX_B)/hello-static: tests/unit/fixtures/hello.c | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) -O1 -static -no-pie -fno-pie -o $@ $<
$(FIX_B)/hello-musl-static: tests/unit/fixtures/hello.c | $(B)/.deps
	@mkdir -p $(@D)
	musl-gcc -O1 -static -no-pie -fno-pie -o $@ $<
$(FIX_B)/hello-dynamic: tests/unit/fixtures/hello.c | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) -O1 -fPIE -pie -o $@ $<
$(FIX_B)/hello-nopie-dynamic: tests/unit/fixtures/hello.c | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) -O1 -fno-pie -no-pie -o $@ $<
$(FIX_B)/hello-static-pie: tests/unit/fixtures/hello.c | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) -O1 -fPIE -static-pie -o $@ $<
$(FIX_B)/empty:
	@mkdir -p $(@D)
	: > $@
$(FIX_B)/not-elf.txt:
	@mkdir -p $(@D)
	echo "this is not an ELF file" > $@

# How each unit test is run (its arguments).
UNIT_RUN = "$(1)/test_elf $(FIX_B)" "$(1)/test_elf_fuzz $(FIX_B) 5000" "$(1)/test_guestmem" \
	   "$(1)/test_size" "$(1)/test_run_args" "$(1)/test_seccomp" \
	   "$(1)/test_paging $(FIX_B)" "$(1)/test_hypercall" "$(1)/test_cpuid_cache" \
	   "$(1)/test_net_ring" "$(1)/test_net_stream" \
	   "$(1)/test_net_passt" "$(1)/test_blk_ring" "$(1)/test_disk_args" "$(1)/test_protect" \
	   "$(1)/test_upcall"
UNIT_RUN += "$(1)/test_json 20000" "$(1)/test_oci_spec tests/unit/fixtures/oci"
UNIT_RUN += "$(1)/test_oci_rootfs" "$(1)/test_oci_hooks" "$(1)/test_oci_console" \
	    "$(1)/test_oci_runc"

UNIT_RUN += "$(1)/test_sha256" "$(1)/test_tar_write"
.PHONY: check check-unit check-unit-valgrind check-cli
check-unit: $(UNIT_TESTS:%=$(UNIT_B)/%) $(FIXTURES)
	@tests/lib/run-tests.sh check-unit $(call UNIT_RUN,$(UNIT_B))

# The same tests without sanitizers, under valgrind (not part of `make check`: slower). Not
# test_seccomp nor test_blk_ring (its disk thread installs its filter): valgrind cannot install
# seccomp filters for the program it runs. Nor test_oci_rootfs: valgrind 3.19 does not know
# openat2 (ENOSYS), the only safe way in.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
check-unit-valgrind: $(UNIT_TESTS:%=$(UNIT_B)/plain/%) $(FIXTURES)
	@TEST_WRAPPER="$(VALGRIND)" tests/lib/run-tests.sh check-unit-valgrind \
		$(filter-out %/test_seccomp" %/test_blk_ring" %/test_oci_rootfs", \
			$(call UNIT_RUN,$(UNIT_B)/plain))

check-cli: $(PITH) $(FIXTURES)
	@tests/lib/run-tests.sh check-cli "tests/unit/cli_test.sh $(PITH) $(FIX_B)"

check:
	@tests/lib/run-suites.sh "$(MAKE) -f $(firstword $(MAKEFILE_LIST))" $(CHECK_SUITES)

# The toolchain: musl without syscall instructions, direct syscall calls, pith-cc as a drop-in CC.
CHECK_SUITES += check-toolchain
.PHONY: check-toolchain
check-toolchain: $(TOOLCHAIN)
	@tests/lib/run-tests.sh check-toolchain tests/toolchain/run.sh

# Boot tests: build small programs with pith build, boot them, check output, status and reports.
CHECK_SUITES += check-boot
.PHONY: check-boot
check-boot: all
	@tests/lib/run-tests.sh check-boot tests/boot/run.sh

# Networking: host tests of the stack, the fuzzer, and tests that boot guests on taps in
# network namespaces (tests/net/).
include tests/net/build.mk

# Storage: host tests of the block cache, ramfs and ext2, the fuzzer, guest suites with disks
# (tests/fs/).
include tests/fs/build.mk

# Threads, preemption and signals: the pthreads/signals suite natively and in Pith, host signals
# to the run, --timeslice, --stats and --trace (tests/threads/); `make bench-threads`.
include tests/threads/build.mk
include tests/ops/build.mk
include tests/pack/build.mk
include tests/oci_host/build.mk
include tests/oci/build.mk
