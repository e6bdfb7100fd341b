# The monitor (vmm/): sources for build/bin/pith, and the freestanding test guests.

# cli/build.mk links these objects into $(PITH) (static, with VMM_LDLIBS).
VMM_SRCS := $(sort $(wildcard vmm/*.c vmm/x86_64/*.c))
VMM_OBJS := $(VMM_SRCS:%.c=$(B)/obj/%.o)
VMM_LDLIBS :=

$(VMM_OBJS): $(B)/obj/vmm/%.o: vmm/%.c $(MON_HOSTINC) | $(B)/.deps
	@mkdir -p $(@D)
	$(MONCC) $(MONCFLAGS) -MMD -MP -c -o $@ $<

-include $(VMM_OBJS:.o=.d)

# Test guests: tiny freestanding programs that exercise the monitor directly (tests/guests/).
GUEST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Iinclude -Itests/guests -ffreestanding \
                -fno-pie -no-pie -fno-stack-protector -fno-omit-frame-pointer \
                -fcf-protection=none -fno-asynchronous-unwind-tables -nostdlib -static \
                -Wl,-Ttext-segment=0x100000,-z,separate-code,-z,noexecstack,-z,norelro \
                -Wl,--build-id=none,-e,_start
GUEST_NAMES := hello hostile traps syscall abi-mismatch mini-compat-kernel fuzz netdev protect \
               upcall
TEST_GUESTS := $(GUEST_NAMES:%=$(B)/tests/guests/%)

# A static Linux program built with Debian's musl-gcc (no Pith note): the compat path's input.
TEST_GUEST_LINUX := $(B)/tests/guests/linux-hello
TEST_GUESTS += $(TEST_GUEST_LINUX)

$(B)/tests/guests/%: tests/guests/%.c tests/guests/guest.h tests/guests/compat_entry.h \
                     include/pith/abi.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(GUEST_CFLAGS) -o $@ $<

$(TEST_GUEST_LINUX): tests/guests/linux-hello.c
	@mkdir -p $(dir $@)
	musl-gcc -static -O2 -o $@ $<

# check-guests: boot every test guest with `pith run` (tests/guests/run.sh); part of `make check`.
CHECK_SUITES += check-guests

.PHONY: test-guests check-guests
test-guests: $(TEST_GUESTS)
check-guests: $(PITH) $(TEST_GUESTS)
	@tests/lib/run-tests.sh check-guests "tests/guests/run.sh"
