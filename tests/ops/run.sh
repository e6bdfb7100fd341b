#!/usr/bin/env bash
# The operations commands (issue 6): pith run -d/--name/--rm, ps, logs [-f], stop, kill, rm and
# inspect, against real guests: small programs from tests/ops/guests/ built with `pith build` into
# the suite's temp folder (one exits 3, one ticks every 100 ms, one ignores SIGTERM, one handles
# it) and build/httpd.pith with -p on a free high port. Every test has its own PITH_STATE_DIR.
#
# Usage: tests/ops/run.sh [NAME-REGEX]     (run only the tests whose names match)
# Environment: PITH (default build/bin/pith). Needs /dev/kvm (the suite fails without it), passt
# and curl for the httpd test. Every monitor and keeper the suite started is killed at exit (trap).
# shellcheck disable=SC2317,SC2015  # functions called through check(); A && B || C
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start ops "${1:-.}"
trap 'ops_cleanup' EXIT
trap 'exit 130' INT TERM

# Kill (SIGKILL) every monitor and keeper recorded in any state folder of this suite, if it is
# still the process that was recorded (same start time), then remove the temp folder.
ops_cleanup() {
	local run pid start field
	for run in "$TMP"/state-*/*/run; do
		[ -f "$run" ] || continue
		for field in monitor keeper; do
			pid=$(sed -n "s/^${field}_pid=//p" "$run")
			start=$(sed -n "s/^${field}_start=//p" "$run")
			[ -n "$pid" ] && [ "$(proc_start "$pid")" = "$start" ] && kill -KILL "$pid" 2>/dev/null
		done
	done
	rm -rf "$TMP"
}

# Field 22 of /proc/PID/stat (start time), or nothing.
proc_start() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	# shellcheck disable=SC2086  # split into fields on purpose
	set -- $stat
	echo "${20}"
}

require_kvm "the operations tests"
[ -x "$PITH" ] || abort "$PITH missing: build Pith first (make all)"

# ---- guests -------------------------------------------------------------------------------------

build_guests() {
	local g
	for g in exit3 ticker ignterm handler; do
		"$PITH" build -o "$TMP/$g.pith" "tests/ops/guests/$g.c" >"$TMP/build.log" 2>&1 ||
			abort "pith build of $g failed: $(head -c 600 "$TMP/build.log" | tr '\n' '|')"
	done
}
build_guests

# ---- helpers ------------------------------------------------------------------------------------

# Each test: a fresh state folder.
new_state() {
	export PITH_STATE_DIR="$TMP/state-$1"
	mkdir -p "$PITH_STATE_DIR"
}

# pith ... with the suite's time limit; sets OUT, ERR, STATUS.
p() { run "$PITH" "$@"; }

# start NAME [RUN-OPTIONS...] IMAGE [ARGS...]: pith run -d --name NAME ...; ID gets the id it
# printed.
start() {
	local name=$1
	shift
	p run -d --name "$name" "$@"
	want_status 0 || return 1
	ID=$(cat "$OUT")
	[[ $ID =~ ^[0-9a-f]{12}$ ]] && return 0
	WHY="run -d printed '$ID', not a 12-digit id"
	return 1
}

# ps_state NAME: the STATE column of NAME's line in `pith ps -a`.
ps_state() {
	"$PITH" ps -a | awk -v n="$1" '$2 == n { s = $4; if ($5 ~ /^\(/) s = s " " $5; print s }'
}

# want_state NAME STATE: pith ps -a shows NAME in STATE.
want_state() {
	local s
	s=$(ps_state "$1")
	[ "$s" = "$2" ] && return 0
	WHY="ps -a shows $1 as '$s', expected '$2': $("$PITH" ps -a | tr '\n' '|')"
	return 1
}

# json_num KEY: the number after "KEY": in the last run's stdout (pith inspect).
json_num() {
	sed -n "s/^  \"$1\": \([0-9-]*\),*$/\1/p" "$OUT"
}

state_is() { [ "$(ps_state "$1")" = "$2" ]; }
some_running() { [ -n "$("$PITH" ps -q)" ]; }
none_at_all() { [ -z "$("$PITH" ps -a -q)" ]; }

# A TCP port nobody listens on, in 20000-59999.
free_port() {
	local port
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return 0; }
	done
	return 1
}

# ---- tests --------------------------------------------------------------------------------------

t_detached_ps() {
	new_state ps
	start tk "$TMP/ticker.pith" 100 || return 1
	p ps
	want_status 0 && want_re '^ID +NAME +IMAGE +STATE +UPTIME +MEM +RSS +PORTS$' || return 1
	want_re "^$ID +tk +ticker\.pith +running +[0-9]+s +64M +[0-9.]+[KMG] +-$" || return 1
	p ps -q
	want_stdout "$ID"
}

t_names_unique() {
	new_state names
	start same "$TMP/ticker.pith" 100 || return 1
	local first=$ID
	p run -d --name same "$TMP/exit3.pith"
	want_status 125 || return 1
	want_stderr "pith: the name 'same' is already in use by instance $first; pith rm it or \
choose another name" || return 1
	[ "$("$PITH" ps -a -q | wc -l)" -eq 1 ] || { WHY="a second instance was left"; return 1; }
	p rm -f same
	want_status 0 || return 1
	start same "$TMP/exit3.pith" || return 1
	[ "$ID" != "$first" ] || { WHY="the new instance has the old id"; return 1; }
}

t_logs_after_exit() {
	new_state logs
	start ex "$TMP/exit3.pith" || return 1
	wait_for 10 state_is ex "exited (3)" || { want_state ex "exited (3)"; return 1; }
	p logs ex
	want_status 0 && want_stdout "line one" "to stderr" "line two"
}

t_logs_follow() {
	new_state follow
	start tk "$TMP/ticker.pith" 5 || return 1
	run --timeout 15 "$PITH" logs -f tk
	want_status 0 || return 1
	want_stdout "tick 1" "tick 2" "tick 3" "tick 4" "tick 5" "ticker done" || return 1
	[ "$WALL_US" -ge 300000 ] && return 0
	WHY="logs -f returned after $WALL_US us: it did not follow"
	return 1
}

# wait_log WORD: the current instance's log ($ID) holds WORD within 5 s (the guest started).
wait_log() {
	wait_for 5 grep -q "$1" "$PITH_STATE_DIR/$ID/log" && return 0
	WHY="the guest never printed '$1'"
	return 1
	want_state tk "exited (0)"
}

t_stop_graceful() {
	new_state graceful
	start hd "$TMP/handler.pith" || return 1
	wait_log waiting || return 1
	p stop hd
	want_status 0 && want_no_stderr || return 1
	want_state hd "exited (0)" || return 1
	p logs hd
	want_stdout "waiting for SIGTERM" "got SIGTERM, exiting cleanly"
}

t_stop_timeout() {
	new_state timeout
	start ig "$TMP/ignterm.pith" || return 1
	wait_log ignoring || return 1
	p stop -t 500ms ig
	want_status 0 || return 1
	if [ "$WALL_US" -lt 450000 ] || [ "$WALL_US" -gt 3000000 ]; then
		WHY="stop -t 500ms took $WALL_US us"
		return 1
	fi
	want_state ig "killed (SIGKILL)"
}

t_kill() {
	new_state kill
	start hd "$TMP/handler.pith" || return 1
	wait_log waiting || return 1
	p kill -s TERM hd
	want_status 0 || return 1
	wait_for 10 state_is hd "exited (0)" || { want_state hd "exited (0)"; return 1; }
	start ig "$TMP/ignterm.pith" || return 1
	p kill ig
	want_status 0 || return 1
	wait_for 10 state_is ig "killed (SIGKILL)" || { want_state ig "killed (SIGKILL)"; return 1; }
	p kill ig
	want_status 1 && want_stderr "pith: instance ig is not running"
}

t_monitor_sigkill() {
	local mon keeper
	new_state sigkill
	start k1 "$TMP/ignterm.pith" || return 1
	p inspect k1
	mon=$(json_num pid)
	[ -n "$mon" ] && [ "$mon" -gt 0 ] || { WHY="no pid in inspect$(snippet)"; return 1; }
	kill -KILL "$mon"
	wait_for 10 state_is k1 "killed (SIGKILL)" || { want_state k1 "killed (SIGKILL)"; return 1; }
	start k2 "$TMP/ignterm.pith" || return 1
	p inspect k2
	mon=$(json_num pid) keeper=$(json_num keeper_pid)
	[ -n "$keeper" ] && [ "$keeper" -gt 0 ] || { WHY="no keeper_pid in inspect$(snippet)"; return 1; }
	kill -KILL "$keeper" "$mon"
	wait_for 10 state_is k2 dead || { want_state k2 dead; return 1; }
	p ps
	want_status 0 && want_absent k1 k2
}

t_rm_detached() {
	new_state rmd
	start gone --rm "$TMP/ticker.pith" 3 || return 1
	some_running || { WHY="not in ps while running"; return 1; }
	wait_for 10 none_at_all || { WHY="still in ps -a: $("$PITH" ps -a | tr '\n' '|')"; return 1; }
	[ ! -e "$PITH_STATE_DIR/names/gone" ] || { WHY="the name is still claimed"; return 1; }
}

t_rm_foreground() {
	local seen
	new_state rmf
	"$PITH" run --rm --name fg "$TMP/ticker.pith" 6 >"$TMP/fg.out" 2>&1 &
	wait_for 5 some_running && seen=$(ps_state fg)
	wait $!
	[ "${seen:-}" = running ] || { WHY="while running, ps showed '${seen:-nothing}'"; return 1; }
	grep -q "ticker done" "$TMP/fg.out" || { WHY="its output did not reach the terminal"; return 1; }
	[ -z "$("$PITH" ps -a -q)" ] || { WHY="still in ps -a after the end"; return 1; }
}

t_foreground_name() {
	new_state fgname
	p run --name fg3 "$TMP/exit3.pith"
	want_status 3 && want "line one" "line two" "to stderr" || return 1
	want_state fg3 "exited (3)" || return 1
	p logs fg3
	want_status 0 && want "line one" "line two" "to stderr"
}

# A closed stdout ends a registered foreground run as it ends a plain one (141), not silently.
t_foreground_pipe() {
	local st
	new_state pipe
	"$PITH" run --name pp "$TMP/ticker.pith" 20 2>/dev/null | head -n 2 >/dev/null
	st=${PIPESTATUS[0]}
	[ "$st" = 141 ] || { WHY="status $st, expected 141"; return 1; }
	want_state pp "killed (SIGPIPE)"
}

t_rm_running() {
	new_state rmrun
	start r "$TMP/ignterm.pith" || return 1
	p rm r
	want_status 1 || return 1
	want_stderr "pith: instance r is running; pith stop it first or use rm -f" || return 1
	p rm -f r
	want_status 0 || return 1
	[ -z "$("$PITH" ps -a -q)" ] || { WHY="still in ps -a after rm -f"; return 1; }
	[ ! -e "$PITH_STATE_DIR/$ID" ] || { WHY="its folder is left"; return 1; }
}

t_inspect_json() {
	new_state inspect
	start js "$TMP/exit3.pith" a "b c" || return 1
	wait_for 10 state_is js "exited (3)" || return 1
	p inspect js
	want_status 0 && want "\"id\": \"$ID\"," '"name": "js",' '"state": "exited (3)",' \
		'"exit_status": 3,' '"args": ["a", "b c"],' "\"image\": \"$TMP/exit3.pith\"," || return 1
	[ "$(json_num pid)" -gt 0 ] || { WHY="pid is not a number$(snippet)"; return 1; }
	p inspect "${ID:0:5}"
	want_status 0 && want "\"id\": \"$ID\","
}

t_unknown() {
	new_state unknown
	local c
	for c in logs stop kill rm inspect; do
		p "$c" nosuchthing
		want_status 1 && want_stderr "pith: no such instance: nosuchthing" && continue
		WHY="$c: $WHY"
		return 1
	done
}

t_bad_flags() {
	new_state flags
	p ps -x
	want_pith_error || return 1
	p stop -t soon x
	want_pith_error || return 1
	p kill -s NOSUCH x
	want_pith_error || return 1
	p run -d --name "bad name" "$TMP/exit3.pith"
	want_pith_error || return 1
	p run --name
	want_pith_error
}

t_missing_image() {
	new_state missing
	p run -d --name m "$TMP/no-such.pith"
	want_status 125 && want_re "^pith: .*no-such\.pith cannot be opened" || return 1
	[ ! -s "$OUT" ] || { WHY="it printed on stdout: $(cat "$OUT")"; return 1; }
	[ -z "$("$PITH" ps -a -q)" ] || { WHY="an instance was left in ps -a"; return 1; }
	start m "$TMP/exit3.pith" # the name is free again
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

t_httpd() {
	local port code t0 t1
	command -v curl >/dev/null || { WHY="curl is not installed"; return 1; }
	port=$(free_port) || { WHY="no free port"; return 1; }
	new_state httpd
	start web -p "$port:80" "$ROOT/build/httpd.pith" || return 1
	want_state web running || return 1
	"$PITH" ps | grep -q " $port:80/tcp\$" || { WHY="PORTS: $("$PITH" ps | tr '\n' '|')"; return 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/")
	[ "$code" != 000 ] || { WHY="no answer on port $port"; return 1; }
	t0=$EPOCHREALTIME
	p stop web
	t1=$EPOCHREALTIME
	want_status 0 || return 1
	[ $((${t1/./} - ${t0/./})) -lt 1000000 ] || { WHY="stop took more than a second"; return 1; }
	want_state web "exited (143)" || return 1
	port_free "$port" || { WHY="port $port is still in use after stop"; return 1; }
}

# stale_entry ID NAME PID START: a state entry whose run file names PID (started at START).
stale_entry() {
	local d=$PITH_STATE_DIR/$1
	mkdir -p "$d"
	printf 'id=%s\nname=%s\nimage=/x.pith\nargs=\nmem=67108864\nports=\nnet=none\ncreated=1\n' \
		"$1" "$2" >"$d/config"
	printf 'keeper_pid=%s\nkeeper_start=%s\nmonitor_pid=%s\nmonitor_start=%s\nstarted=1\n' \
		"$3" "$4" "$3" "$4" >"$d/run"
}

t_stale_entry() {
	local gone
	new_state stale
	sleep 0 &
	gone=$!
	wait "$gone"
	stale_entry 0123456789ab old "$gone" "$(proc_start $$)"
	# a live pid with another start time: a reused pid must not look alive
	stale_entry 0123456789ac reused $$ 1
	want_state old dead && want_state reused dead || return 1
	p ps
	want_status 0 && want_absent old reused
}

check "run -d prints an id; ps lists it running" t_detached_ps
check "names are unique until rm" t_names_unique
check "logs after the guest's exit, exited (3)" t_logs_after_exit
check "logs -f follows until the end" t_logs_follow
check "stop: SIGTERM reaches the guest's handler" t_stop_graceful
check_timing "stop -t 500ms of a guest ignoring SIGTERM" t_stop_timeout
check "kill -s TERM, kill (KILL), kill of an ended one" t_kill
check "SIGKILL of the monitor: killed; of both: dead" t_monitor_sigkill
check "run -d --rm: gone after the end" t_rm_detached
check "run --rm in the foreground" t_rm_foreground
check "run --name in the foreground: status and log" t_foreground_name
check "run --name in the foreground into a closed pipe: 141" t_foreground_pipe
check "rm of a running instance, rm -f" t_rm_running
check "inspect INSTANCE: JSON" t_inspect_json
check "unknown instance: status 1" t_unknown
check "bad flags: 125" t_bad_flags
check "run -d of a missing image: 125, nothing left" t_missing_image
check_timing "httpd -d -p: answers, stop within a second, port free" t_httpd
check "a stale entry with dead pids is dead" t_stale_entry
finish
