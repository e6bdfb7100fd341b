# tests/kernel/build.mk: tests of the library OS. Included by kernel/build.mk.
#   check-kernel        host unit tests of its pure logic (built with the host gcc, sanitized,
#                       from the kernel sources each names) and the component-note check; no KVM
#   check-kernel-guest  guest programs booted with `pith run` that check syscalls from inside

KTEST_B := $(B)/tests/kernel
KTEST_CFLAGS = $(HOSTCFLAGS) -Ikernel -Itests/lib -O1 -fno-omit-frame-pointer \
	       -fsanitize=address,undefined -fno-sanitize-recover=all

KTESTS := test_chacha20 test_pages test_initstack test_trace_fmt test_tsc test_console_rw \
	  test_usermem test_kmalloc test_fdpoll test_mprotect
KTEST_SRCS_test_chacha20 := kernel/random/chacha20.c
KTEST_SRCS_test_pages := kernel/mem/pages.c kernel/mem/prot.c
KTEST_SRCS_test_initstack := kernel/core/initstack.c
KTEST_SRCS_test_trace_fmt := kernel/syscall/trace_fmt.c kernel/syscall/errno_names.c
KTEST_SRCS_test_tsc :=
KTEST_FD_SRCS := kernel/console/rw.c kernel/console/console.c kernel/fd/fd.c kernel/fd/file.c \
		 kernel/fd/iov.c kernel/fd/rw.c kernel/core/kstate.c tests/kernel/fd_stubs.c
KTEST_SRCS_test_console_rw := $(KTEST_FD_SRCS)
KTEST_SRCS_test_kmalloc := kernel/mem/kmalloc.c kernel/mem/pages.c
KTEST_SRCS_test_fdpoll := $(KTEST_FD_SRCS) tests/kernel/fd_flatmem.c kernel/fd/ctl.c kernel/pipe/pipe.c kernel/pipe/ring.c \
			  kernel/pipe/eventfd.c kernel/poll/poll.c kernel/poll/select.c \
			  kernel/poll/epoll.c
KTEST_SRCS_test_usermem := kernel/core/usermem.c
KTESTS += test_sched_queue test_trace_tid
KTEST_SRCS_test_sched_queue := kernel/sched/queue.c
KTEST_SRCS_test_trace_tid := kernel/syscall/trace_fmt.c kernel/syscall/errno_names.c
KTEST_SRCS_test_mprotect := kernel/mem/mem.c kernel/mem/mmap.c kernel/mem/brk.c \
			    kernel/mem/advice.c kernel/mem/pages.c kernel/mem/prot.c \
			    kernel/mem/protect.c kernel/mem/stack_cache.c kernel/core/usermem.c \
			    kernel/core/kstate.c
KTESTS += test_futex
KTEST_SRCS_test_futex := kernel/sched/futex.c kernel/proc/futex_args.c
KTESTS += test_itimer test_eintr
KTEST_SRCS_test_eintr := $(KTEST_SRCS_test_fdpoll) kernel/time/sleep.c
KTEST_SRCS_test_itimer := kernel/signal/itimer.c kernel/signal/posix_timer.c \
			  kernel/signal/pending.c kernel/core/kstate.c tests/lib/kernel_host.c
KTESTS += test_signal
KTEST_SRCS_test_signal := kernel/signal/action.c kernel/signal/pending.c kernel/signal/frame.c \
			  kernel/signal/generate.c kernel/signal/deliver.c kernel/signal/fault.c \
			  kernel/signal/syscalls.c kernel/core/kstate.c kernel/syscall/trace_fmt.c \
			  kernel/syscall/errno_names.c tests/lib/kernel_host.c

define KTEST_RULE
$(KTEST_B)/$(1): tests/kernel/$(1).c $(KTEST_SRCS_$(1)) tests/lib/test.c tests/lib/test.h \
		 $(wildcard kernel/*/*.h kernel/syscall/syscalls.def) | $(B)/.deps
	@mkdir -p $$(@D)
	$$(HOSTCC) $$(KTEST_CFLAGS) -o $$@ tests/kernel/$(1).c $(KTEST_SRCS_$(1)) tests/lib/test.c
endef
$(foreach t,$(KTESTS),$(eval $(call KTEST_RULE,$(t))))

# Built as the kernel is optimised and without sanitizers: it checks what -O2 makes of the code.
$(KTEST_B)/test_key_erasure: tests/kernel/test_key_erasure.c kernel/random/chacha20.c \
			     kernel/random/chacha20.h tests/lib/test.c tests/lib/test.h | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -O2 -Ikernel -Itests/lib -o $@ tests/kernel/test_key_erasure.c \
		kernel/random/chacha20.c tests/lib/test.c
KTESTS += test_key_erasure

CHECK_SUITES += check-kernel
.PHONY: check-kernel
check-kernel: $(KTESTS:%=$(KTEST_B)/%) $(KERNEL_LIBS)
	@tests/lib/run-tests.sh check-kernel $(KTESTS:%=$(KTEST_B)/%) \
		"tests/kernel/notes.sh $(KERNEL_LIBDIR)"


# Guest tests: programs booted on KVM that check the syscalls from the inside. mem and sys are
# Pith images; compat_regs is a static Linux program (musl-gcc) run on the compat kernel.
KGUEST_B := $(KTEST_B)/guests
KGUESTS := $(KGUEST_B)/mem.pith $(KGUEST_B)/sys.pith $(KGUEST_B)/compat_regs \
	   $(KGUEST_B)/fdpoll.pith
KGUEST_CFLAGS := -O2 -Wall -Wextra -Werror=implicit-function-declaration -Itests/lib -Iinclude

$(KGUEST_B)/%.pith: tests/kernel/guests/%.c tests/lib/test.c tests/lib/test.h $(PITHCC) \
		    $(MUSL_STAMP) $(KERNEL_LIBS)
	@mkdir -p $(@D)
	$(PITHCC) $(KGUEST_CFLAGS) -o $@ $< tests/lib/test.c

$(KGUEST_B)/compat_regs: tests/kernel/guests/compat_regs.c | $(B)/.deps
	@mkdir -p $(@D)
	musl-gcc -static $(KGUEST_CFLAGS) -o $@ $<

CHECK_SUITES += check-kernel-guest
.PHONY: check-kernel-guest
check-kernel-guest: $(KGUESTS) $(PITH) $(KERNEL_COMPAT)
	@tests/lib/run-tests.sh check-kernel-guest \
		$(foreach g,$(KGUESTS),"tests/kernel/run-guest.sh $(PITH) $(g)")
