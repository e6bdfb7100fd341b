#!/usr/bin/env bash
# pith-oci's own command line, without an engine: create/start/state/kill/pause/resume/ps/delete/
# list/exec against real guests, the errors the engines parse, --log, crash-stale state, memory
# limits (a guest touching all its memory under a 512M memory cgroup), env and args, the console
# socket, the process's name in ps, start's ready byte and timeout, garbage state, pid reuse, the
# per-container lock, the stub's fds and --help. An engine's shim is played by a small Perl
# subreaper that waits for the container's pid.
#
# Usage: tests/oci/cli_direct.sh [NAME-REGEX]
# Environment: PITH (default build/bin/pith), PITH_OCI (default build/bin/pith-oci). Needs root
# and /dev/kvm; runc for the delegation test. Everything is under one temp folder, removed at exit
# with every container process it started.
# shellcheck disable=SC2317,SC2015  # functions called through check(); A && B || C
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
PITH_OCI=${PITH_OCI:-$ROOT/build/bin/pith-oci}

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start oci-cli "${1:-.}"
require_kvm "pith-oci's tests"
[ "$(id -u)" = 0 ] || abort "pith-oci's tests need root"
STATE=$TMP/root # --root
RF=$TMP/rootfs  # the rootfs every bundle shares
CGROUP_TOP=pith-oci-test-$$ # linux.cgroupsPath /CGROUP_TOP/toucher (memory-reserve)

cleanup() {
	local d pid
	for d in "$STATE"/*/; do
		[ -f "$d/state.json" ] || continue
		pid=$(state_field "$d/state.json" pid)
		[ "${pid:-0}" -gt 0 ] && kill -9 "$pid" 2>/dev/null
	done
	[ -d "$STATE/.runc" ] && /usr/sbin/runc --root "$STATE/.runc" list -q 2>/dev/null | while read -r d; do
		/usr/sbin/runc --root "$STATE/.runc" delete --force "$d" 2>/dev/null
	done
	for d in /sys/fs/cgroup/*/"$CGROUP_TOP"/toucher /sys/fs/cgroup/*/"$CGROUP_TOP"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# state_field FILE KEY: a number or string field of a flat JSON object.
state_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

oci() { "$PITH_OCI" --root "$STATE" "$@"; }

# bundle NAME ARGS-JSON [ENV-JSON] [MEMORY-LIMIT] [ANNOTATIONS-JSON]: $TMP/NAME/config.json.
bundle() {
	local dir=$TMP/$1
	mkdir -p "$dir"
	python3 - "$dir/config.json" "$RF" "$2" "${3:-[]}" "${4:-0}" "${5:-{\}}" <<'PY'
import json, sys
path, rootfs, args, env, mem, ann = sys.argv[1:7]
c = {"ociVersion": "1.0.2",
     "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": json.loads(args),
                 "env": json.loads(env), "cwd": "/"},
     "root": {"path": rootfs, "readonly": True},
     "annotations": json.loads(ann),
     "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
     "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}}
if int(mem):
    c["linux"]["resources"] = {"memory": {"limit": int(mem)}}
json.dump(c, open(path, "w"))
PY
}

# The shim's part: a child subreaper that runs create and start, then waits for the container's
# pid (from --pid-file) and prints "exit N" (or "signal N"). shim ID BUNDLE
shim() {
	run perl -e '
		syscall(157, 36, 1, 0, 0, 0) == 0 or die "prctl: $!";   # PR_SET_CHILD_SUBREAPER
		my ($oci, $root, $id, $b, $pf) = @ARGV;
		system($oci, "--root", $root, "create", "--bundle", $b, "--pid-file", $pf, $id) == 0
			or exit 90;
		open(my $f, "<", $pf) or exit 91;
		my $pid = <$f>;
		system($oci, "--root", $root, "start", $id) == 0 or exit 92;
		waitpid($pid, 0) == $pid or exit 93;
		printf "%s %d\n", ($? & 127) ? "signal" : "exit", ($? & 127) || ($? >> 8);
		exit 0;' "$PITH_OCI" "$STATE" "$1" "$TMP/$2" "$TMP/$1.pid"
}

# wait_status ID STATUS: up to 5 s for `state` to say STATUS.
wait_status() {
	local i
	for ((i = 0; i < 100; i++)); do
		oci state "$1" 2>/dev/null | grep -q "\"status\":\"$2\"" && return 0
		sleep 0.05
	done
	WHY="$1 never became $2: $(oci state "$1" 2>&1)"
	return 1
}

# want_state ID STATUS: state prints STATUS now.
want_state() {
	run "$PITH_OCI" --root "$STATE" state "$1"
	want_status 0 && want "\"status\":\"$2\"" "\"id\":\"$1\""
}

# started ID BUNDLE: create (its output in $TMP/ID.out) and start. Returns non-zero with WHY.
started() {
	oci create --bundle "$TMP/$2" --pid-file "$TMP/$1.pid" "$1" >"$TMP/$1.out" 2>&1 ||
		{ WHY="create $1 failed: $(cat "$TMP/$1.out")"; return 1; }
	oci start "$1" >>"$TMP/$1.out" 2>&1 || { WHY="start $1 failed: $(cat "$TMP/$1.out")"; return 1; }
}

# wait_output ID TEXT: up to 5 s for TEXT in the container's output.
wait_output() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qF -- "$2" "$TMP/$1.out" && return 0
		sleep 0.05
	done
	WHY="no '$2' in $1's output: $(head -c 300 "$TMP/$1.out" | tr '\n' '|')"
	return 1
}

# gone ID: no state folder, and the recorded process (pid $2) is dead or a zombie.
gone() {
	[ ! -e "$STATE/$1" ] || { WHY="$STATE/$1 is still there"; return 1; }
	[ -z "${2:-}" ] || [ ! -d "/proc/$2" ] || grep -q '^State:.*Z' "/proc/$2/status" ||
		{ WHY="process $2 of $1 is still alive"; return 1; }
}

t_lifecycle() {
	local pid
	oci create --bundle "$TMP/handler" --pid-file "$TMP/life.pid" life >"$TMP/life.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/life.out")"; return 1; }
	pid=$(cat "$TMP/life.pid")
	want_state life created && want "\"pid\":$pid" || return 1
	oci start life >>"$TMP/life.out" 2>&1 || { WHY="start: $(cat "$TMP/life.out")"; return 1; }
	want_state life running && wait_output life "waiting for SIGTERM" || return 1
	run "$PITH_OCI" --root "$STATE" ps --format json life
	want_status 0 && want_stdout "[$pid]" || return 1
	oci kill life TERM && wait_status life stopped && wait_output life "got SIGTERM" || return 1
	want_state life stopped && want "\"pid\":0" || return 1
	run "$PITH_OCI" --root "$STATE" ps --format json life
	want_stdout "[]" || return 1
	run "$PITH_OCI" --root "$STATE" delete life
	want_status 0 && gone life "$pid"
}

t_exit_status() {
	shim ex3 exit3
	want_status 0 && want "exit 3" "line one" "to stderr" || return 1
	shim hello hello
	want_status 0 && want "exit 0" "Hello from Pith" || return 1
	want_state ex3 stopped && oci delete ex3 && oci delete hello && gone ex3 && gone hello
}

t_kill_signals() {
	local spec pid
	for spec in "SIGTERM" "TERM" "15" "--all:KILL" "9" "sigkill"; do
		started ks handler || return 1
		pid=$(cat "$TMP/ks.pid")
		if [ "${spec%%:*}" = --all ]; then
			run "$PITH_OCI" --root "$STATE" kill --all ks "${spec#*:}"
		else
			run "$PITH_OCI" --root "$STATE" kill ks "$spec"
		fi
		want_status 0 && wait_status ks stopped || { WHY="kill $spec: $WHY"; return 1; }
		oci delete ks && gone ks "$pid" || return 1
	done
	started ks handler || return 1
	run "$PITH_OCI" --root "$STATE" kill ks NOSUCHSIG
	want_status 1 && want "invalid signal NOSUCHSIG" || return 1
	oci delete --force ks
}

t_pause_resume() {
	local pid
	started pr ticker || return 1
	pid=$(cat "$TMP/pr.pid")
	oci pause pr && want_state pr paused || return 1
	grep -q '^State:.*T' "/proc/$pid/status" || { WHY="monitor not stopped after pause"; return 1; }
	run "$PITH_OCI" --root "$STATE" pause pr
	want_status 1 && want "container not running" || return 1
	oci resume pr && want_state pr running || return 1
	grep -q '^State:.*T' "/proc/$pid/status" && { WHY="monitor still stopped"; return 1; }
	run "$PITH_OCI" --root "$STATE" resume pr
	want_status 1 && want "container not paused" || return 1
	oci delete --force pr && gone pr "$pid"
}

t_delete() {
	local pid
	started del handler || return 1
	pid=$(cat "$TMP/del.pid")
	run "$PITH_OCI" --root "$STATE" delete del
	want_status 1 && want "cannot delete container del that is not stopped: running" || return 1
	run "$PITH_OCI" --root "$STATE" delete --force del
	want_status 0 && gone del "$pid" || return 1
	run "$PITH_OCI" --root "$STATE" delete nosuch
	want_status 1 && want_stderr "pith-oci: container nosuch does not exist" || return 1
	run "$PITH_OCI" --root "$STATE" delete -f nosuch
	want_status 0
}

t_errors() {
	started er handler || return 1
	run "$PITH_OCI" --root "$STATE" create --bundle "$TMP/handler" er
	want_status 1 && want "container er already exists" || return 1
	run "$PITH_OCI" --root "$STATE" start er
	want_status 1 && want "cannot start a container that has already started" || return 1
	run "$PITH_OCI" --root "$STATE" exec --process /dev/null er
	want_status 1 && want "exec is not supported: a unikernel runs one process (container er)" ||
		return 1
	oci kill er KILL && wait_status er stopped || return 1
	run "$PITH_OCI" --root "$STATE" kill er TERM
	want_status 1 && want "container not running" || return 1
	run "$PITH_OCI" --root "$STATE" start er
	want_status 1 && want "cannot start a container that has already stopped" || return 1
	run "$PITH_OCI" --root "$STATE" state nosuch
	want_status 1 && want "container nosuch does not exist" || return 1
	run "$PITH_OCI" --root "$STATE" create --bundle "$TMP/handler" ../x
	want_status 1 && want "invalid container ID ../x" || return 1
	run "$PITH_OCI" --root "$STATE" frobnicate x
	want_status 1 && want "unknown command frobnicate" || return 1
	run "$PITH_OCI" --root "$STATE" create --bundle "$TMP/notpith" np
	want_status 1 && want "/bin/sh is not a Pith image" && gone np || return 1
	oci delete er
}

t_log_json() {
	local log=$TMP/log.json
	run "$PITH_OCI" --root "$STATE" --log "$log" --log-format json kill nosuch 9
	want_status 1 || return 1
	python3 -c '
import json, sys
l = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert l["level"] == "error" and l["msg"] == "container nosuch does not exist", l
assert l["time"].endswith("Z")' "$log" 2>"$TMP/log.err" ||
		{ WHY="bad JSON log line: $(cat "$log" "$TMP/log.err" | tr '\n' '|')"; return 1; }
	run "$PITH_OCI" --root "$STATE" --log "$TMP/log.txt" state nosuch
	grep -q '^time="[^"]*" level=error msg="container nosuch does not exist"$' "$TMP/log.txt" ||
		{ WHY="bad text log line: $(cat "$TMP/log.txt")"; return 1; }
}

t_stale_state() {
	local pid
	oci create --bundle "$TMP/handler" --pid-file "$TMP/st.pid" st >"$TMP/st.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/st.out")"; return 1; }
	pid=$(cat "$TMP/st.pid")
	kill -9 "$pid"
	wait_status st stopped || return 1
	run "$PITH_OCI" --root "$STATE" start st
	want_status 1 && want "cannot start a container that has already stopped" || return 1
	run "$PITH_OCI" --root "$STATE" delete st
	want_status 0 && gone st "$pid" || return 1
	mkdir "$STATE/half" # a create that died before recording anything
	run "$PITH_OCI" --root "$STATE" delete --force half
	want_status 0 && gone half
}

t_memory_env_args() {
	shim probe probe
	want_status 0 && want "exit 0" "mem_kib 98752" "arg0=/probe.pith" "arg1=--" "arg2=two words" \
		"FOO=bar baz" || return 1
	oci delete probe || return 1
	shim ann probe-ann
	want_status 0 && want "exit 0" "mem_kib 12288" || return 1
	oci delete ann || return 1
	run "$PITH_OCI" --root "$STATE" create --bundle "$TMP/probe-small" small
	want_status 1 && want "memory limit 3M is too small: Pith needs at least 4.07 MiB" && gone small
}

t_list() {
	started li handler || return 1
	run "$PITH_OCI" --root "$STATE" list
	want_status 0 && want_re '^li +[0-9]+ +running ' || return 1
	run "$PITH_OCI" --root "$STATE" list -q
	want_stdout li || return 1
	oci delete --force li
}

t_delegate_runc() {
	[ -x /usr/sbin/runc ] || { WHY="runc is not installed"; return 1; }
	shim deleg fallback
	want_status 0 && want "exit 0" "Hello from Pith" || return 1
	run "$PITH_OCI" --root "$STATE" state deleg
	want_status 0 && want '"status": "stopped"' || return 1
	run "$PITH_OCI" --root "$STATE" delete deleg
	want_status 0 && gone deleg || return 1
	[ -z "$(/usr/sbin/runc --root "$STATE/.runc" list -q)" ] || { WHY="runc still lists it"; return 1; }
}

# The monitor's reserve under a memory limit: a guest touching all its heap and stack must not
# get the monitor OOM-killed (it was, with a flat 2 MiB reserve, at 512M and 1G).
t_memory_reserve() {
	local left
	shim mres toucher
	want_status 0 && want "exit 0" "stack 7936 KiB" || { oci delete --force mres; return 1; }
	oci delete mres && gone mres || return 1
	left=$(find /sys/fs/cgroup -maxdepth 3 -path "*/$CGROUP_TOP/toucher")
	[ -z "$left" ] || { WHY="cgroups left: $left"; return 1; }
}

# consock SOCKET OUT: a console socket (as the shim's): takes the pty master sent with
# SCM_RIGHTS, copies what the container writes to OUT (raw bytes) until the pty closes.
consock() {
	python3 -c '
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_LEN(fds.itemsize))
for level, kind, data in anc:
    fds.frombytes(data[:fds.itemsize])
out = open(sys.argv[2], "wb")
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    out.write(b); out.flush()' "$1" "$2"
}

# The first bytes through the console are the guest's.
t_console() {
	local i
	consock "$TMP/con.sock" "$TMP/con.raw" &
	for ((i = 0; i < 100; i++)); do [ -S "$TMP/con.sock" ] && break; sleep 0.05; done
	oci create --bundle "$TMP/hello-tty" --console-socket "$TMP/con.sock" con ||
		{ WHY="create with a console failed"; return 1; }
	oci start con || { WHY="start failed"; return 1; }
	wait
	[ "$(head -c 16 "$TMP/con.raw")" = "Hello from Pith!" ] ||
		{ WHY="the console's first bytes: $(head -c 20 "$TMP/con.raw" | od -c | head -2)"; return 1; }
	oci delete con && gone con
}

# ps shows the container's process as "pith-oci --root ROOT init ID", comm "pith:ID".
t_proc_name() {
	local pid id=pn-abcdefghijkl
	oci create --bundle "$TMP/handler" --pid-file "$TMP/pn.pid" "$id" >"$TMP/pn.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/pn.out")"; return 1; }
	pid=$(cat "$TMP/pn.pid")
	[ "$(cat "/proc/$pid/comm")" = "pith:pn-abcdefg" ] ||
		{ WHY="comm is $(cat "/proc/$pid/comm")"; return 1; }
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed 's/ *$//')" = "pith-oci --root $STATE init $id" ] ||
		{ WHY="cmdline is $(tr '\0' ' ' <"/proc/$pid/cmdline")"; return 1; }
	want_state "$id" created || return 1
	oci start "$id" >>"$TMP/pn.out" 2>&1 && wait_output pn "waiting for SIGTERM" || return 1
	[ "$(cat "/proc/$pid/comm")" = "pith:pn-abcdefg" ] ||
		{ WHY="comm while running is $(cat "/proc/$pid/comm")"; return 1; }
	oci delete --force "$id" && gone "$id" "$pid"
}

# startsock ID MODE: play start on the stub's socket. MODE eof: read until EOF (5 s at most) and
# print what came and "eof" or "timeout"; MODE close: connect and hang up at once.
startsock() {
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
os.unlink(sys.argv[1])
if sys.argv[2] == "close":
    sys.exit(0)
s.settimeout(5)
got = b""
try:
    while True:
        b = s.recv(64)
        if not b:
            print(repr(got), "eof"); break
        got += b
except socket.timeout:
    print(repr(got), "timeout")' "$STATE/$1/start.sock" "$2"
}

# The monitor's ready byte is followed by EOF while the guest runs (its helper keeps no copy).
t_ready_eof() {
	local pid
	oci create --bundle "$TMP/handler" --pid-file "$TMP/re.pid" re >"$TMP/re.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/re.out")"; return 1; }
	pid=$(cat "$TMP/re.pid")
	startsock re eof >"$TMP/re.sock" 2>&1
	[ "$(cat "$TMP/re.sock")" = "b'R' eof" ] ||
		{ WHY="start's connection got $(cat "$TMP/re.sock")"; return 1; }
	wait_output re "waiting for SIGTERM" || return 1
	oci delete --force re && gone re "$pid"
}

# A start that hangs up before the guest runs (killed by its engine) does not kill the monitor
# with SIGPIPE when it says 'R'.
t_start_gone() {
	local pid
	oci create --bundle "$TMP/handler" --pid-file "$TMP/sg.pid" sg >"$TMP/sg.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/sg.out")"; return 1; }
	pid=$(cat "$TMP/sg.pid")
	startsock sg close || { WHY="cannot connect to the start socket"; return 1; }
	wait_output sg "waiting for SIGTERM" || return 1
	sleep 0.2
	grep -q '^State:.*[RS]' "/proc/$pid/status" ||
		{ WHY="the monitor died: $(cat "$TMP/sg.out")"; return 1; }
	oci delete --force sg && gone sg "$pid"
}

# start gives up (and kills the process) when the stub never answers.
t_start_timeout() {
	local pid
	oci create --bundle "$TMP/handler" --pid-file "$TMP/sto.pid" sto >"$TMP/sto.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/sto.out")"; return 1; }
	pid=$(cat "$TMP/sto.pid")
	kill -STOP "$pid"
	PITH_OCI_START_TIMEOUT=1 run --timeout 10 "$PITH_OCI" --root "$STATE" start sto
	want_status 1 && want "container sto: its process did not answer start within 1 s: killed it" ||
		{ kill -9 "$pid"; return 1; }
	wait_status sto stopped && oci delete sto && gone sto "$pid"
}

# A truncated state.json: a clear error; delete --force still removes the folder.
t_garbage_state() {
	local pid
	oci create --bundle "$TMP/handler" --pid-file "$TMP/gs.pid" gs >"$TMP/gs.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/gs.out")"; return 1; }
	pid=$(cat "$TMP/gs.pid")
	kill -9 "$pid"
	head -c 25 "$STATE/gs/state.json" >"$TMP/gs.json" && mv "$TMP/gs.json" "$STATE/gs/state.json"
	run "$PITH_OCI" --root "$STATE" state gs
	want_status 1 && want "container gs: its state file is unreadable" "delete --force gs" || return 1
	run "$PITH_OCI" --root "$STATE" delete gs
	want_status 1 || return 1
	run "$PITH_OCI" --root "$STATE" delete --force gs
	want_status 0 && gone gs "$pid"
}

# A recorded pid whose start time differs is another process: never signalled.
t_pid_reuse() {
	local pid
	started pu handler && wait_output pu "waiting for SIGTERM" || return 1
	pid=$(cat "$TMP/pu.pid")
	cp "$STATE/pu/state.json" "$TMP/pu.state"
	sed -i 's/"pid_start":\([0-9]*\)/"pid_start":1\1/' "$STATE/pu/state.json"
	run "$PITH_OCI" --root "$STATE" kill pu KILL
	want_status 1 && want "container not running" || return 1
	want_state pu stopped || return 1
	grep -q '^State:.*[RS]' "/proc/$pid/status" || { WHY="process $pid was signalled"; return 1; }
	cp "$TMP/pu.state" "$STATE/pu/state.json"
	oci delete --force pu && gone pu "$pid"
}

# Commands on one container wait for each other (a lock on its state folder).
t_lock() {
	local pid t0 ms
	started lk handler || return 1
	pid=$(cat "$TMP/lk.pid")
	flock "$STATE/lk" sleep 1.5 &
	sleep 0.3
	t0=$EPOCHREALTIME
	run "$PITH_OCI" --root "$STATE" kill lk KILL
	ms=$(((10#${EPOCHREALTIME//[.,]/} - 10#${t0//[.,]/}) / 1000))
	wait
	want_status 0 || return 1
	[ "$ms" -ge 900 ] || { WHY="kill did not wait for the lock (${ms} ms)"; return 1; }
	oci delete --force lk &
	oci delete --force lk &
	run "$PITH_OCI" --root "$STATE" delete --force lk
	wait
	want_status 0 && gone lk "$pid"
}

# The stub keeps only its stdio, the image and the start socket open.
t_stub_fds() {
	local pid n
	oci create --bundle "$TMP/handler" --pid-file "$TMP/sf.pid" sf >"$TMP/sf.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/sf.out")"; return 1; }
	pid=$(cat "$TMP/sf.pid")
	n=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
	[ "$n" = 5 ] || { WHY="the stub holds $n fds: $(ls -l "/proc/$pid/fd" | tr '\n' '|')"; return 1; }
	oci delete sf && gone sf "$pid"
}

# --help names every command and global option.
t_help() {
	local w
	run "$PITH_OCI" --help
	want_status 0 || return 1
	for w in --root --log --log-format --debug --systemd-cgroup --rootless --criu --version \
		create --bundle --pid-file --console-socket start run state kill --all delete --force \
		ps --format pause resume list exec update checkpoint restore events spec features; do
		grep -qE -- "(^|[ ,|[])$w([] ,|=:]|$)" "$OUT" || { WHY="--help does not mention $w"; return 1; }
	done
}

# Every hook kind runs at its step, in the runtime-spec's order, with the state on its stdin
# (config.md "POSIX-platform Hooks"); a failing prestart hook fails create and leaves nothing.
t_hooks() {
	local pid
	: >"$TMP/hooks.log"
	oci create --bundle "$TMP/hooks" --pid-file "$TMP/hk.pid" hk >"$TMP/hk.out" 2>&1 ||
		{ WHY="create: $(cat "$TMP/hk.out")"; return 1; }
	pid=$(cat "$TMP/hk.pid")
	run cat "$TMP/hooks.log"
	want_stdout "prestart hk created" "createRuntime hk created" "createContainer hk created" ||
		return 1
	oci start hk >>"$TMP/hk.out" 2>&1 && wait_status hk stopped ||
		{ WHY="start: $(cat "$TMP/hk.out")"; return 1; }
	oci delete hk || { WHY="delete failed"; return 1; }
	run cat "$TMP/hooks.log"
	want_stdout "prestart hk created" "createRuntime hk created" "createContainer hk created" \
		"startContainer hk created" "poststart hk running" "poststop hk stopped" &&
		gone hk "$pid" || return 1
	run "$PITH_OCI" --root "$STATE" create --bundle "$TMP/hooks-fail" hkf
	want_status 1 && want "prestart hook /bin/sh failed: exit status 7" && gone hkf
}

setup() {
	local g
	mkdir -p "$RF/bin" "$RF/proc" "$STATE" || return 1
	cp "$ROOT/build/hello.pith" "$RF/" || return 1
	for g in exit3 handler ticker; do
		"$PITH" build -o "$RF/$g.pith" "$ROOT/tests/ops/guests/$g.c" >/dev/null || return 1
	done
	cat >"$TMP/probe.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysinfo.h>
int main(int argc, char **argv)
{
	struct sysinfo si;

	sysinfo(&si);
	printf("mem_kib %lu\n", (unsigned long)(si.totalram * si.mem_unit / 1024));
	for (int i = 0; i < argc; i++)
		printf("arg%d=%s\n", i, argv[i]);
	printf("FOO=%s\n", getenv("FOO") ? getenv("FOO") : "(unset)");
	return 0;
}
EOF
	"$PITH" build -o "$RF/probe.pith" "$TMP/probe.c" >/dev/null || return 1
	cat >"$TMP/toucher.c" <<'EOF'
/* Touch every page the guest can get: the heap 64 KiB at a time, then argv[1] KiB of stack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static size_t deep(size_t kib)
{
	volatile char frame[60 * 1024];

	memset((char *)frame, 1, sizeof(frame));
	return kib <= 64 ? frame[0] : frame[1] + deep(kib - 64);
}
int main(int argc, char **argv)
{
	size_t n = 0, stack = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	char *p;

	while ((p = malloc(1 << 16))) {
		memset(p, 1, 1 << 16);
		n += 64;
	}
	printf("touched %zu KiB of heap\n", n);
	fflush(stdout);
	if (stack)
		printf("stack %zu KiB: %zu\n", stack, deep(stack));
	return 0;
}
EOF
	"$PITH" build -o "$RF/toucher.pith" "$TMP/toucher.c" >/dev/null || return 1
	musl-gcc -static -O2 -o "$RF/bin/hello" "$ROOT/examples/hello/hello.c" || return 1
	bundle hello '["/hello.pith"]'
	bundle exit3 '["/exit3.pith"]'
	bundle handler '["/handler.pith"]'
	bundle ticker '["/ticker.pith"]'
	bundle notpith '["/bin/sh"]'
	bundle probe '["/probe.pith", "--", "two words"]' '["FOO=bar baz", "NOEQUALS"]' 104857600
	bundle probe-ann '["/bin/x", "a"]' '[]' 0 '{"org.pith.image": "/probe.pith", "org.pith.mem": "12M"}'
	bundle probe-small '["/probe.pith"]' '[]' 3145728
	bundle fallback '["/bin/hello"]' '[]' 0 '{"org.pith.fallback": "runc"}'
	bundle hello-tty '["/hello.pith"]'
	sed -i 's/"terminal": false/"terminal": true/' "$TMP/hello-tty/config.json"
	cat >"$TMP/hook.sh" <<'EOF'
# A hook: records its kind, the container's id and status from the state on stdin.
state=$(cat)
id=${state#*\"id\":\"}
status=${state#*\"status\":\"}
echo "$1 ${id%%\"*} ${status%%\"*}" >>"${0%/*}/hooks.log"
exit "${2:-0}"
EOF
	bundle hooks '["/hello.pith"]'
	bundle hooks-fail '["/hello.pith"]'
	python3 - "$TMP" <<'PY2'
import json, sys
tmp = sys.argv[1]
def hook(kind, status=0):
    return [{"path": "/bin/sh", "args": ["sh", tmp + "/hook.sh", kind, str(status)]}]
kinds = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
for name, hooks in (("hooks", {k: hook(k) for k in kinds}), ("hooks-fail", {"prestart": hook("prestart", 7)})):
    p = tmp + "/" + name + "/config.json"
    c = json.load(open(p))
    c["hooks"] = hooks
    json.dump(c, open(p, "w"))
PY2
	bundle toucher '["/toucher.pith", "7936"]' '[]' 536870912
	python3 -c 'import json, sys; p = sys.argv[1]; c = json.load(open(p))
c["linux"]["cgroupsPath"] = sys.argv[2]; json.dump(c, open(p, "w"))' \
		"$TMP/toucher/config.json" "/$CGROUP_TOP/toucher"
}

setup || abort "cannot build the guests and bundles in $TMP"
check lifecycle t_lifecycle
check exit-status t_exit_status
check kill-signals t_kill_signals
check pause-resume t_pause_resume
check delete t_delete
check errors t_errors
check log t_log_json
check stale-state t_stale_state
check memory-env-args t_memory_env_args
check list t_list
check delegate-runc t_delegate_runc
check memory-reserve t_memory_reserve
check console t_console
check proc-name t_proc_name
check ready-eof t_ready_eof
check start-peer-gone t_start_gone
check start-timeout t_start_timeout
check garbage-state t_garbage_state
check pid-reuse t_pid_reuse
check lock t_lock
check stub-fds t_stub_fds
check help t_help
check hooks t_hooks
finish
