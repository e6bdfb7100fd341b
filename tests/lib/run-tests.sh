#!/bin/sh
# Runs a suite's test programs and prints each one's closing line, plus a suite total.
#
# Usage: tests/lib/run-tests.sh SUITE 'COMMAND [ARGS]' ...
# Every command must end by printing "N passed, N failed". One that exits non-zero without
# reporting a failure (a crash, a sanitizer abort), or reports nothing, gets an extra line
# "0 passed, 1 failed", so that it counts as a failure here and in run-suites.sh.
# TEST_WRAPPER, if set, is put in front of each command (e.g. a valgrind command line).
# Exits 1 if any command failed.
set -u
suite=$1
shift
out=$(mktemp "${TMPDIR:-/tmp}/pith-suite.XXXXXX")
trap 'rm -f "$out"' EXIT
pass=0 fail=0 status=0

for cmd in "$@"; do
	echo "== ${TEST_WRAPPER:+$TEST_WRAPPER }$cmd"
	rc=0
	sh -c "${TEST_WRAPPER:+$TEST_WRAPPER }$cmd" >"$out" 2>&1 || rc=$?
	cat "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	[ -n "$line" ] || line="0 passed, 0 failed"
	p=${line%% passed*}
	n=${line#* passed, }
	f=${n%% failed}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Printed as a result line of its own, so that run-suites.sh counts it too.
		echo "$cmd: exited with status $rc without reporting a failure"
		echo "0 passed, 1 failed"
		f=1
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "$cmd: reported no result"
		echo "0 passed, 1 failed"
		f=1
	fi
	[ "$rc" -ne 0 ] && status=1
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "$suite: $pass passed, $fail failed in total"
[ "$fail" -eq 0 ] && exit "$status"
exit 1
