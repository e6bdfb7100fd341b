#!/usr/bin/env bash
# Threads benchmark (issue 5): tests/threads/threadbench.c as a native static musl program and as
# a Pith image, side by side in one run, medians of ROUNDS alternating runs of each figure.
#
# Usage: bench/threads.sh [ROUNDS]      (runs per figure and side, default 5)
# Environment: PITH (default build/bin/pith). Needs /dev/kvm and the two programs (make
# bench-threads builds them: build/tests/threads/native/threadbench, musl-gcc -static -O2
# -pthread, and build/tests/threads/pith/threadbench.pith, pith build).
#
# What is measured (threadbench.c says how): thread create+join rate (threads/s), ping-pong
# handoffs between two threads through two semaphores (handoffs/s), a condvar round trip
# main -> worker -> main through a mutex and two condvars (us), and sched_yield with two threads
# (ns per yield; natively both threads are pinned to one CPU so that a yield is a switch, as on
# Pith's one vCPU). The ratio is Pith/native for rates and native/Pith for times: above 1 means
# Pith is faster. Target (issue 5): Pith at least as fast as native for create+join and handoffs.
# shellcheck disable=SC2015  # A && B || die: die exits
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
ROUNDS=${1:-5}
TB=$ROOT/build/tests/threads
NATIVE=$TB/native/threadbench
IMAGE=$TB/pith/threadbench.pith
FIGS=(create_join_per_s pingpong_per_s condvar_rt_us yield_ns)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pith-bench-threads.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

die() {
	echo "bench/threads.sh: $*" >&2
	exit 1
}

{ [ -c /dev/kvm ] && (exec 9<>/dev/kvm); } 2>/dev/null ||
	die "/dev/kvm is absent or cannot be opened"
[ -x "$NATIVE" ] && [ -f "$IMAGE" ] || die "run make bench-threads first"

# one SIDE FIGURE: one measurement appended to $TMP/SIDE.FIGURE (exits on a failed run).
one() {
	local out
	if [ "$1" = native ]; then
		out=$("$NATIVE" "$2" 2>&1)
	else
		out=$(timeout -k 5 120 "$PITH" run --mem 256M "$IMAGE" -- "$2" 2>&1)
	fi || die "the $1 run of $2 failed (status $?; 124: still running after 120 s):" \
		"$(echo "$out" | head -c 400)"
	echo "$out" | awk -v f="$2" '$1 == f { print $2 }' >>"$TMP/$1.$2"
}

median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(uname -srm), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	head -1), $(nproc) cores"
echo "pith:    $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') + working tree"
echo "native:  $NATIVE FIGURE   (musl-gcc -static -O2 -pthread tests/threads/threadbench.c)"
echo "pith:    $PITH run --mem 256M $IMAGE -- FIGURE   (pith build)"
echo "runs:    $ROUNDS per figure and side, alternating native and Pith; medians"
echo
for ((r = 0; r < ROUNDS; r++)); do
	for f in "${FIGS[@]}"; do
		one native "$f"
		one pith "$f"
	done
done
printf '%-22s | %14s | %14s | %6s\n' figure native Pith ratio
printf '%-22s-|-%14s-|-%14s-|-%6s\n' ---------------------- -------------- -------------- ------
for f in "${FIGS[@]}"; do
	n=$(median "$TMP/native.$f") p=$(median "$TMP/pith.$f")
	printf '%-22s | %14.2f | %14.2f | %6s\n' "$f" "$n" "$p" "$(awk -v n="$n" -v p="$p" -v f="$f" \
		'BEGIN { r = (f ~ /per_s$/) ? (n > 0 ? p / n : -1) : (p > 0 ? n / p : -1);
			 if (r < 0) print "-"; else printf "%.2fx", r }')"
done
echo "(ratio: Pith/native for rates, native/Pith for times: above 1 means Pith is faster)"
