# tests/oci/build.mk: the container-engine tests of pith-oci (issue 7): containerd + ctr, podman
# and dockerd from Debian, each a private daemon in a temp folder (tests/oci/run.sh ENGINE), run
# against build/bin/pith-oci with guests from tests/ops/guests and build/{hello,httpd}.pith.
# Needs root, /dev/kvm, and the engines (DEB_PACKAGES in the Makefile).

CHECK_SUITES += check-oci
.PHONY: check-oci check-oci-containerd check-oci-podman check-oci-docker
check-oci: all examples $(B)/.test-deps
	@tests/lib/run-tests.sh check-oci "tests/oci/run.sh containerd" "tests/oci/run.sh podman" \
		"tests/oci/run.sh docker"

check-oci-containerd check-oci-podman check-oci-docker: check-oci-%: all examples $(B)/.test-deps
	@tests/lib/run-tests.sh check-oci-$* "tests/oci/run.sh $*"

# pith-oci alone, without an engine (tests/oci/cli_direct.sh), and containerd's CRI plugin with a
# "pith" runtime class, driven through its gRPC API (tests/oci/kube.sh).
CHECK_SUITES += check-oci-direct check-oci-kube
.PHONY: check-oci-direct check-oci-kube
check-oci-direct: all examples $(B)/.test-deps
	@tests/lib/run-tests.sh check-oci-direct tests/oci/cli_direct.sh
check-oci-kube: all examples $(B)/.test-deps
	@tests/lib/run-tests.sh check-oci-kube tests/oci/kube.sh
