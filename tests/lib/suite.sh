# Shared harness of the shell test runners (tests/boot/run.sh, tests/guests/run.sh): source it.
#
#   . tests/lib/suite.sh
#   suite_start boot "${1:-.}"         # counters, FILTER, a private TMP folder removed at exit
#   require_kvm "boot tests"           # no usable /dev/kvm: one FAIL line and exit 1
#   t_x() { run "$PITH" run x; want_status 0 && want_stdout "line"; }
#   check x t_x                        # "ok - x" or "FAIL - x: why"
#   finish                             # "N passed, N failed"; exit status 1 on any failure
#
# A test function returns non-zero with WHY set on failure; every want_* below does that.
# shellcheck shell=bash disable=SC2034  # OUT, ERR, CPU_MS, WALL_US are for the runners
SUITE_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# suite_start NAME [FILTER]: FILTER is an extended regex; only the tests it matches run.
suite_start() {
	FILTER=${2:-.}
	PASSED=0 FAILED=0 RUNS=0 WHY=""
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/pith-$1.XXXXXX") || exit 1
	trap 'rm -rf "$TMP"' EXIT
}

# ---- reporting ------------------------------------------------------------------------------

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ] && exit 0
	exit 1
}

# A precondition for the whole suite failed: say so and fail (never pass silently).
abort() {
	echo "FAIL: $1"
	FAILED=$((FAILED + 1))
	finish
}

# require_kvm WHAT: /dev/kvm exists and opens read-write, or the suite aborts.
require_kvm() {
	[ -c /dev/kvm ] && (exec 9<>/dev/kvm) 2>/dev/null && return 0
	abort "/dev/kvm is absent or cannot be opened: $1 need KVM"
}

# check NAME FUNC [ARGS...]: run one test function; it returns non-zero with WHY set on failure.
check() {
	local name=$1
	shift
	[[ $name =~ $FILTER ]] || return 0
	WHY=""
	if "$@"; then
		echo "ok - $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL - $name: ${WHY:-failed}"
		FAILED=$((FAILED + 1))
	fi
}

# check_timing NAME FUNC [ARGS...]: as check, for a test of timing on a noisy shared machine: a
# failed first attempt is shown as a comment line and the test runs once more; both must fail
# for the test to fail.
check_timing() {
	local name=$1
	shift
	[[ $name =~ $FILTER ]] || return 0
	WHY=""
	"$@" && { check "$name" true; return; }
	echo "# $name: first attempt failed, trying once more: $WHY"
	check "$name" "$@"
}

# The start of the last run's stderr then stdout, on one line, for failure messages.
snippet() {
	local s
	s=$(cat "$ERR" "$OUT" 2>/dev/null | head -c 400 | tr '\n\t' '| ')
	printf '; output: %s' "${s:-(none)}"
}

# ---- running --------------------------------------------------------------------------------

# run [--timeout S] CMD...: run CMD with stdin from /dev/null (30 s limit by default). Sets OUT
# and ERR (files), STATUS ("N", "sigN" or "timeout"), CPU_MS (user+sys of CMD and its children)
# and WALL_US.
run() {
	local limit=30
	if [ "$1" = --timeout ]; then
		limit=$2
		shift 2
	fi
	run__begin
	perl "$SUITE_LIB/runcmd.pl" "$STATUS_FILE" "$limit" "$@" >"$OUT" 2>"$ERR"
	run__end
}

# run_pipe READER CMD...: as run, but CMD's stdout goes into a pipe read by the shell command
# READER (e.g. "head -1"), whose stdout becomes OUT. STATUS is CMD's.
run_pipe() {
	local reader=$1
	shift
	run__begin
	perl "$SUITE_LIB/runcmd.pl" "$STATUS_FILE" 30 "$@" 2>"$ERR" | sh -c "$reader" >"$OUT"
	run__end
}

run__begin() {
	RUNS=$((RUNS + 1))
	OUT=$TMP/run$RUNS.out ERR=$TMP/run$RUNS.err STATUS_FILE=$TMP/run$RUNS.status
	RUN_T0=$EPOCHREALTIME
}

run__end() {
	local t1=$EPOCHREALTIME
	WALL_US=$((10#${t1//[.,]/} - 10#${RUN_T0//[.,]/}))
	STATUS=unknown CPU_MS=0
	read -r STATUS CPU_MS <"$STATUS_FILE"
}

# ---- assertions on the last run ---------------------------------------------------------------

# want_status N...: the run ended with one of these ("N", "sigN" or "timeout").
want_status() {
	local s
	for s in "$@"; do
		[ "$STATUS" = "$s" ] && return 0
	done
	local all="$*"
	WHY="exit status $STATUS, expected ${all// / or }$(snippet)"
	return 1
}

# want_exactly FILE WHAT LINE...: FILE (the run's stdout or stderr) is exactly these lines.
want_exactly() {
	local file=$1 what=$2
	shift 2
	printf '%s\n' "$@" >"$TMP/expected"
	cmp -s "$TMP/expected" "$file" && return 0
	WHY="$what differs: got '$(head -c 300 "$file" | tr '\n' '|')'"
	WHY="$WHY, expected '$(head -c 300 "$TMP/expected" | tr '\n' '|')'"
	return 1
}

# want_stdout LINE... / want_stderr LINE...: stdout / stderr is exactly these lines.
want_stdout() { want_exactly "$OUT" stdout "$@"; }
want_stderr() { want_exactly "$ERR" stderr "$@"; }

want_no_stderr() {
	[ ! -s "$ERR" ] && return 0
	WHY="unexpected stderr: $(head -c 300 "$ERR" | tr '\n' '|')"
	return 1
}

# want_output ERE [WHAT]: a line of stdout or stderr matches the extended regex, ignoring case.
want_output() {
	cat "$OUT" "$ERR" | grep -Eqi -- "$1" && return 0
	WHY="output does not mention ${2:-/$1/}$(snippet)"
	return 1
}

# want TEXT...: every TEXT appears, as a fixed string with its case, in stdout or stderr.
want() {
	local t
	for t in "$@"; do
		cat "$OUT" "$ERR" | grep -qF -- "$t" && continue
		WHY="no '$t' in the output$(snippet)"
		return 1
	done
}

# want_re ERE: the extended regex (case-sensitive) matches a line of stdout or stderr.
want_re() {
	cat "$OUT" "$ERR" | grep -qE -- "$1" && return 0
	WHY="nothing matches /$1/$(snippet)"
	return 1
}

# want_absent TEXT...: no TEXT appears (fixed strings) in stdout or stderr.
want_absent() {
	local t
	for t in "$@"; do
		cat "$OUT" "$ERR" | grep -qF -- "$t" || continue
		WHY="'$t' should not be in the output$(snippet)"
		return 1
	done
}

# The run printed exactly one line "pith: ..." on stderr, nothing on stdout, and exited 125.
want_pith_error() {
	want_status 125 || return 1
	if [ -s "$OUT" ] || [ "$(wc -l <"$ERR")" -ne 1 ] || ! grep -q '^pith: ' "$ERR"; then
		WHY="expected one line 'pith: ...' on stderr and nothing on stdout$(snippet)"
		return 1
	fi
}

# want_crash FUNCTION: status 139 after a crash report whose backtrace has a frame in FUNCTION.
want_crash() {
	want_status 139 && want_re '^pith: guest crashed: ' && want backtrace: || return 1
	grep -Eq -- "^  #[0-9]+ 0x[0-9a-f]+ $1\+(0x[0-9a-f]+|0)$" "$ERR" && return 0
	WHY="no backtrace frame in $1$(snippet)"
	return 1
}

# want_seccomp_list: `pith run --verbose` printed the monitor's seccomp allow-list: KVM_RUN on
# the vCPU fd, writes to stdout/stderr and exit_group are allowed, and nothing that opens files,
# maps memory, starts programs or makes sockets is.
want_seccomp_list() {
	local list bad re
	local forbidden='open|openat|openat2|creat|mmap|mprotect|mremap|execve|execveat|fork|vfork'
	forbidden="$forbidden|clone|clone3|socket|connect|ptrace"
	list=$(awk '/^pith: seccomp allow-list/ { on = 1; next }
		    on && /^pith:   / { sub(/^pith:   /, ""); print; next }
		    { on = 0 }' "$ERR")
	[ -n "$list" ] || { WHY="no seccomp allow-list$(snippet)"; return 1; }
	for re in '^ioctl\(fd [0-9]+, KVM_RUN\)$' '^write\(fd 1 or 2\)$' '^exit_group$'; do
		grep -Eq -- "$re" <<<"$list" && continue
		WHY="the allow-list has no line matching /$re/: $(tr '\n' '|' <<<"$list")"
		return 1
	done
	bad=$(grep -E -- "^($forbidden)\b" <<<"$list")
	[ -z "$bad" ] && return 0
	WHY="the allow-list lists $(tr '\n' '|' <<<"$bad")"
	return 1
}

# wait_for SECONDS CMD...: until CMD succeeds (polling every 50 ms), or fail.
wait_for() {
	local n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
