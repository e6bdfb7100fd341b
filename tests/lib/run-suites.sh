#!/bin/sh
# `make check`: runs each suite (a make target), then sums every "N passed, N failed" line.
#
# Usage: tests/lib/run-suites.sh MAKE SUITE...
# A suite that fails without reporting a failure (it did not build, it crashed) counts as one
# failure, and so does a suite that reports nothing at all. The last line is the grand total.
set -u
make=$1
shift
out=$(mktemp "${TMPDIR:-/tmp}/pith-check.XXXXXX")
trap 'rm -f "$out"' EXIT
pass=0 fail=0 broken=""

for suite in "$@"; do
	echo "==== $suite"
	rc=0
	$make --no-print-directory "$suite" >"$out" 2>&1 || rc=$?
	cat "$out"
	p=0 f=0
	for line in $(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tr ' ,' '__'); do
		p=$((p + ${line%%_passed*}))
		n=${line#*passed__}
		f=$((f + ${n%%_failed}))
	done
	if [ $((p + f)) -eq 0 ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		echo "$suite: exited with status $rc without reporting a failure: counted as one"
		f=$((f + 1))
	fi
	[ "$f" -ne 0 ] && broken="$broken $suite"
	pass=$((pass + p))
	fail=$((fail + f))
done
[ -n "$broken" ] && echo "failing suites:$broken"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
