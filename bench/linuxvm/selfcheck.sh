#!/usr/bin/env bash
# Self-check of bench/lib/linuxvm.sh: prepares the Linux VM and QEMU floor, boots each once.
#
# Usage: bench/linuxvm/selfcheck.sh [PORT]     (host port for httpd, default 18950, on 127.0.0.1)
# Needs: root (mknod of /dev/console in the initramfs), a built tree (make all examples:
# build/httpd-native), musl-gcc, curl, and what linuxvm_prepare names (qemu-system-x86, cpio,
# xz-utils); downloads Debian's kernel package once into build/bench/cache/.
#
# What it does and prints: linuxvm_prepare's wall time; hello booted once (its output, QEMU's
# status, wall ms from launch to exit); httpd booted once, wall ms from launch to the first
# successful `curl http://127.0.0.1:PORT/` (polled every 50 ms), the page compared with
# examples/httpd/www/index.html; the floor run once (wall ms, status 1 = isa-debug-exit 0), and
# under KVM too when /dev/kvm is there; the sizes from linuxvm_sizes. Single runs, not medians:
# this verifies the subjects, bench/compare.sh measures them.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
PORT=${1:-18950}
PASSED=0 FAILED=0
QEMU_PID=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/linuxvm-check.XXXXXX")

cleanup() {
	if [ -n "$QEMU_PID" ]; then
		kill -KILL "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib/linuxvm.sh
. "$ROOT/bench/lib/linuxvm.sh"

# check DESCRIPTION COMMAND...: counts COMMAND's success or failure.
check() {
	local what=$1
	shift
	if "$@"; then
		PASSED=$((PASSED + 1))
		echo "ok   $what"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL $what"
	fi
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

prepare() {
	local t0
	[ -x build/httpd-native ] || {
		echo "selfcheck: build/httpd-native missing: make all examples" >&2
		exit 1
	}
	musl-gcc -static -O2 -o "$TMP/hello" examples/hello/hello.c
	t0=$(now_ms)
	linuxvm_prepare "$TMP/work" "$TMP/hello" build/httpd-native examples/httpd/www
	echo "prepare: $(($(now_ms) - t0)) ms"
	echo "accel: $LINUXVM_ACCEL"
	echo "kernel: $LINUXVM_KERNEL ($LINUXVM_KERNEL_VERSION, image ends at $LINUXVM_KERNEL_END_MIB MiB)"
	echo "note: $LINUXVM_NOTE"
}

boot_hello() {
	local t0 rc=0 out
	linuxvm_hello_argv 128
	echo "hello command: ${CMD[*]}"
	t0=$(now_ms)
	out=$(timeout -s KILL 120 "${CMD[@]}" </dev/null 2>"$TMP/hello.err") || rc=$?
	echo "hello: status $rc, $(($(now_ms) - t0)) ms to exit; output:"
	printf '%s\n' "$out" | sed 's/\r$//; s/^/  | /'
	check "hello VM exits with status 0" [ "$rc" = 0 ]
	check "hello VM prints hello's greeting" grep -q '^Hello from Pith! 355/113 = 3.141593' \
		<<<"$out"
	check "nothing but hello's output on stdout" [ "$(wc -l <<<"$out")" = 1 ]
}

# Polls the forwarded port until httpd answers; prints ms since T0, or fails after 120 s.
wait_http() {
	local t0=$1
	while [ $(($(now_ms) - t0)) -lt 120000 ]; do
		if curl -s -m 2 -o "$TMP/page" "http://127.0.0.1:$PORT/"; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

boot_httpd() {
	local t0 ms rc=0
	linuxvm_httpd_argv 128 "$PORT"
	echo "httpd command: ${CMD[*]}"
	t0=$(now_ms)
	"${CMD[@]}" </dev/null >"$TMP/httpd.out" 2>&1 &
	QEMU_PID=$!
	ms=$(wait_http "$t0") || rc=1
	check "httpd VM answers on 127.0.0.1:$PORT" [ "$rc" = 0 ]
	[ "$rc" = 0 ] && echo "httpd: first response after $ms ms"
	check "httpd VM serves examples/httpd/www/index.html" \
		cmp -s "$TMP/page" examples/httpd/www/index.html
	kill -TERM "$QEMU_PID"
	wait "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=""
	echo "httpd console output:"
	sed 's/\r$//; s/^/  | /' "$TMP/httpd.out"
}

# One floor run with the given qemu_floor_argv arguments.
floor() {
	local t0 rc=0
	qemu_floor_argv "$@"
	echo "floor command: ${CMD[*]}"
	t0=$(now_ms)
	timeout -s KILL 60 "${CMD[@]}" </dev/null >/dev/null 2>"$TMP/floor.err" || rc=$?
	echo "floor${1:+ ($1)}: status $rc, $(($(now_ms) - t0)) ms to exit"
	check "floor${1:+ ($1)} exits at once through isa-debug-exit" [ "$rc" = 1 ]
}

prepare
boot_hello
boot_httpd
floor
if [ -w /dev/kvm ]; then floor kvm; fi
linuxvm_sizes | sed 's/^/size: /'
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
