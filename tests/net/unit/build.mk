# tests/net/unit/build.mk: host tests of the network stack (check-net-unit), built with the host
# compiler under ASan/UBSan against tests/net/unit/host/ (kernel services and the NIC's monitor
# side, see net_host.h) and the frame builders (host/frames.h). Included by tests/net/build.mk.
#
# To add a test: NETUNIT_TESTS += test_x, and NETUNIT_SRCS_test_x := the kernel sources it needs
# (NETUNIT_LOWER: the layers below the transports; NETUNIT_STACK: every kernel/net/*.c).

NETUNIT_B := $(B)/tests/net/unit
NETUNIT_CFLAGS = $(HOSTCFLAGS) -Itests/net/unit/host -Ikernel -Itests/lib -O1 \
		 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
NETUNIT_HOST := tests/net/unit/host/net_host.c tests/net/unit/host/frames.c kernel/fd/iov.c \
		tests/lib/test.c tests/lib/kernel_host.c kernel/core/counter.c kernel/core/kstate.c
NETUNIT_HDRS := $(wildcard tests/net/unit/host/*.h tests/net/unit/host/arch/x86_64/*.h \
		kernel/*/*.h) tests/lib/test.h tests/lib/kernel_host.h include/pith/abi.h
NETUNIT_LOWER := $(addprefix kernel/net/,arp.c checksum.c eth.c frag.c icmp.c ipv4.c netif.c \
		 pkt.c stats.c) tests/net/unit/host/no_dhcp.c
NETUNIT_STACK = $(wildcard kernel/net/*.c)

NETUNIT_TESTS := test_checksum test_ipv4 test_arp test_frag test_netif
NETUNIT_SRCS_test_checksum := kernel/net/checksum.c
NETUNIT_SRCS_test_ipv4 := $(NETUNIT_LOWER)
NETUNIT_SRCS_test_arp := $(NETUNIT_LOWER)
NETUNIT_SRCS_test_frag := $(NETUNIT_LOWER)
NETUNIT_SRCS_test_netif := $(NETUNIT_LOWER)

# TCP: two stacks over an in-memory link (tcp_link.c stands in for the layers below TCP).
NETUNIT_TESTS += test_tcp_pair test_tcp_seg
NETUNIT_SRCS_test_tcp_pair := $(wildcard kernel/net/tcp_*.c) kernel/net/checksum.c \
			      tests/net/unit/tcp_link.c
NETUNIT_SRCS_test_tcp_seg := $(NETUNIT_SRCS_test_tcp_pair)

# UDP and the DHCP client (H6).
NETUNIT_TESTS += test_udp test_dhcp
NETUNIT_UDP := $(addprefix kernel/net/,udp.c udp_ops.c socket_port.c)
NETUNIT_SRCS_test_udp := $(NETUNIT_LOWER) $(NETUNIT_UDP)
NETUNIT_SRCS_test_dhcp := $(filter-out tests/net/unit/host/no_dhcp.c,$(NETUNIT_LOWER)) \
			  $(NETUNIT_UDP) kernel/net/dhcp.c kernel/net/dhcp_msg.c

define NETUNIT_RULE
$(NETUNIT_B)/$(1): tests/net/unit/$(1).c $$(NETUNIT_SRCS_$(1)) $(NETUNIT_HOST) $(NETUNIT_HDRS) \
		   | $(B)/.deps
	@mkdir -p $$(@D)
	$$(HOSTCC) $$(NETUNIT_CFLAGS) -o $$@ tests/net/unit/$(1).c $$(NETUNIT_SRCS_$(1)) \
		$(NETUNIT_HOST)
endef
$(foreach t,$(NETUNIT_TESTS),$(eval $(call NETUNIT_RULE,$(t))))

CHECK_SUITES += check-net-unit
.PHONY: check-net-unit
check-net-unit: $(NETUNIT_TESTS:%=$(NETUNIT_B)/%)
	@tests/lib/run-tests.sh check-net-unit $(NETUNIT_TESTS:%=$(NETUNIT_B)/%)
