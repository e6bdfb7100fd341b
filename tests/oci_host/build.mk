# tests/oci_host/build.mk: pith-oci's host plumbing against the real kernel (tests/oci_host/run.sh):
# the tap wired to a container's eth0 with tc (cli/oci_net.c), cgroups (cli/oci_cgroup.c), and
# pausing a monitor with SIGSTOP/SIGCONT. Needs root, /dev/net/tun, /dev/kvm, iproute2 and curl.

OCI_HOST_B := $(B)/tests/oci_host
OCI_HOST_SRCS := tests/oci_host/netwire.c cli/oci_net.c cli/oci_cgroup.c

# The driver, built with the host compiler and linked with the code under test.
$(OCI_HOST_B)/netwire: $(OCI_HOST_SRCS) cli/oci_net.h cli/oci_cgroup.h | $(B)/.deps
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -o $@ $(OCI_HOST_SRCS) -pthread

CHECK_SUITES += check-oci-host
.PHONY: check-oci-host
check-oci-host: all examples $(OCI_HOST_B)/netwire
	@tests/lib/run-tests.sh check-oci-host tests/oci_host/run.sh
