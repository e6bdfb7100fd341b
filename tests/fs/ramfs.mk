# tests/fs/ramfs.mk: host tests of the root filesystem (check-fs-ramfs): the ramfs's vnode
# operations and the cpio unpacker (kernel/ramfs/), linked with the vnode cache and the shims of
# tests/fs/ramfs/ (kmalloc over calloc, panic = abort, time), under ASan/UBSan. test_cpio also
# links the archive writer of `pith build --rootfs` (cli/rootfs.c) for round trips.

RAMFS_B := $(B)/tests/fs/ramfs
RAMFS_CFLAGS = $(HOSTCFLAGS) -Ikernel -Itests/lib -Itests/fs/ramfs -O1 -fno-omit-frame-pointer \
	       -fsanitize=address,undefined -fno-sanitize-recover=all
RAMFS_KSRCS = $(wildcard kernel/ramfs/*.c) kernel/vfs/vnode.c
RAMFS_HOST := tests/fs/ramfs/shim.c tests/lib/test.c tests/lib/kernel_host.c
RAMFS_HDRS = $(wildcard kernel/ramfs/*.h tests/fs/ramfs/*.h) kernel/vfs/vfs.h tests/lib/test.h \
	     tests/lib/kernel_host.h \
	     cli/rootfs.h

RAMFS_TESTS := test_ramfs test_cpio
RAMFS_SRCS_test_cpio := cli/rootfs.c

define RAMFS_RULE
$(RAMFS_B)/$(1): tests/fs/ramfs/$(1).c $$(RAMFS_KSRCS) $$(RAMFS_SRCS_$(1)) $(RAMFS_HOST) \
		 $$(RAMFS_HDRS) | $(B)/.deps
	@mkdir -p $$(@D)
	$$(HOSTCC) $$(RAMFS_CFLAGS) -o $$@ tests/fs/ramfs/$(1).c $$(RAMFS_KSRCS) \
		$$(RAMFS_SRCS_$(1)) $(RAMFS_HOST)
endef
$(foreach t,$(RAMFS_TESTS),$(eval $(call RAMFS_RULE,$(t))))

CHECK_SUITES += check-fs-ramfs
.PHONY: check-fs-ramfs
check-fs-ramfs: $(RAMFS_TESTS:%=$(RAMFS_B)/%)
	@tests/lib/run-tests.sh check-fs-ramfs $(RAMFS_TESTS:%=$(RAMFS_B)/%)

# End to end (needs KVM): pith build --rootfs/--copy, the tree seen by a guest equals the host's.
CHECK_SUITES += check-fs-rootfs
.PHONY: check-fs-rootfs
check-fs-rootfs: all
	@tests/lib/run-tests.sh check-fs-rootfs "tests/fs/ramfs/rootfs_test.sh $(PITH)"
