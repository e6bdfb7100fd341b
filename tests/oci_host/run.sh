#!/usr/bin/env bash
# pith-oci's host plumbing against the real kernel: the tap wired to a container's eth0 with tc
# (cli/oci_net.c), cgroups (cli/oci_cgroup.c), and pausing a monitor with SIGSTOP/SIGCONT.
#
# Usage: tests/oci_host/run.sh [NAME-REGEX]     (run only the tests whose names match)
# Environment: PITH (default build/bin/pith), NETWIRE (default build/tests/oci_host/netwire, the
# C driver built from tests/oci_host/netwire.c), OCI_HOST_PREFIX (default pho2: the prefix of
# every namespace, veth and cgroup folder the suite makes).
#
# Namespaces: "C" (the container: veth eth0 10.99.2.2/24, MTU 1400, default route via
# 10.99.2.1) and "P" (the peer: 10.99.2.1/24). Needs root, /dev/net/tun, /dev/kvm, iproute2 (ip,
# tc), ping and curl: without them it fails saying so. Everything it makes (namespaces, veths,
# cgroup folders, processes) is removed at exit (trap).
# shellcheck disable=SC2317,SC2015,SC2034  # functions called through check(); A && B || C; WHY
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
NETWIRE=${NETWIRE:-$ROOT/build/tests/oci_host/netwire}
PFX=${OCI_HOST_PREFIX:-pho2}
CNS=$PFX-c-$$ PNS=$PFX-p-$$ LNS=$PFX-l-$$ NNS=$PFX-n-$$ DNS=$PFX-d-$$
VETH=${PFX}v$$
CIP=10.99.2.2 PIP=10.99.2.1 MTU=1400
CG=$PFX-test-$$ SLICE=$PFX.slice
PIDS=()

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start oci_host "${1:-.}"
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

# ---- cleanup -----------------------------------------------------------------------------------

# Every cgroup mount point (v1 and v2) of this mount namespace.
cg_mounts() {
	awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) ~ /^cgroup2?$/) print $5 }' \
		/proc/self/mountinfo
}

# rmdir our cgroup folders (deepest first) in every hierarchy.
cg_cleanup() {
	local m d
	for m in $(cg_mounts); do
		for d in "$m/$CG" "$m/$SLICE"; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
}

cleanup() {
	local p n
	for p in "${PIDS[@]}"; do
		{ kill -KILL "$p" && wait "$p"; } 2>/dev/null
	done
	for n in "$CNS" "$PNS" "$LNS" "$NNS" "$DNS"; do
		ip netns del "$n" 2>/dev/null
	done
	cg_cleanup
	rm -rf "$TMP"
}

# ---- preconditions and setup ---------------------------------------------------------------------

preconditions() {
	local t
	[ "$(id -u)" = 0 ] || abort "the oci_host tests need root (namespaces, taps, cgroups): run as root"
	[ -c /dev/net/tun ] && (exec 9<>/dev/net/tun) 2>/dev/null ||
		abort "/dev/net/tun is absent or cannot be opened: the oci_host tests need tap devices"
	for t in ip tc ping curl; do
		command -v "$t" >/dev/null || abort "$t is missing: install iproute2, iputils-ping, curl"
	done
	require_kvm "the oci_host tests"
	[ -x "$PITH" ] || abort "$PITH missing: build Pith first (make all)"
	[ -x "$NETWIRE" ] || abort "$NETWIRE missing: make $NETWIRE"
	[ -f build/httpd.pith ] || abort "build/httpd.pith missing: make examples"
}

build_guests() {
	"$PITH" build -o "$TMP/ticker.pith" tests/ops/guests/ticker.c >"$TMP/build.log" 2>&1 &&
		"$PITH" build -o "$TMP/touch.pith" tests/oci_host/guests/touch.c >>"$TMP/build.log" 2>&1 ||
		abort "pith build of the guests failed: $(head -c 600 "$TMP/build.log" | tr '\n' '|')"
}

# C: eth0 (veth, MTU 1400) 10.99.2.2/24 + default route; P: its peer 10.99.2.1/24.
net_setup() {
	ip netns add "$CNS" && ip netns add "$PNS" &&
		ip link add "$VETH" mtu "$MTU" type veth peer name "${VETH}p" mtu "$MTU" &&
		ip link set "$VETH" netns "$CNS" && ip link set "${VETH}p" netns "$PNS" &&
		ip -n "$CNS" link set "$VETH" name eth0 &&
		ip -n "$CNS" link set lo up && ip -n "$PNS" link set lo up &&
		ip -n "$CNS" addr add "$CIP/24" dev eth0 && ip -n "$CNS" link set eth0 up &&
		ip -n "$PNS" addr add "$PIP/24" dev "${VETH}p" && ip -n "$PNS" link set "${VETH}p" up &&
		ip -n "$CNS" route add default via "$PIP" ||
		abort "cannot set up the namespaces $CNS and $PNS"
	CMAC=$(ip -n "$CNS" -o link show eth0 | sed -n 's|.*link/ether \([0-9a-f:]*\) .*|\1|p')
	PMAC=$(ip -n "$PNS" -o link show "${VETH}p" | sed -n 's|.*link/ether \([0-9a-f:]*\) .*|\1|p')
}

preconditions
build_guests
net_setup

# ---- helpers -------------------------------------------------------------------------------------

# in_c CMD...: CMD in the container's namespace; in_p: in the peer's.
in_c() { ip netns exec "$CNS" "$@"; }
in_p() { ip netns exec "$PNS" "$@"; }

# unwire: oci_net__unwire of C's eth0 succeeded.
unwire() {
	"$NETWIRE" unwire "/run/netns/$CNS" eth0 >"$TMP/unwire.out" 2>&1 && return 0
	WHY="unwire failed: $(cat "$TMP/unwire.out")"
	return 1
}

# C holds no tap and no ingress qdisc.
want_c_clean() {
	local taps q
	taps=$(ip -n "$CNS" -o link show type tun)
	q=$(in_c tc qdisc show | grep ingress)
	[ -z "$taps$q" ] && return 0
	WHY="left behind in $CNS: $(printf '%s %s' "$taps" "$q" | tr '\n' '|')"
	return 1
}

# The cgroup folder of hierarchy "memory" (v1), else the v2 mount.
memory_mount() {
	local m
	for m in $(cg_mounts); do
		[ -f "$m/memory.limit_in_bytes" ] && { echo "$m"; return; }
	done
	for m in $(cg_mounts); do
		grep -qw memory "$m/cgroup.controllers" 2>/dev/null && { echo "$m"; return; }
	done
}

# ---- the network plumbing --------------------------------------------------------------------------

# While wired: what the driver found, the qdiscs, both filters, the tap's MTU.
t_wire_facts() {
	# shellcheck disable=SC2016  # expanded by the sh inside the namespace
	local show='tc qdisc show; for d in $(ls /sys/class/net); do echo "== $d";
		tc filter show dev $d ingress; done; ip -o link show type tun'
	run ip netns exec "$CNS" "$NETWIRE" with sh -c "$show"
	want_status 0 && want "ifname eth0" "mac $CMAC" "addr $CIP/24" "gateway $PIP" "mtu $MTU" ||
		return 1
	TAP=$(sed -n 's/^tap //p' "$OUT")
	[[ $TAP =~ ^pith[0-9]+$ ]] || { WHY="tap name '$TAP'$(snippet)"; return 1; }
	want_re "^qdisc ingress ffff: dev eth0 parent ffff:fff1" &&
		want_re "^qdisc ingress ffff: dev $TAP parent ffff:fff1" &&
		want_re "^[0-9]+: $TAP: .* mtu $MTU " || return 1
	# each interface's section of the filter listing redirects to the other
	sed -n -e 's/^== \(.*\)/\1/p' -e 's/.*Egress Redirect to device \([^)]*\)).*/->\1/p' "$OUT" |
		awk '/^->/ { print d $0; next } { d = $0 }' | sort >"$TMP/redirects"
	printf '%s\n' "eth0->$TAP" "$TAP->eth0" | sort | cmp -s - "$TMP/redirects" && return 0
	WHY="redirects: $(tr '\n' ' ' <"$TMP/redirects")$(snippet)"
	return 1
}

# net_check NAME FUNC: check, then put C back as it was (a failed test leaves nothing behind).
net_check() {
	check "$@"
	"$NETWIRE" unwire "/run/netns/$CNS" eth0 >/dev/null 2>&1
}

# After the driver exited the tap is gone but eth0's qdisc stays until unwire removes it.
t_unwire() {
	in_c "$NETWIRE" with true >/dev/null || { WHY="wire failed"; return 1; }
	[ -z "$(ip -n "$CNS" -o link show type tun)" ] || { WHY="the tap outlived its fd"; return 1; }
	in_c tc qdisc show dev eth0 | grep -q ingress || { WHY="no ingress qdisc before unwire"; return 1; }
	unwire && want_c_clean || return 1
	unwire || return 1 # again: nothing left to remove is fine
}

# A ping from P makes P's ARP request arrive on the tap.
t_arp_in() {
	ip -n "$PNS" neigh flush all
	run ip netns exec "$CNS" "$NETWIRE" arp-in ip netns exec "$PNS" ping -c 2 -W 1 "$CIP"
	want_status 0 && want "arp request on the tap: who-has $CIP tell $PIP (from $PMAC)" || return 1
	unwire && want_c_clean
}

# A frame written into the tap leaves through eth0: P learns eth0's MAC and its reply comes back.
t_arp_out() {
	ip -n "$PNS" neigh flush all
	run ip netns exec "$CNS" "$NETWIRE" arp-out
	want_status 0 && want "arp reply on the tap: $PIP is-at $PMAC" || return 1
	ip -n "$PNS" neigh show "$CIP" | grep -q "lladdr $CMAC" ||
		{ WHY="P has no neighbour entry $CIP -> $CMAC: $(ip -n "$PNS" neigh)"; return 1; }
	unwire && want_c_clean
}

# An ingress qdisc already on eth0: a clear error, and neither tap nor extra qdisc is left.
t_wire_undo() {
	in_c tc qdisc add dev eth0 ingress || { WHY="cannot add a qdisc for the test"; return 1; }
	run ip netns exec "$CNS" "$NETWIRE" with true
	want_status 1 && want "wire failed: tc: adding the ingress qdisc on eth0: File exists" || return 1
	[ -z "$(ip -n "$CNS" -o link show type tun)" ] || { WHY="a tap was left behind"; return 1; }
	in_c tc qdisc del dev eth0 ingress && want_c_clean
}

# A namespace with only lo, and one whose eth0 has no IPv4 address: no network, no error.
t_no_network() {
	ip netns add "$LNS" && ip -n "$LNS" link set lo up || { WHY="netns"; return 1; }
	run ip netns exec "$LNS" "$NETWIRE" with true
	want_status 0 && want "tap_fd -1" && want_re '^ifname $' || return 1
	ip netns add "$NNS" && ip -n "$NNS" link add eth0 type veth peer name eth1 &&
		ip -n "$NNS" link set eth0 up && ip -n "$NNS" link set eth1 up || { WHY="veth"; return 1; }
	run ip netns exec "$NNS" "$NETWIRE" with sh -c 'tc qdisc show | grep ingress; true'
	want_status 0 && want "tap_fd -1" && want_absent ingress
}

# unwire of a namespace that was deleted, and of an interface that does not exist: 0.
t_unwire_gone() {
	ip netns add "$DNS" && ip netns del "$DNS" || { WHY="netns"; return 1; }
	run "$NETWIRE" unwire "/run/netns/$DNS" eth0
	want_status 0 && want_stdout "unwire 0" || return 1
	run "$NETWIRE" unwire "/run/netns/$CNS" nosuch0
	want_status 0 && want_stdout "unwire 0"
}

# ---- a real guest on the wired tap; pause and resume ------------------------------------------------

httpd_start() {
	ip netns exec "$CNS" "$NETWIRE" exec "$PITH" build/httpd.pith 8080 >"$TMP/httpd.out" 2>&1 &
	HTTPD=$! # ip netns exec execs the driver, which execs pith: this is the monitor's pid
	PIDS+=("$HTTPD")
	wait_for 10 grep -q "listening" "$TMP/httpd.out" && return 0
	WHY="httpd did not start: $(tr '\n' '|' <"$TMP/httpd.out")"
	return 1
}

# curl_code SECONDS: the HTTP status of / from P ("000": none).
curl_code() {
	in_p curl -s -o "$TMP/page" -w '%{http_code}' -m "$1" "http://$CIP:8080/"
}

t_httpd() {
	local code
	httpd_start || return 1
	code=$(curl_code 5)
	[ "$code" = 200 ] && grep -q "<" "$TMP/page" || { WHY="curl from P got '$code'"; return 1; }
	kill -STOP "$HTTPD"
	grep -q '^State:.*T' "/proc/$HTTPD/status" || { WHY="the monitor is not stopped"; return 1; }
	code=$(curl_code 1)
	[ "$code" = 000 ] || { WHY="a paused httpd answered ($code)"; return 1; }
	kill -CONT "$HTTPD"
	for _ in 1 2 3; do
		code=$(curl_code 5)
		[ "$code" = 200 ] || { WHY="after resume curl got '$code'"; return 1; }
	done
	kill -TERM "$HTTPD"
	wait "$HTTPD"
	unwire && want_c_clean
}

# ticker under SIGSTOP for 1 s: nothing printed meanwhile, then every tick in order and exit 0.
t_pause_ticker() {
	local before after
	"$PITH" run "$TMP/ticker.pith" 20 >"$TMP/tick.out" 2>"$TMP/tick.err" &
	local pid=$!
	PIDS+=("$pid")
	wait_for 5 grep -q "tick 3" "$TMP/tick.out" || { WHY="ticker did not tick"; return 1; }
	kill -STOP "$pid"
	sleep 0.2 # output already in flight lands
	before=$(wc -l <"$TMP/tick.out")
	grep -q '^State:.*T' "/proc/$pid/status" || { WHY="the monitor is not stopped"; return 1; }
	sleep 1
	after=$(wc -l <"$TMP/tick.out")
	kill -CONT "$pid"
	wait "$pid"
	local st=$?
	[ "$before" = "$after" ] || { WHY="output during the pause ($before -> $after lines)"; return 1; }
	[ "$st" = 0 ] || { WHY="status $st: $(cat "$TMP/tick.err")"; return 1; }
	{ seq 1 20 | sed 's/^/tick /'; echo "ticker done"; } | cmp -s - "$TMP/tick.out" && return 0
	WHY="output after resume: $(tr '\n' '|' <"$TMP/tick.out")"
	return 1
}

# 30 quick stop/continue pairs, at random points: the guest still finishes correctly.
t_pause_storm() {
	"$PITH" run "$TMP/ticker.pith" 15 >"$TMP/storm.out" 2>"$TMP/storm.err" &
	local pid=$! st
	PIDS+=("$pid")
	sleep 0.2
	for _ in $(seq 30); do
		kill -STOP "$pid"
		sleep "0.0$((RANDOM % 5))"
		kill -CONT "$pid"
		sleep "0.0$((RANDOM % 5))"
	done
	wait "$pid"
	st=$?
	[ "$st" = 0 ] || { WHY="status $st: $(cat "$TMP/storm.err")"; return 1; }
	{ seq 1 15 | sed 's/^/tick /'; echo "ticker done"; } | cmp -s - "$TMP/storm.out" && return 0
	WHY="output: $(tr '\n' '|' <"$TMP/storm.out")"
	return 1
}

# ---- cgroups -------------------------------------------------------------------------------------

# A sleeping process joined to /CG/x with a 16 MiB limit: in every hierarchy, limit held; removed.
t_cg_join() {
	local pid n mem
	sleep 60 &
	pid=$!
	PIDS+=("$pid")
	run "$NETWIRE" cg-join "/$CG/x" "$pid" 16777216
	want_status 0 || return 1
	n=$(sed -n 's/^joined //p' "$OUT")
	[ "$(grep -c ":/$CG/x\$" "/proc/$pid/cgroup")" = "$n" ] && [ "$n" -gt 0 ] ||
		{ WHY="joined $n, /proc/$pid/cgroup: $(tr '\n' ' ' <"/proc/$pid/cgroup")"; return 1; }
	grep -q "memory:/$CG/x\$" "/proc/$pid/cgroup" ||
		grep -q "^0::/$CG/x\$" "/proc/$pid/cgroup" || { WHY="not in the memory cgroup"; return 1; }
	mem=$(memory_mount)
	[ "$(cat "$mem/$CG/x/memory.limit_in_bytes" 2>/dev/null || cat "$mem/$CG/x/memory.max")" = \
		16777216 ] || { WHY="the memory limit is not 16777216 in $mem/$CG/x"; return 1; }
	kill "$pid"
	wait "$pid" 2>/dev/null
	grep '^/' "$OUT" >"$TMP/created"
	run "$NETWIRE" cg-remove "$TMP/created"
	want_stdout "remove 0" || return 1
	while read -r d; do
		[ ! -d "$d" ] || { WHY="$d is left"; return 1; }
	done <"$TMP/created"
}

# A native process touching 64 MiB under a 16 MiB limit is OOM-killed; one touching 4 MiB is not.
t_cg_oom_native() {
	run "$NETWIRE" cg-run "/$CG/oom" 16777216 "$NETWIRE" touch 64
	want_re "^joined [1-9][0-9]*$" && want_re "^signal 9$" && want_re "^remove 0$" &&
		want_absent "touched" || return 1
	run "$NETWIRE" cg-run "/$CG/oom" 16777216 "$NETWIRE" touch 4
	want_re "^touched 4 MiB$" && want_re "^status 0$" && want_re "^remove 0$"
}

# pith run --mem 96M under a 24 MiB limit: a guest touching 64 MiB kills the monitor; 8 MiB runs.
t_cg_oom_guest() {
	run "$NETWIRE" cg-run "/$CG/oom" 25165824 "$PITH" run --mem 96M "$TMP/touch.pith" 64
	want_re "^signal 9$" && want_re "^remove 0$" && want_absent "touched 64" || return 1
	run "$NETWIRE" cg-run "/$CG/oom" 25165824 "$PITH" run --mem 96M "$TMP/touch.pith" 8
	want_re "^touched 8 MiB$" && want_re "^status 0$" && want_re "^remove 0$"
}

# pith-oci's sizing (guest memory = limit - 2 MiB - limit/64, cli/oci_create.c): a guest using
# most of its 61 MiB runs under a 64 MiB limit.
t_cg_fit() {
	run "$NETWIRE" cg-run "/$CG/fit" 67108864 "$PITH" run --mem 61M "$TMP/touch.pith" 48
	want_re "^touched 48 MiB$" && want_re "^status 0$" && want_re "^remove 0$"
}

# systemd's "slice:prefix:name" (runc's convention) and nested slices; nothing left after.
t_cg_systemd() {
	run "$NETWIRE" cg-run "$SLICE:pith:abc" 0 cat /proc/self/cgroup
	want_re ":/$SLICE/pith-abc.scope$" && want_re "^remove 0$" || return 1
	run "$NETWIRE" cg-run "$PFX-a.slice:docker:$CG" 0 cat /proc/self/cgroup
	want_re ":/$SLICE/$PFX-a.slice/docker-$CG.scope$" && want_re "^remove 0$" || return 1
	for m in $(cg_mounts); do
		[ ! -d "$m/$SLICE" ] || { WHY="$m/$SLICE is left"; return 1; }
	done
}

# Malformed paths are refused before anything is made.
t_cg_malformed() {
	local p
	for p in "a:b" "/x/../y" "$PFX--x.slice:p:n" "x.slice:p:" "noslice:p:n"; do
		run "$NETWIRE" cg-join "$p" $$ 0
		want_status 1 && want_re "^joined -1$" && want "malformed cgroups path" || return 1
	done
}

net_check wire_facts t_wire_facts
net_check unwire t_unwire
net_check arp_in t_arp_in
net_check arp_out t_arp_out
net_check wire_undo t_wire_undo
check no_network t_no_network
check unwire_gone t_unwire_gone
net_check httpd_tap_pause t_httpd
check pause_ticker t_pause_ticker
check pause_storm t_pause_storm
check cg_join t_cg_join
check cg_oom_native t_cg_oom_native
check cg_oom_guest t_cg_oom_guest
check cg_fit t_cg_fit
check cg_systemd t_cg_systemd
check cg_malformed t_cg_malformed
finish
