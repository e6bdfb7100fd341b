# tests/net/build.mk: networking tests (owned by the networking test harness).
#
# check-net (tests/net/run.sh) boots guests on taps in network namespaces it creates and removes:
# the guest programs of tests/net/guests/ are built here natively (NET_MODE=native runs them as
# Linux processes, and the host side uses some of them) and by run.sh with `pith build`; the
# host tools of tests/net/tools/ (impair: loss/reorder/delay, inject: hostile frames, conns:
# connection churn) are built here. Needs root (namespaces, taps), /dev/net/tun and /dev/kvm.

# Host tests of the stack and the fuzzer (their own fragments).
include tests/net/unit/build.mk
include tests/net/fuzz/build.mk

NET_B := $(B)/tests/net
NET_GUESTS := tcp_bulk udp_echo connect_err target
NET_TOOLS := impair inject conns
NET_NATIVE := $(NET_GUESTS:%=$(NET_B)/native/%) $(NET_TOOLS:%=$(NET_B)/tools/%)
NET_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -D_GNU_SOURCE

$(NET_B)/native/tcp_bulk: tests/net/guests/tcp_bulk.c cli/sha256.c cli/sha256.h | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(NET_CFLAGS) -Icli -o $@ tests/net/guests/tcp_bulk.c cli/sha256.c
$(NET_B)/native/%: tests/net/guests/%.c | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(NET_CFLAGS) -o $@ $<
$(NET_B)/tools/%: tests/net/tools/%.c | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(NET_CFLAGS) -o $@ $<

CHECK_SUITES += check-net
.PHONY: check-net check-net-native net-tools
net-tools: $(NET_NATIVE) $(B)/httpd-native
check-net: all net-tools
	@tests/lib/run-tests.sh check-net tests/net/run.sh
# The same cases with the guest programs as Linux processes in a namespace (checks the harness).
check-net-native: net-tools
	@NET_MODE=native tests/lib/run-tests.sh check-net-native tests/net/run.sh
