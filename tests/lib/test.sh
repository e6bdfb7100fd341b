# Tiny helper for Pith's shell tests: source it, check with the t_* functions, end with t_done.
#
#   . tests/lib/test.sh
#   t_run pith run --mem 512 x.pith       # runs it: stdout in $T_OUT, stderr in $T_ERR, $T_STATUS
#   t_status "bare number" 125            # one check each
#   t_err "bare number" "pith: --mem 512: missing unit; write e.g. 512M or 2G"
#   t_done                                # prints "N passed, N failed"; exits 1 on any failure
# A failed check prints "FAIL: <name>: ..." on stderr, with what the command printed.

T_PASSED=0
T_FAILED=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pith-test.XXXXXX")
trap 'rm -rf "$T_DIR"' EXIT
T_OUT= T_ERR= T_STATUS= T_CMD=

t_pass() {
	T_PASSED=$((T_PASSED + 1))
}

# t_fail NAME WHY...
t_fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL: $*" >&2
	if [ -n "$T_CMD" ]; then
		printf '  command: %s\n  status: %s\n  stdout: %s\n  stderr: %s\n' \
			"$T_CMD" "$T_STATUS" "$T_OUT" "$T_ERR" >&2
	fi
}

# t_check NAME CMD...: passes if CMD exits 0.
t_check() {
	_name=$1
	shift
	if "$@"; then t_pass; else t_fail "$_name: '$*' failed"; fi
}

# t_run CMD...: run CMD, keeping its stdout, stderr and exit status for the checks below.
t_run() {
	T_CMD="$*"
	T_STATUS=0
	"$@" >"$T_DIR/out" 2>"$T_DIR/err" || T_STATUS=$?
	T_OUT=$(cat "$T_DIR/out")
	T_ERR=$(cat "$T_DIR/err")
}

# t_status NAME N: the last t_run exited with N.
t_status() {
	if [ "$T_STATUS" = "$2" ]; then t_pass; else t_fail "$1: exit status $T_STATUS, expected $2"; fi
}

# t_out NAME TEXT / t_err NAME TEXT: the last t_run printed exactly TEXT on stdout / stderr.
t_out() {
	if [ "$T_OUT" = "$2" ]; then t_pass; else t_fail "$1: stdout is not \"$2\""; fi
}
t_err() {
	if [ "$T_ERR" = "$2" ]; then t_pass; else t_fail "$1: stderr is not \"$2\""; fi
}

# t_out_has NAME TEXT / t_err_has NAME TEXT: stdout / stderr of the last t_run contains TEXT.
t_out_has() {
	case $T_OUT in *"$2"*) t_pass ;; *) t_fail "$1: stdout lacks \"$2\"" ;; esac
}
t_err_has() {
	case $T_ERR in *"$2"*) t_pass ;; *) t_fail "$1: stderr lacks \"$2\"" ;; esac
}

# t_require_kvm: for tests that need KVM; counts a failure (never a silent pass) without it.
t_require_kvm() {
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		t_pass
		return 0
	fi
	T_CMD=
	t_fail "/dev/kvm is absent or not usable: this test needs KVM"
	return 1
}

# t_done: the closing line; exit status 1 if anything failed or nothing was checked.
t_done() {
	if [ $((T_PASSED + T_FAILED)) -eq 0 ]; then
		T_CMD=
		t_fail "the test checked nothing"
	fi
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ] && exit 0
	exit 1
}
