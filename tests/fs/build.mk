# tests/fs/build.mk: storage tests. Each part has its own fragment (tests/fs/*.mk), which adds
# its suites to CHECK_SUITES (and its fuzzers to FUZZERS): block cache and ext2 host tests, the
# guest suites that boot Pith with disks, the POSIX file-API suite run natively and in Pith.
include $(sort $(filter-out tests/fs/build.mk,$(wildcard tests/fs/*.mk)))
