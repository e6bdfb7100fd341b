# tests/fs/guest.mk: the storage suites that boot Pith with disks (check-fs, tests/fs/run.sh),
# their guest programs (tests/fs/guests/) built both natively and with `pith build`, and the
# storage benchmark (`make bench-fs`, bench/fs.sh; not part of `make check`).
#
# Every guest program is built twice from the same sources: $(FS_B)/native/NAME (gcc, a Linux
# program: the native runs and the reference answers) and $(FS_B)/pith/NAME.pith (the image).

FS_B := $(B)/tests/fs
FS_GUESTS := posix persist fill big many durable walk lsum
FS_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -D_GNU_SOURCE
FS_CHECK := tests/fs/guests/check.c
FS_HDRS := tests/fs/guests/check.h tests/fs/guests/posix.h
FS_SRCS_posix := tests/fs/guests/posix.c tests/fs/guests/posix_io.c \
		 tests/fs/guests/posix_dirs.c tests/fs/guests/posix_meta.c $(FS_CHECK)
$(foreach g,$(filter-out posix,$(FS_GUESTS)),$(eval FS_SRCS_$(g) := tests/fs/guests/$(g).c $(FS_CHECK)))

FS_NATIVE := $(FS_GUESTS:%=$(FS_B)/native/%)
FS_IMAGES := $(FS_GUESTS:%=$(FS_B)/pith/%.pith)

define FS_GUEST_RULE
$(FS_B)/native/$(1): $(FS_SRCS_$(1)) $(FS_HDRS) | $(B)/.deps
	@mkdir -p $$(@D)
	$$(HOSTCC) $$(FS_CFLAGS) -o $$@ $(FS_SRCS_$(1))
$(FS_B)/pith/$(1).pith: $(FS_SRCS_$(1)) $(FS_HDRS) $(PITH) $(TOOLCHAIN) | all
	@mkdir -p $$(@D)
	$$(PITH) build -o $$@ $(FS_SRCS_$(1))
endef
$(foreach g,$(FS_GUESTS),$(eval $(call FS_GUEST_RULE,$(g))))

# The benchmark's program (natively and in Pith, the same source).
$(FS_B)/native/fsbench: bench/fsbench.c | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(FS_CFLAGS) -o $@ $<
$(FS_B)/pith/fsbench.pith: bench/fsbench.c $(PITH) $(TOOLCHAIN) | all
	@mkdir -p $(@D)
	$(PITH) build -o $@ $<

CHECK_SUITES += check-fs
.PHONY: check-fs check-fs-native fs-guests bench-fs
fs-guests: $(FS_NATIVE) $(FS_IMAGES)
check-fs: all fs-guests $(B)/hello.pith $(B)/httpd.pith
	@tests/lib/run-tests.sh check-fs tests/fs/run.sh
# The POSIX suite alone as a Linux program in a host temp dir (checks the suite against Linux).
check-fs-native: $(FS_B)/native/posix
	@tests/lib/run-tests.sh check-fs-native "FS_MODE=native tests/fs/run.sh"
bench-fs: $(FS_B)/native/fsbench $(FS_B)/pith/fsbench.pith
	bench/fs.sh
