#!/usr/bin/env bash
# Network tests: guests on a tap in a network namespace of their own, the host's Linux stack as
# the peer; plus passt forwarding, hostile frames, and specialisation.
#
# Usage: tests/net/run.sh [NAME-REGEX]     (run only the tests whose names match)
# Environment: PITH (default build/bin/pith); NET_MODE=pith (default) boots the guest programs
# with `pith run`; NET_MODE=native runs the same programs as Linux processes in a second
# namespace, bridged to the first by tools/impair (checks the harness and the tools against
# Linux's stack); NET_BULK_BYTES (default 100000000) per direction in the impaired bulk test.
#
# Each case creates its namespace "pnt<PID>h" holding the tap pt0 (10.0.7.1/24), which the guest
# opens (10.0.7.2, MAC 02:00:00:00:07:02); the host's own interfaces are never touched. Every
# namespace, tap and process a case made is removed when it ends, and at exit (trap).
# Needs root, /dev/net/tun and /dev/kvm (pith mode): without them it fails saying so.
# shellcheck disable=SC2317,SC2015,SC2046  # functions called through check(); A && B || C; word lists
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
NB=$ROOT/build/tests/net
MODE=${NET_MODE:-pith}
BULK=${NET_BULK_BYTES:-100000000}
GUEST_IP=10.0.7.2 HOST_IP=10.0.7.1 GUEST_MAC=02:00:00:00:07:02

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start net "${1:-.}"
trap 'net_down; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

HNS="" GNS="" PIDS=()

# ---- preconditions -----------------------------------------------------------------------------

preconditions() {
	[ "$(id -u)" = 0 ] || abort "network tests need root (network namespaces, taps): run as root"
	[ -c /dev/net/tun ] && (exec 9<>/dev/net/tun) 2>/dev/null ||
		abort "/dev/net/tun is absent or cannot be opened: network tests need tap devices"
	ip netns list >/dev/null 2>&1 || abort "ip netns does not work: network tests need iproute2"
	for t in tcp_bulk udp_echo connect_err target; do
		[ -x "$NB/native/$t" ] || abort "$NB/native/$t missing: run make net-tools"
	done
	for t in impair inject conns; do
		[ -x "$NB/tools/$t" ] || abort "$NB/tools/$t missing: run make net-tools"
	done
	[ "$MODE" = native ] && return 0
	require_kvm "network tests"
	[ -x "$PITH" ] || abort "$PITH missing: build Pith first (make all)"
}

# ---- namespaces, taps, processes -------------------------------------------------------------

# in_host CMD...: run CMD in the host-side namespace.
in_host() { ip netns exec "$HNS" "$@"; }

ns_new() {
	ip netns add "$1" && ip netns exec "$1" ip link set lo up
}

# tap_new NS NAME ADDR [MAC]: a tap in NS with an address, up.
tap_new() {
	ip netns exec "$1" ip tuntap add dev "$2" mode tap &&
		{ [ -z "${4:-}" ] || ip netns exec "$1" ip link set "$2" address "$4"; } &&
		ip netns exec "$1" ip addr add "$3" dev "$2" &&
		ip netns exec "$1" ip link set "$2" up
}

# bg LOGNAME CMD...: start CMD in the background, its output in $TMP/LOGNAME.out and .err.
bg() {
	local name=$1
	shift
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	PIDS+=($!)
	LASTPID=$!
}

# net_up [IMPAIR-FLAGS...]: the host namespace and its tap; in native mode also the guest
# namespace, its tap and the impair bridge between them (with the given impairments).
net_up() {
	HNS=pnt$$h GNS=""
	ns_new "$HNS" && tap_new "$HNS" pt0 "$HOST_IP/24" || { WHY="cannot create $HNS/pt0"; return 1; }
	in_host ip link set pt0 txqueuelen 10000
	[ "$MODE" = native ] || return 0
	GNS=pnt$$g
	ns_new "$GNS" && tap_new "$GNS" gt0 "$GUEST_IP/24" "$GUEST_MAC" &&
		ip netns exec "$GNS" ip route add default via "$HOST_IP" &&
		ip netns exec "$GNS" sysctl -qw net.ipv4.tcp_syn_retries=2 ||
		{ WHY="cannot create $GNS/gt0"; return 1; }
	bg bridge ip netns exec "$HNS" "$NB/tools/impair" --ready "$TMP/bridge.ready" "$@" tap:pt0 "tap:gt0@$GNS"
	wait_file "$TMP/bridge.ready" 5 || { WHY="impair did not start: $(cat "$TMP/bridge.err")"; return 1; }
}

# net_down: every process this suite started (TERM, then KILL), then the namespaces.
net_down() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait_pid "$p" 3 || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=()
	[ -n "$HNS" ] && ip netns del "$HNS" 2>/dev/null
	[ -n "$GNS" ] && ip netns del "$GNS" 2>/dev/null
	HNS="" GNS=""
}

# wait_pid PID SECONDS: 0 once PID has ended.
wait_pid() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

wait_file() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_line FILE ERE SECONDS: 0 once a line of FILE matches.
wait_line() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ---- guests ------------------------------------------------------------------------------------

# image NAME SOURCE...: `pith build` once into $TMP/NAME.pith; sets IMG.
image() {
	local name=$1
	shift
	IMG=$TMP/$name.pith
	[ -f "$IMG" ] && return 0
	if ! "$PITH" build -o "$IMG" "$@" >"$TMP/$name.build.log" 2>&1; then
		rm -f "$IMG"
		WHY="pith build -o $name.pith $* failed: $(head -c 400 "$TMP/$name.build.log" | tr '\n' '|')"
		return 1
	fi
}

# The sources of each guest program.
guest_srcs() {
	case $1 in
	httpd) echo "$ROOT/examples/httpd/httpd.c" ;;
	tcp_bulk) echo "-I$ROOT/cli $ROOT/tests/net/guests/tcp_bulk.c $ROOT/cli/sha256.c" ;;
	*) echo "$ROOT/tests/net/guests/$1.c" ;;
	esac
}

# guest_start [--socket PATH] PROGRAM ARGS...: start the guest program (output in
# $TMP/guest.out and guest.err); pith: booted with --stats on pt0 (or on the socket PATH);
# native: a Linux process in the guest namespace.
guest_start() {
	local net=tap:pt0 prog
	if [ "$1" = --socket ]; then
		net=socket:$2
		shift 2
	fi
	prog=$1
	shift
	rm -f "$TMP/guest.out" "$TMP/guest.err"
	if [ "$MODE" = native ]; then
		local bin=$NB/native/$prog
		[ "$prog" = httpd ] && bin=$ROOT/build/httpd-native
		bg guest ip netns exec "$GNS" "$bin" "$@"
	else
		# shellcheck disable=SC2046  # the sources are words
		image "$prog" $(guest_srcs "$prog") || return 1
		bg guest ip netns exec "$HNS" "$PITH" run --stats --net "$net" --mac "$GUEST_MAC" \
			--ip "$GUEST_IP/24" --gw "$HOST_IP" "$IMG" -- "$@"
	fi
	GUEST_PID=$LASTPID
}

guest_output() {
	printf '; guest said: %s' "$(cat "$TMP/guest.err" "$TMP/guest.out" 2>/dev/null |
		head -c 500 | tr '\n\t' '| ')"
}

# guest_ready ERE [SECONDS]: the guest printed a line matching ERE (e.g. "listening on").
guest_ready() {
	wait_line "$TMP/guest.out" "$1" "${2:-20}" && return 0
	if kill -0 "$GUEST_PID" 2>/dev/null; then
		WHY="the guest did not print /$1/ within ${2:-20} s$(guest_output)"
	else
		WHY="the guest ended before printing /$1/$(guest_output)"
	fi
	return 1
}

# guest_end SECONDS: the guest exits by itself; sets GUEST_STATUS.
guest_end() {
	if ! wait_pid "$GUEST_PID" "$1"; then
		WHY="the guest did not exit within $1 s$(guest_output)"
		return 1
	fi
	wait "$GUEST_PID"
	GUEST_STATUS=$?
}

# netcase NAME FUNC [IMPAIR-FLAGS...]: check NAME with a fresh network around FUNC.
netcase() {
	local name=$1 func=$2
	shift 2
	[[ $name =~ $FILTER ]] || return 0
	local t0=$EPOCHREALTIME
	check "$name" net_around "$func" "$@"
	local t1=$EPOCHREALTIME
	echo "# $name: $(((10#${t1//[.,]/} - 10#${t0//[.,]/}) / 1000)) ms"
}

net_around() {
	local func=$1 rc
	shift
	net_up "$@" && "$func"
	rc=$?
	net_down
	return $rc
}

# in the host namespace: run CMD (the suite's run: OUT, ERR, STATUS) with a time limit.
host_run() {
	local limit=$1
	shift
	run --timeout "$limit" ip netns exec "$HNS" "$@"
}

# ---- the cases -----------------------------------------------------------------------------------

# /big's bytes, as examples/httpd/httpd.c documents them: its SHA-256.
big_sha() {
	[ -n "${BIG_SHA:-}" ] && return 0
	BIG_SHA=$(perl -e 'my $a = "abcdefghijklmnopqrstuvwxyz" x 5;
		for my $n (0 .. 99999) { printf "%07u %s\n", $n, substr($a, $n % 26, 91) }' |
		sha256sum | cut -d' ' -f1)
}

t_sha256_vectors() {
	run "$NB/native/tcp_bulk" selftest
	want_status 0 && want "sha256 selftest: 0 failed" || return 1
	[ "$MODE" = native ] && return 0
	image tcp_bulk $(guest_srcs tcp_bulk) || return 1
	run "$PITH" run "$IMG" -- selftest
	want_status 0 && want "sha256 selftest: 0 failed"
}

# GET / from the guest, byte for byte what the native httpd serves.
t_http_small() {
	guest_start httpd 80 && guest_ready "listening on :80" || return 1
	bg ref ip netns exec "$HNS" "$ROOT/build/httpd-native" 8081
	wait_line "$TMP/ref.out" "listening" 5 || { WHY="the native httpd did not start"; return 1; }
	host_run 20 curl -sS --max-time 15 -o "$TMP/small.got" -D "$TMP/small.head" \
		"http://$GUEST_IP/"
	want_status 0 || return 1
	host_run 20 curl -sS --max-time 15 -o "$TMP/small.want" "http://127.0.0.1:8081/"
	cmp -s "$TMP/small.got" "$TMP/small.want" ||
		{ WHY="GET / differs from the native httpd's page ($(wc -c <"$TMP/small.got") bytes)"; return 1; }
	grep -q '^HTTP/1.1 200 OK' "$TMP/small.head" ||
		{ WHY="no 200 status: $(head -1 "$TMP/small.head")"; return 1; }
	# Keep-alive and pipelining-safe parsing: three requests on one connection.
	host_run 20 curl -sS --max-time 15 -o /dev/null -o /dev/null -o /dev/null \
		-w '%{http_code} %{num_connects}\n' "http://$GUEST_IP/" "http://$GUEST_IP/index.html" \
		"http://$GUEST_IP/nope"
	want_status 0 && want_stdout "200 1" "200 0" "404 0" || return 1
	# Pipelining: three requests in one write, the last closing; three answers in order.
	printf 'GET / HTTP/1.1\r\n\r\nHEAD /big HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n%s\r\n\r\n' \
		"Connection: close" >"$TMP/pipelined"
	host_run 20 bash -c "exec 3<>/dev/tcp/$GUEST_IP/80 && cat '$TMP/pipelined' >&3 &&
		timeout 10 cat <&3 | tr -d '\r' | grep -a '^HTTP/1.1'"
	want_status 0 && want_stdout "HTTP/1.1 200 OK" "HTTP/1.1 200 OK" "HTTP/1.1 404 Not Found"
}

t_http_big() {
	big_sha
	guest_start httpd 80 && guest_ready "listening on :80" || return 1
	host_run 60 sh -c "curl -sS --max-time 50 http://$GUEST_IP/big | sha256sum"
	want_status 0 && want_stdout "$BIG_SHA  -"
}

t_ping() {
	guest_start httpd 80 && guest_ready "listening on :80" || return 1
	host_run 20 ping -c 5 -i 0.2 -W 2 -s 1000 "$GUEST_IP"
	want_status 0 && want "5 packets transmitted, 5 received"
}

t_udp_echo() {
	guest_start udp_echo server 7 && guest_ready "listening on :7" || return 1
	host_run 60 "$NB/native/udp_echo" client "$GUEST_IP" 7 300
	want_status 0 && want "udp_echo: 300/300 echoed"
}

# bulk_agree: the guest's and the host's tcp_bulk lines agree in both directions.
bulk_agree() {
	local g_recv g_sent h_recv h_sent
	g_recv=$(grep '^received' "$TMP/guest.out" | cut -d' ' -f2-4)
	g_sent=$(grep '^sent' "$TMP/guest.out" | cut -d' ' -f2-4)
	h_recv=$(grep '^received' "$OUT" | cut -d' ' -f2-4)
	h_sent=$(grep '^sent' "$OUT" | cut -d' ' -f2-4)
	if [ -z "$g_recv" ] || [ "$g_recv" != "$h_sent" ] || [ -z "$h_recv" ] ||
		[ "$h_recv" != "$g_sent" ]; then
		WHY="host sent '$h_sent', guest received '$g_recv'; guest sent '$g_sent', host"
		WHY="$WHY received '$h_recv'$(guest_output)"
		return 1
	fi
}

# impair_start FLAGS...: (pith mode) impair between the UNIX socket $TMP/impair.sock, which the
# guest's `--net socket:` connects to, and pt0. In native mode the bridge is already there and
# has its impairments from net_up: nothing to do.
impair_start() {
	[ "$MODE" = native ] && return 0
	# An earlier case's ready file or socket would let the guest connect before this impair
	# listens (connection refused).
	rm -f "$TMP/impair.ready" "$TMP/impair.sock"
	bg impair ip netns exec "$HNS" "$NB/tools/impair" "$@" --ready "$TMP/impair.ready" \
		"listen:$TMP/impair.sock" tap:pt0
	IMPAIR_PID=$LASTPID
	wait_file "$TMP/impair.ready" 5 && return 0
	WHY="impair did not start: $(head -c 300 "$TMP/impair.err")"
	return 1
}

# 100 MB each way on one connection through 2% loss, 5% reordering and 20 ms delay each way. The
# guest's server keeps running after its close (-k): the transfer's end does not depend on the
# program's exit (exit-flush tests that).
t_bulk_impaired() {
	if [ "$MODE" != native ]; then
		impair_start --loss 2 --reorder 5 --delay 20 --seed 7 || return 1
		guest_start --socket "$TMP/impair.sock" tcp_bulk -q -k server 5001 "$BULK" 2 || return 1
	else
		guest_start tcp_bulk -q -k server 5001 "$BULK" 2 || return 1
	fi
	guest_ready "listening on :5001" || return 1
	host_run 900 "$NB/native/tcp_bulk" client "$GUEST_IP" 5001 "$BULK" 1
	want_status 0 && bulk_agree || return 1
	echo "# bulk-impaired: host side: $(tr '\n' ';' <"$OUT")"
	[ "$MODE" = native ] || { kill -TERM "$IMPAIR_PID" && wait_pid "$IMPAIR_PID" 5 &&
		echo "# bulk-impaired: $(tr '\n' ';' <"$TMP/impair.out")"; }
	return 0
}

# /stats of the guest's httpd: sets OPEN FDS FREERAM.
httpd_stats() {
	host_run 20 curl -sS --max-time 15 "http://$GUEST_IP/stats"
	want_status 0 || return 1
	OPEN=$(sed -n 's/^open //p' "$OUT") FDS=$(sed -n 's/^fds //p' "$OUT")
	FREERAM=$(sed -n 's/^freeram //p' "$OUT")
	[ -n "$OPEN" ] && [ -n "$FDS" ] && [ -n "$FREERAM" ] || { WHY="bad /stats: $(tr '\n' '|' <"$OUT")"; return 1; }
}

# conns_leak TOTAL CONCURRENCY: after a warm-up round, another round leaves the guest's open
# connections, fds and free memory where they were (memory within 64 KiB; pith mode only).
conns_leak() {
	local fds0 free0
	guest_start httpd 80 && guest_ready "listening on :80" || return 1
	host_run 120 "$NB/tools/conns" "$GUEST_IP" 80 "$1" "$2"
	want_status 0 || return 1
	sleep 0.5
	httpd_stats || return 1
	fds0=$FDS free0=$FREERAM
	host_run 120 "$NB/tools/conns" "$GUEST_IP" 80 "$1" "$2"
	want_status 0 && want "conns: $1 ok, 0 failed" || return 1
	echo "# $1 connections, $2 at a time: $(cat "$OUT")"
	sleep 0.5
	httpd_stats || return 1
	# Natively freeram is the whole host's, which other processes move: not compared.
	[ "$MODE" = native ] && FREERAM=$free0
	if [ "$OPEN" != 1 ] || [ "$FDS" != "$fds0" ] || [ "$FREERAM" -lt $((free0 - 65536)) ]; then
		WHY="after $1 more connections: open $OPEN (want 1), fds $FDS (was $fds0), free"
		WHY="$WHY memory $FREERAM (was $free0)"
		return 1
	fi
}

t_conns_sequential() { conns_leak 1000 1; }
t_conns_concurrent() { conns_leak 1000 200; }

t_connect_refused() {
	guest_start connect_err "$HOST_IP" 9 || return 1
	guest_end 30 || return 1
	grep -q "connect $HOST_IP:9: ECONNREFUSED" "$TMP/guest.out" ||
		{ WHY="expected ECONNREFUSED$(guest_output)"; return 1; }
}

# 192.0.2.1 (TEST-NET-1) lies beyond the host, which does not forward: SYNs vanish silently.
t_connect_timeout() {
	guest_start connect_err 192.0.2.1 80 || return 1
	guest_end 300 || return 1
	grep -q "connect 192.0.2.1:80: ETIMEDOUT" "$TMP/guest.out" ||
		{ WHY="expected ETIMEDOUT$(guest_output)"; return 1; }
	echo "# connect-timeout: $(cat "$TMP/guest.out")"
}

# The host sends 1000 bytes and shuts down its side; the guest reads to end of stream, then
# sends 3000 bytes on the half-open connection.
t_half_close() {
	guest_start tcp_bulk -q server 5002 3000 5 && guest_ready "listening on :5002" || return 1
	host_run 30 "$NB/native/tcp_bulk" -q client "$GUEST_IP" 5002 1000 6
	want_status 0 && guest_end 10 && bulk_agree || return 1
	grep -q '^received 1000 ' "$TMP/guest.out" && grep -q '^received 3000 ' "$OUT" ||
		{ WHY="wrong sizes: $(tr '\n' '|' <"$OUT")$(guest_output)"; return 1; }
}

# The guest writes 2 MB, closes and exits at once (-e), through 2% loss and 20 ms of delay each
# way (impair): everything still arrives, as it would from a Linux process, whose kernel goes on
# sending (and retransmitting) after the process exited.
t_exit_flush() {
	impair_start --loss 2 --delay 20 --seed 11 || return 1
	guest_start --socket "$TMP/impair.sock" tcp_bulk -q -e server 5004 2000000 3 &&
		guest_ready "listening on :5004" || return 1
	host_run 30 "$NB/native/tcp_bulk" -q client "$GUEST_IP" 5004 1000 4
	want_status 0 || { WHY="the host's client: $WHY$(guest_output)"; return 1; }
	guest_end 10 && bulk_agree
}

# The guest connects out to a server on the host, sends, half-closes and receives.
t_guest_client() {
	bg hostsrv ip netns exec "$HNS" "$NB/native/tcp_bulk" -q server 5003 200000 8
	local srv=$LASTPID
	wait_line "$TMP/hostsrv.out" "listening" 5 || { WHY="the host server did not start"; return 1; }
	guest_start tcp_bulk -q client "$HOST_IP" 5003 300000 9 || return 1
	guest_end 30 || return 1
	[ "$GUEST_STATUS" = 0 ] || { WHY="guest exit status $GUEST_STATUS$(guest_output)"; return 1; }
	wait_pid "$srv" 5
	OUT=$TMP/hostsrv.out
	bulk_agree
}

# passt: `pith run -p PORT:80` with no tap, no namespace and no privileges needed; curl on the
# host's loopback.
t_passt() {
	local port=$((20000 + $$ % 20000)) pid
	image httpd $(guest_srcs httpd) || return 1
	bg passt "$PITH" run -p "$port:80" "$IMG"
	pid=$LASTPID
	wait_line "$TMP/passt.out" "listening on :80" 20 ||
		{ WHY="httpd did not start under passt: $(head -c 300 "$TMP/passt.err" | tr '\n' '|')"; return 1; }
	run --timeout 30 curl -sS --max-time 10 --retry 5 --retry-connrefused --retry-delay 1 \
		-o "$TMP/passt.got" "http://127.0.0.1:$port/"
	kill -TERM "$pid" 2>/dev/null
	want_status 0 || return 1
	grep -q '<h1>Hello from Pith</h1>' "$TMP/passt.got" ||
		{ WHY="unexpected page: $(head -c 200 "$TMP/passt.got" | tr '\n' '|')"; return 1; }
}

# The counters the hostile frames must move (pith: `pith run --stats` lines; native: nstat).
HOSTILE_COUNTERS="ipv4_drop_bad_checksum ipv4_drop_bad_version ipv4_drop_bad_header_len
ipv4_drop_bad_total_len tcp_drop_bad_checksum tcp_drop_bad_offset udp_drop_bad_checksum
icmp_drop_bad_checksum frag_drop_overlap"
NATIVE_COUNTERS="IpInHdrErrors TcpInCsumErrors UdpInCsumErrors IcmpInCsumErrors"

counters_moved() {
	local c v missing=""
	if [ "$MODE" = native ]; then
		ip netns exec "$GNS" nstat -az >"$TMP/nstat" 2>&1
		for c in $NATIVE_COUNTERS; do
			v=$(awk -v c="$c" '$1 == c { print $2 }' "$TMP/nstat")
			[ "${v:-0}" -gt 0 ] || missing="$missing $c"
		done
	else
		for c in $HOSTILE_COUNTERS; do
			v=$(sed -n "s/^pith: stats: $c //p" "$TMP/guest.err")
			[ "${v:-0}" -gt 0 ] || missing="$missing $c"
		done
		# The flood's 100000 SYNs all reached the guest's TCP.
		v=$(sed -n "s/^pith: stats: tcp_segs_in //p" "$TMP/guest.err")
		[ "${v:-0}" -ge 100000 ] || missing="$missing tcp_segs_in>=100000(${v:-0})"
	fi
	[ -z "$missing" ] && return 0
	WHY="these drop counters did not move:$missing"
	return 1
}

# target_say LINE: one legitimate connection to the guest's target; OUT gets "connected" and
# the answer.
target_say() {
	host_run 30 bash -c "exec 3<>/dev/tcp/$GUEST_IP/80 || exit 3; echo connected;
		echo '$1' >&3 && timeout 10 head -1 <&3"
}

# Hostile frames into the tap, then a legitimate connection works and the counters moved.
t_hostile() {
	guest_start target 80 && guest_ready "listening on :80" || return 1
	host_run 20 ping -c 1 -W 2 "$GUEST_IP" >/dev/null # the guest learns the host's MAC
	host_run 300 "$NB/tools/inject" pt0 "$GUEST_MAC" "$GUEST_IP" 80 --seed 3
	cp "$OUT" "$TMP/inject.out"
	want_status 0 || { WHY="inject: $WHY"; return 1; }
	echo "# hostile: $(tr '\n' ';' <"$TMP/inject.out")"
	kill -0 "$GUEST_PID" 2>/dev/null || { WHY="the guest died$(guest_output)"; return 1; }
	target_say PING
	if ! want_status 0 || ! want_stdout connected PONG; then
		local first=$WHY
		target_say PING
		WHY="after the hostile frames, a PING: $first; tried again: $(tr '\n' '|' <"$OUT")"
		WHY="$WHY (status $STATUS)$(guest_output)"
		return 1
	fi
	target_say QUIT
	want_status 0 && want_stdout connected BYE && guest_end 20 || return 1
	[ "$GUEST_STATUS" = 0 ] || { WHY="guest exit status $GUEST_STATUS$(guest_output)"; return 1; }
	[ "$MODE" = native ] || echo "# hostile: $(grep -E '^pith: stats: .*(drop|synq|refused)' \
		"$TMP/guest.err" | sed 's/^pith: stats: //' | tr '\n' ' ')"
	counters_moved
}

# Specialisation: hello links no network stack, httpd does.
t_specialisation() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" inspect "$IMG"
	want_status 0 && want_re '^components ' || return 1
	if grep '^components ' "$OUT" | grep -qw net; then
		WHY="pith inspect hello.pith lists net: $(grep '^components ' "$OUT")"
		return 1
	fi
	image httpd $(guest_srcs httpd) || return 1
	run "$PITH" inspect "$IMG"
	want_status 0 || return 1
	grep '^components ' "$OUT" | grep -qw net ||
		{ WHY="pith inspect httpd.pith lists no net component: $(grep '^components ' "$OUT")"; return 1; }
}

# ---- run --------------------------------------------------------------------------------------------

preconditions
check sha256-vectors t_sha256_vectors
netcase http-get-small t_http_small
netcase http-get-10mb t_http_big
netcase ping t_ping
netcase udp-echo t_udp_echo
netcase half-close t_half_close
if [ "$MODE" = native ]; then
	netcase exit-flush t_exit_flush --loss 2 --delay 20 --seed 11
else
	netcase exit-flush t_exit_flush
fi
netcase guest-client t_guest_client
netcase connect-refused t_connect_refused
netcase connect-timeout t_connect_timeout
netcase conns-1000-sequential t_conns_sequential
netcase conns-1000-200-concurrent t_conns_concurrent
if [ "$MODE" = native ]; then
	netcase bulk-100mb-impaired t_bulk_impaired --loss 2 --reorder 5 --delay 20 --seed 7
else
	netcase bulk-100mb-impaired t_bulk_impaired
fi
netcase hostile-input t_hostile
if [ "$MODE" = native ]; then
	echo "# passt-forward, specialisation: pith only (NET_MODE=native)"
else
	check passt-forward t_passt
	check specialisation t_specialisation
fi
finish
