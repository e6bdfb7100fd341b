#!/usr/bin/env bash
# Engine tests of pith-oci (issue 7): containerd + ctr, podman and dockerd from Debian, each a
# private daemon in the suite's temp folder, driving build/bin/pith-oci; and pith-oci's own
# command line without an engine ("cli").
#
# Usage: tests/oci/run.sh containerd|podman|docker|cli [NAME-REGEX]
# Environment: PITH (default build/bin/pith), PITH_OCI (default build/bin/pith-oci). Needs root,
# /dev/kvm, the engines (Makefile DEB_PACKAGES), curl, iproute2. Every daemon, container,
# namespace, veth and mount the suite made is removed at exit, also after a failure.
# shellcheck disable=SC2317,SC2015  # functions called through check(); A && B || C
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
PITH_OCI=${PITH_OCI:-$ROOT/build/bin/pith-oci}
ENGINE=${1:-}
case $ENGINE in
containerd | podman | docker | cli) ;;
*)
	echo "usage: tests/oci/run.sh containerd|podman|docker|cli [NAME-REGEX]" >&2
	exit 2
	;;
esac

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start "oci-$ENGINE" "${2:-.}"
# shellcheck source=tests/oci/lib/common.sh
. "$ROOT/tests/oci/lib/common.sh"
# shellcheck source=tests/oci/common_cases.sh
. "$ROOT/tests/oci/common_cases.sh"
# shellcheck source=/dev/null
. "$ROOT/tests/oci/$ENGINE.sh"

trap 'suite_cleanup' EXIT
trap 'exit 130' INT TERM

suite_cleanup() {
	engine_cleanup
	net_cleanup
	oci_umount_under "$TMP"
	rm -rf "$TMP"
}

[ "$(id -u)" = 0 ] || abort "the engine tests need root (private daemons, namespaces)"
require_kvm "the engine tests"
[ -x "$PITH" ] || abort "$PITH missing: build Pith first (make all)"
[ -x "$PITH_OCI" ] || abort "$PITH_OCI missing: build Pith first (make all)"
build_guests
engine_setup
engine_tests
finish
