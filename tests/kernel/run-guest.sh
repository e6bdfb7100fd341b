#!/bin/sh
# Boots one kernel guest test with `pith run` and passes its "N passed, N failed" line through.
#
# Usage: tests/kernel/run-guest.sh PITH IMAGE [ARGS...]
# Needs /dev/kvm: without it, says so and counts one failure (never passes silently).
set -u
pith=$1
shift
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "FAIL: /dev/kvm is absent or not usable: $1 needs KVM to boot"
	echo "0 passed, 1 failed"
	exit 1
fi
exec "$pith" run "$@"
