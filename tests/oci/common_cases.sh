# The cases every engine runs (sourced by tests/oci/run.sh), written against an adapter that
# tests/oci/{containerd,podman,docker}.sh define:
#   e_run NAME ROOTFS CMD [ARGS]   run in the foreground with --rm (sets OUT, ERR, STATUS)
#   e_bg NAME ROOTFS CMD [ARGS]    the same in the background (attached, --rm): BG_PID, log
#                                  $TMP/NAME.log; finish with bg_wait
#   e_id NAME                      the id the engine gives the runtime
#   e_stop / e_kill9 / e_pause / e_resume NAME, e_status NAME (created|running|paused|...)
#   e_root                         the --root the engine gives pith-oci
#   E_NETNS                        a namespace to look into for taps after a run ("" if none)
# ROOTFS names a folder under $TMP/rootfs (for docker: the image made from it). RUN_ENV holds
# NAME=VALUE pairs for the container's environment.
# shellcheck shell=bash disable=SC2317,SC2034
RUN_ENV=()

# ---- guests and root filesystems ---------------------------------------------------------------

# rootfs NAME: make $TMP/rootfs/NAME and print its path.
rootfs() {
	mkdir -p "$TMP/rootfs/$1" && echo "$TMP/rootfs/$1"
}

build_guests() {
	local g dir
	for g in exit3 handler ticker; do
		dir=$(rootfs "$g")
		"$PITH" build -o "$dir/$g.pith" "tests/ops/guests/$g.c" >"$TMP/build.log" 2>&1 ||
			abort "pith build of $g failed: $(head -c 600 "$TMP/build.log" | tr '\n' '|')"
	done
	cp "$ROOT/build/hello.pith" "$(rootfs hello)/hello.pith" || abort "build/hello.pith missing"
	cp "$ROOT/build/httpd.pith" "$(rootfs httpd)/httpd.pith" || abort "build/httpd.pith missing"
	dir=$(rootfs noimg) # not a Pith image: a script
	printf '#!/bin/sh\necho not a unikernel\n' >"$dir/run.sh"
	chmod 755 "$dir/run.sh"
	# A symlink out of the rootfs to a host file that exists, and that no engine puts into a
	# container (they add /etc/hostname and the like: resolved inside the rootfs, those are not
	# an escape).
	dir=$(rootfs escape)
	ln -s "../../../../../../../../../..$ROOT/Makefile" "$dir/app.pith"
}

# ---- waiting --------------------------------------------------------------------------------------

# wait_log NAME TEXT [SECONDS]: the background container's log gets a line containing TEXT.
wait_log() {
	local i limit=${3:-20}
	for ((i = 0; i < limit * 10; i++)); do
		grep -qF -- "$2" "$TMP/$1.log" 2>/dev/null && return 0
		oci_alive "$BG_PID" || break
		sleep 0.1
	done
	grep -qF -- "$2" "$TMP/$1.log" 2>/dev/null && return 0
	WHY="no '$2' from the container: $(head -c 400 "$TMP/$1.log" 2>/dev/null | tr '\n' '|')"
	return 1
}

# bg_wait [SECONDS]: wait for the background engine command; STATUS = its exit status.
bg_wait() {
	local limit=${1:-30} rc
	[ -n "${BG_PID:-}" ] || { STATUS=none; WHY="no background run"; return 1; }
	if ! oci_wait_gone "$BG_PID" "$limit"; then
		kill -KILL "$BG_PID" 2>/dev/null
		wait "$BG_PID" 2>/dev/null
		BG_PID="" STATUS=timeout
		WHY="the engine's run did not end within $limit s"
		return 1
	fi
	wait "$BG_PID" 2>/dev/null
	rc=$?
	BG_PID="" STATUS=$rc
}

# wait_running NAME: the engine (e_status) shows the container running (10 s).
wait_running() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(e_status "$1" 2>/dev/null)" = running ] && return 0
		oci_alive "$BG_PID" || break
		sleep 0.1
	done
	WHY="the container never showed as running: $(head -c 300 "$TMP/$1.log" | tr '\n' '|')"
	return 1
}

# bg_abort NAME: a step failed: SIGKILL the container, wait for the engine; returns 1.
bg_abort() {
	local why=$WHY
	e_kill9 "$1" >/dev/null 2>&1
	bg_wait 15
	WHY=$why
	return 1
}

# bg_want_status N NAME: the background run's status, with the log in the message.
bg_want_status() {
	[ "$STATUS" = "$1" ] && return 0
	WHY="exit status $STATUS, expected $1: $(head -c 400 "$TMP/$2.log" | tr '\n' '|')"
	return 1
}

# ---- leftovers ------------------------------------------------------------------------------------

# pith_pids_with TEXT: pids of pith / pith-oci processes whose command line holds TEXT.
pith_pids_with() {
	local pid exe
	for pid in $(oci_pids_with "$1"); do
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
		[[ $exe == */pith ]] && echo "$pid"
	done
	return 0
}

# no_leftovers CID [NETNS]: no pith-oci process, state folder or cgroup folder for CID, and in
# NETNS (if given) no pith tap and no ingress qdisc on eth0. Engines clean up after the exit is
# reported (podman's cleanup process, for one): allow them 10 s.
no_leftovers() {
	local i
	for ((i = 0; i < 50; i++)); do
		leftovers__none "$@" && return 0
		sleep 0.2
	done
	leftovers__none "$@"
}

leftovers__none() {
	local cid=$1 ns=${2:-} left=""
	[ -n "$cid" ] || { WHY="no container id was recorded (an earlier step failed)"; return 1; }
	[ -z "$(pith_pids_with "$cid")" ] || left="$left process(es) $(pith_pids_with "$cid" | tr '\n' ' ');"
	[ ! -e "$(e_root)/$cid" ] || left="$left state folder $(e_root)/$cid;"
	[ -z "$(oci_cgroups_named "$cid")" ] || left="$left cgroup(s) $(oci_cgroups_named "$cid" | tr '\n' ' ');"
	if [ -n "$ns" ]; then
		ip -n "$ns" -o link show | grep -qE '^[0-9]+: pith[0-9]+' && left="$left a pith tap in $ns;"
		tc -n "$ns" qdisc show dev eth0 2>/dev/null | grep -q ingress && left="$left an ingress qdisc on eth0 in $ns;"
	fi
	[ -z "$left" ] && return 0
	WHY="left behind:$left"
	return 1
}

# state_dir_exists CID: pith-oci keeps its state where we think the engine put its --root.
state_dir_exists() {
	[ -d "$(e_root)/$1" ] && return 0
	WHY="no state folder $(e_root)/$1 while the container runs (wrong --root?)"
	return 1
}

# ---- a container network namespace with a peer: NS_C (eth0 10.R.S.2/24) <-> NS_P (.1) ----------

NET_NS=() NET_PREFIX=10.199.$(($$ % 200 + 20))
net_setup() {
	NS_C=pithoci-$$-c NS_P=pithoci-$$-p
	ip netns add "$NS_C" && NET_NS+=("$NS_C") && ip netns add "$NS_P" && NET_NS+=("$NS_P") &&
		ip link add "po$$a" type veth peer name "po$$b" &&
		ip link set "po$$a" netns "$NS_C" && ip -n "$NS_C" link set "po$$a" name eth0 &&
		ip link set "po$$b" netns "$NS_P" &&
		ip -n "$NS_C" addr add "$NET_PREFIX.2/24" dev eth0 &&
		ip -n "$NS_P" addr add "$NET_PREFIX.1/24" dev "po$$b" &&
		ip -n "$NS_C" link set lo up && ip -n "$NS_C" link set eth0 up &&
		ip -n "$NS_P" link set lo up && ip -n "$NS_P" link set "po$$b" up &&
		ip -n "$NS_C" route add default via "$NET_PREFIX.1"
}

net_cleanup() {
	local ns
	for ns in "${NET_NS[@]}"; do
		ip netns delete "$ns" 2>/dev/null
	done
	NET_NS=()
}

# curl_from NS URL [SECONDS]: retry until an HTTP 200 (httpd may take a moment); sets WHY.
curl_from() {
	local ns=$1 url=$2 limit=${3:-15} i code
	for ((i = 0; i < limit * 4; i++)); do
		code=$(ip netns exec "$ns" curl -s -o "$TMP/curl.out" -w '%{http_code}' -m 1 "$url")
		[ "$code" = 200 ] && return 0
		[ -n "$BG_PID" ] && ! oci_alive "$BG_PID" && break
		sleep 0.25
	done
	WHY="no HTTP 200 from $url in $ns (last code ${code:-none})"
	return 1
}

# ---- the cases ------------------------------------------------------------------------------------

t_hello() {
	RUN_ENV=(GREETING=hi)
	e_run "$(cname hello)" hello /hello.pith one two
	RUN_ENV=()
	want_status 0 && want "Hello from Pith!" "argv[1] = one" "argv[2] = two" "GREETING = hi"
}

t_exit3() {
	e_run "$(cname exit3)" exit3 /exit3.pith
	want_status 3 && want "line one" "line two" "to stderr"
}

# stop: the guest's SIGTERM handler runs and its status is the container's.
t_stop() {
	local n
	n=$(cname stop)
	STOP_CID=""
	e_bg "$n" handler /handler.pith
	wait_log "$n" "waiting for SIGTERM" || bg_abort "$n" || return 1
	STOP_CID=$(e_id "$n")
	state_dir_exists "$STOP_CID" || bg_abort "$n" || return 1
	e_stop "$n" >"$TMP/stop.out" 2>&1 || { WHY="stop failed: $(head -c 300 "$TMP/stop.out")"; return 1; }
	bg_wait && bg_want_status 0 "$n" && wait_log "$n" "got SIGTERM, exiting cleanly" 1
}

t_stop_clean() { no_leftovers "${STOP_CID:-}"; }

t_kill9() {
	local n
	n=$(cname kill9)
	KILL_CID=""
	e_bg "$n" handler /handler.pith
	wait_log "$n" "waiting for SIGTERM" || bg_abort "$n" || return 1
	KILL_CID=$(e_id "$n")
	e_kill9 "$n" >"$TMP/kill.out" 2>&1 || { WHY="kill failed: $(head -c 300 "$TMP/kill.out")"; return 1; }
	bg_wait && bg_want_status 137 "$n" || return 1
	grep -qF "got SIGTERM" "$TMP/$n.log" && { WHY="SIGKILL ran the SIGTERM handler"; return 1; }
	return 0
}

t_kill9_clean() { no_leftovers "${KILL_CID:-}"; }

# ticks NAME: how many tick lines the container printed so far.
ticks() { grep -c '^tick ' "$TMP/$1.log" 2>/dev/null; }

t_pause() {
	local n a b i s
	n=$(cname pause)
	e_bg "$n" ticker /ticker.pith 600
	wait_log "$n" "tick 2" || bg_abort "$n" || return 1
	e_pause "$n" >"$TMP/pause.out" 2>&1 ||
		{ WHY="pause failed: $(head -c 300 "$TMP/pause.out")"; bg_abort "$n"; return 1; }
	s=$(e_status "$n")
	sleep 0.3
	a=$(ticks "$n")
	sleep 1
	b=$(ticks "$n")
	e_resume "$n" >"$TMP/resume.out" 2>&1 ||
		{ WHY="resume failed: $(head -c 300 "$TMP/resume.out")"; bg_abort "$n"; return 1; }
	for ((i = 0; i < 30; i++)); do
		[ "$(ticks "$n")" -gt "$b" ] && break
		sleep 0.1
	done
	local c
	c=$(ticks "$n")
	e_kill9 "$n" >/dev/null 2>&1
	bg_wait
	[ "$s" = paused ] || { WHY="the engine shows '$s' while paused"; return 1; }
	[ "$a" = "$b" ] || { WHY="ticks went on while paused ($a -> $b)"; return 1; }
	[ "$c" -gt "$b" ] || { WHY="no tick after resume ($b -> $c)"; return 1; }
}

t_err_noimg() {
	e_run "$(cname noimg)" noimg /run.sh
	want_status 0 && { WHY="a container without a Pith image ran"; return 1; }
	want "is not a Pith image"
}

t_err_missing() {
	e_run "$(cname missing)" hello /missing.pith
	want_status 0 && { WHY="a missing image ran"; return 1; }
	want "no such file in the container's rootfs"
}

t_err_escape() {
	e_run "$(cname escape)" escape /app.pith
	want_status 0 && { WHY="an escaping symlink ran"; return 1; }
	want "leads outside the container's rootfs"
}

# A malformed config.json (invalid JSON: cut short). No engine writes one (each serialises a
# struct), so pith-oci is called directly with this engine's exact command line (e_cmdline);
# the engine would show the --log line (containerd, docker) or stderr (podman, through conmon).
t_err_malformed() {
	local b=$TMP/malformed id
	id=$(cname malformed)
	mkdir -p "$b/rootfs" && cp "$TMP/rootfs/hello/hello.pith" "$b/rootfs/" || return 1
	printf '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["/hello.pith"]' \
		>"$b/config.json"
	local -a cmd
	mapfile -t cmd < <(e_cmdline "$b" "$id")
	cd "$b" || return 1 # engines run the runtime in the bundle
	run --timeout 30 "${cmd[@]}"
	cd "$ROOT" || return 1
	want_status 1 && want_re '^pith-oci: .*config\.json' || return 1
	[ -e "$(e_root)/$id" ] && { WHY="a state folder was left: $(e_root)/$id"; return 1; }
	[ -f "$b/log.json" ] || return 0
	perl -MJSON::PP -ne 'my $l = $_; $j = decode_json($l) } END {
		exit !($j && $j->{level} eq "error" && $j->{msg} =~ /config\.json/)' "$b/log.json" && return 0
	WHY="the --log's last line is not a JSON error naming config.json: $(tail -c 300 "$b/log.json")"
	return 1
}

# pith pack's image, loaded into the engine and run by its own name and entrypoint (the engine's
# e_pack_run): exit3's output and status come back.
t_pack() {
	local tag=pithoci-pack-$$
	"$PITH" pack -o "$TMP/pack.tar" -t "$tag" "$TMP/rootfs/exit3/exit3.pith" >"$TMP/pack.log" 2>&1 ||
		{ WHY="pith pack failed: $(head -c 300 "$TMP/pack.log")"; return 1; }
	e_pack_run "$(cname pack)" "$TMP/pack.tar" "$tag" || return 1
	want_status 3 && want "line one" "line two"
}

# cname WHAT: a container name unique to this run.
cname() { echo "pithoci-$$-$1"; }

# The cases every engine has, in order.
common_tests() {
	check hello t_hello
	check exit-3 t_exit3
	check stop-runs-sigterm-handler t_stop
	check stop-leaves-nothing t_stop_clean
	check kill-9 t_kill9
	check kill-9-leaves-nothing t_kill9_clean
	check pause-resume t_pause
	check packed-image-runs t_pack
	check error-not-a-pith-image t_err_noimg
	check error-missing-image t_err_missing
	check error-symlink-escape t_err_escape
	check error-malformed-config-json t_err_malformed
}
