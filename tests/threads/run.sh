#!/usr/bin/env bash
# Threads, preemption and signals (issue 5): the suite program (tests/threads/*.c) built natively
# with musl-gcc and with `pith build`, every case run natively then in Pith (one process per case,
# under a time limit: a hang or a crash costs one case), the results compared; then what only the
# monitor can show: host SIGTERM/SIGINT reaching the guest's handler or ending it with 128+sig,
# no timer exits for a lone CPU-bound thread (--stats), --timeslice, and thread ids in --trace.
#
# Usage: tests/threads/run.sh [NAME-REGEX]     (run only the cases whose names match)
# Environment: PITH (default build/bin/pith); THREADS_MODE=native runs only the native cases (the
# suite's own check against Linux); THREADS_TIMEOUT (default 60) seconds per Pith case.
# Builds into build/tests/threads/. Needs musl-gcc (musl-tools) and, in Pith mode, /dev/kvm:
# without it the suite fails saying so. Temp files and processes are removed at exit (trap).
# shellcheck disable=SC2317,SC2015  # functions called through check(); A && B || C
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
MODE=${THREADS_MODE:-pith}
LIMIT=${THREADS_TIMEOUT:-60}
TB=$ROOT/build/tests/threads
NATIVE=$TB/native/threads
IMAGE=$TB/pith/threads.pith
SRCS=(suite.c sync.c sched.c signals.c timers.c modes.c)
SRCS=("${SRCS[@]/#/tests/threads/}")
MEM=512M

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start threads "${1:-.}"
BGPID=""
trap 'threads_cleanup' EXIT
trap 'exit 130' INT TERM

threads_cleanup() {
	[ -n "$BGPID" ] && kill -KILL "$BGPID" 2>/dev/null && wait "$BGPID" 2>/dev/null
	rm -rf "$TMP"
}

# ---- building ---------------------------------------------------------------------------------

build_native() {
	mkdir -p "$TB/native" || abort "cannot create $TB/native"
	command -v musl-gcc >/dev/null || abort "musl-gcc missing: apt-get install musl-tools"
	musl-gcc -static -O2 -pthread -std=c11 -Wall -Wextra -o "$NATIVE" "${SRCS[@]}" \
		>"$TMP/native-build.log" 2>&1 ||
		abort "the native build failed: $(head -c 600 "$TMP/native-build.log" | tr '\n' '|')"
}

# The Pith build may fail while issue 5 is in progress: then every Pith case fails saying why.
build_pith() {
	mkdir -p "$TB/pith" || abort "cannot create $TB/pith"
	rm -f "$IMAGE"
	[ -x "$PITH" ] || abort "$PITH missing: build Pith first (make all)"
	"$PITH" build -o "$IMAGE" "${SRCS[@]}" >"$TMP/pith-build.log" 2>&1 && return 0
	echo "# pith build of the suite failed; missing: $(grep -oE 'undefined reference to `[^'"'"']+' \
		"$TMP/pith-build.log" | sed 's/.*`//' | sort -u | tr '\n' ' ')"
	grep -E 'error' "$TMP/pith-build.log" | grep -v 'undefined reference' | head -n 5 | sed 's/^/# /'
	PITH_BUILD_WHY="the image did not build (pith build failed: see the '#' lines above)"
}

# ---- the suite's cases, native then Pith ---------------------------------------------------

# case_line FILE NAME: the program's result line for the case, or nothing.
case_line() {
	grep -E "^(not )?ok [0-9]+ - $2([:# ]|$)" "$1" | head -n 1
}

# run_case WHERE NAME: run one case natively or in Pith; sets LINE (its result line) and WHY.
run_case() {
	if [ "$1" = native ]; then
		run --timeout 30 "$NATIVE" "$2"
	else
		run --timeout "$LIMIT" "$PITH" run --mem "$MEM" "$IMAGE" -- "$2"
	fi
	LINE=$(case_line "$OUT" "$2")
	[ -n "$LINE" ] && [ "${LINE#ok }" != "$LINE" ] && [ "$STATUS" = 0 ] && return 0
	[ -n "$LINE" ] && WHY="$1: ${LINE#*"$2": }" && return 1
	WHY="$1: no result line, exit status $STATUS$(snippet)"
	[ "$STATUS" = timeout ] && WHY="$1: hung, killed after ${LIMIT}s$(snippet)"
	return 1
}

# t_case NAME: the case passes natively and in Pith, both passing or both skipping.
t_case() {
	local nline
	run_case native "$1" || return 1
	nline=$LINE
	[ "$MODE" = native ] && return 0
	[ -f "$IMAGE" ] || { WHY="pith: ${PITH_BUILD_WHY:-no image}"; return 1; }
	run_case pith "$1" || return 1
	[ "${nline#*# skip}" = "$nline" ] && [ "${LINE#*# skip}" = "$LINE" ] && return 0
	[ "${nline#*# skip}" != "$nline" ] && [ "${LINE#*# skip}" != "$LINE" ] && return 0
	WHY="skipped on one side only: native '$nline', pith '$LINE'"
	return 1
}

# ---- host signals to the run (pith stop semantics) ----------------------------------------

# start_bg WHERE MODE: start the program in MODE in the background (SIGINT not ignored, as it
# would be for a plain background job); waits for its "ready" line (30 s).
start_bg() {
	local i cmd=("$NATIVE" "$2")
	[ "$1" = pith ] && cmd=("$PITH" run --mem 64M "$IMAGE" -- "$2")
	OUT=$TMP/bg.out ERR=$TMP/bg.err
	env --default-signal=INT,TERM "${cmd[@]}" </dev/null >"$OUT" 2>"$ERR" &
	BGPID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready$' "$OUT" 2>/dev/null && return 0
		kill -0 "$BGPID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$BGPID" 2>/dev/null; then
		kill -KILL "$BGPID"
		wait "$BGPID" 2>/dev/null
		WHY="$1: no 'ready' line within 30 s (killed)$(snippet)"
	else
		wait "$BGPID"
		WHY="$1: exited with status $? before its 'ready' line$(snippet)"
	fi
	BGPID=""
	return 1
}

# stop_bg SIG: send SIG, wait up to 10 s for the exit; sets STATUS.
stop_bg() {
	local i
	kill -"$1" "$BGPID"
	for ((i = 0; i < 200; i++)); do
		kill -0 "$BGPID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$BGPID" 2>/dev/null; then
		kill -KILL "$BGPID"
		wait "$BGPID" 2>/dev/null
		BGPID=""
		STATUS=timeout
		WHY="still running 10 s after SIG$1$(snippet)"
		return 1
	fi
	wait "$BGPID"
	STATUS=$?
	BGPID=""
}

# t_stop MODE SIG STATUS [LINE]: natively then in Pith, SIG ends MODE with STATUS (and LINE).
t_stop() {
	local where
	for where in native pith; do
		[ "$where" = pith ] && [ "$MODE" = native ] && continue
		[ "$where" = pith ] && [ ! -f "$IMAGE" ] && WHY="pith: $PITH_BUILD_WHY" && return 1
		start_bg "$where" "$1" || return 1
		stop_bg "$2" || { WHY="$where: $WHY"; return 1; }
		want_status "$3" || { WHY="$where: after SIG$2: $WHY"; return 1; }
		[ -z "${4:-}" ] || want "$4" || { WHY="$where: $WHY"; return 1; }
	done
}

# ---- monitor options ----------------------------------------------------------------------

# stat_value NAME: the value of "pith: stats: NAME N" in the last run's stderr, or nothing.
stat_value() {
	sed -nE "s/^pith: stats: $1 ([0-9]+)$/\1/p" "$ERR" | head -n 1
}

# A lone CPU-bound thread (sched linked: the program has threads elsewhere) takes no timer.
t_no_timer_exits() {
	local n v
	run --timeout "$LIMIT" "$PITH" run --stats "$IMAGE" -- spin 300
	want_status 0 && want_re '^spun [0-9]+$' || return 1
	for n in upcalls_timer timer_arms vm_exits_interrupt; do
		v=$(stat_value "$n")
		[ -n "$v" ] || { WHY="pending: --stats prints no '$n' counter$(snippet)"; return 1; }
		[ "$v" = 0 ] || { WHY="$n is $v for one CPU-bound thread, want 0"; return 1; }
	done
}

# t_timeslice SLICE: the preemption case still passes with this time slice.
t_timeslice() {
	run --timeout "$LIMIT" "$PITH" run --mem "$MEM" --timeslice "$1" "$IMAGE" -- preempt
	want_status 0 && want_re '^ok [0-9]+ - preempt$'
}

# t_bad_timeslice VALUE: a clear one-line error and status 125.
t_bad_timeslice() {
	local img=$IMAGE
	[ -f "$img" ] || img=$ROOT/build/hello.pith # the option is refused before the image is read
	run "$PITH" run --timeslice "$1" "$img" -- preempt
	want_pith_error && want_re 'timeslice'
}

# --trace names the thread of every line: two distinct "[tid N]".
t_trace_tids() {
	local n
	run --timeout "$LIMIT" "$PITH" run --trace "$IMAGE" -- two
	want_status 0 && want "from the second thread" "from the main thread" || return 1
	n=$(grep -oE '\[tid [0-9]+\]' "$ERR" | sort -u | wc -l)
	[ "$n" -ge 2 ] && return 0
	WHY="--trace shows $n distinct '[tid N]' tags, want 2$(snippet)"
	return 1
}

pith_check() {
	[ "$MODE" = native ] && return 0
	if [ -f "$IMAGE" ]; then
		check "$@"
	else
		check "$1" false_with "pith: $PITH_BUILD_WHY"
	fi
}

false_with() {
	WHY=$1
	return 1
}

# ---- main ---------------------------------------------------------------------------------

build_native
PITH_BUILD_WHY=""
if [ "$MODE" != native ]; then
	require_kvm "the threads suite's Pith runs"
	build_pith
fi
for c in $("$NATIVE" list); do
	check "$c" t_case "$c"
done
check sigterm_handler_idle t_stop term TERM 0 "terminating cleanly"
check sigterm_handler_busy t_stop term-busy TERM 0 "terminating cleanly"
check sigint_handler t_stop term INT 0 "terminating cleanly"
check sigterm_default_idle t_stop wait TERM 143
check sigterm_default_busy t_stop wait-busy TERM 143
check sigint_default t_stop wait INT 130
pith_check stats_no_timer_exits t_no_timer_exits
pith_check timeslice_1ms t_timeslice 1ms
pith_check timeslice_50ms t_timeslice 50ms
[ "$MODE" = native ] || check timeslice_0_rejected t_bad_timeslice 0
[ "$MODE" = native ] || check timeslice_no_unit_rejected t_bad_timeslice 10
pith_check trace_tids t_trace_tids
finish
