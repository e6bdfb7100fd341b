#!/usr/bin/env bash
# Network benchmark: examples/httpd as a Pith unikernel over a tap against the same httpd.c as a
# native Linux process behind a veth pair, with the same wrk client; and bulk TCP both ways.
#
# Usage: bench/net.sh [ROUNDS]       (rounds per measurement, default 3; medians are reported)
# Environment: WRK_FLAGS (default "-t1 -c32 -d10s"), BULK_BYTES (default 500000000 per
# direction), PITH (default build/bin/pith), KINDS (default "pith native"; one of them alone
# measures only that side).
# Needs root (namespaces, tap, veth), /dev/kvm, /dev/net/tun, a built tree (make all
# net-tools build/httpd.pith build/httpd-native); installs wrk with apt if it is missing.
#
# Setup, all inside two namespaces this script creates and removes (the host's interfaces are
# never touched): "pnb<PID>c" holds the client (wrk, tcp_bulk), a tap pt0 10.0.8.1/24 for the
# guest (10.0.8.2) and one end of a veth pair, 10.0.9.1/24; "pnb<PID>n" holds the other end,
# 10.0.9.2, and the native httpd. Rounds alternate Pith and native.
#
# What is measured:
#  - requests/s and p99 latency: wrk --latency against GET / (a 580-byte page);
#  - host CPU per request: user+system time of the serving process (/proc/PID/stat: for Pith
#    the monitor with its vCPU and I/O threads; for native the httpd process) over the wrk run,
#    divided by the requests wrk completed;
#  - VM exits per request: `pith run --stats` prints vm_exits when the guest exits (httpd's
#    second argument makes it exit after 2 idle seconds), divided by the requests;
#  - Gb/s both ways: tests/net/guests/tcp_bulk with hashing off (-x), the receiver's rate (the
#    server keeps running after its close, -k, and is stopped once the client has everything);
#  - image size: build/httpd.pith against the 256 KiB target (and the static native binary).
# Targets (issue 3): image <= 256 KiB; Pith >= 0.7x native requests/s; < 0.1 VM exits/request.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
ROUNDS=${1:-3}
WRK_FLAGS=${WRK_FLAGS:--t1 -c32 -d10s}
BULK_BYTES=${BULK_BYTES:-500000000}
KINDS=${KINDS:-pith native}
NB=$ROOT/build/tests/net
CNS=pnb$$c NNS=pnb$$n
PIDS=()

die() {
	echo "net.sh: $*" >&2
	exit 1
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$CNS" 2>/dev/null
	ip netns del "$NNS" 2>/dev/null
	rm -rf "$TMP"
}

preconditions() {
	[ "$(id -u)" = 0 ] || die "needs root (network namespaces, tap, veth)"
	[ -c /dev/kvm ] || die "/dev/kvm is absent: the Pith side needs KVM"
	[ -c /dev/net/tun ] || die "/dev/net/tun is absent: the Pith side needs a tap"
	for f in "$PITH" build/httpd.pith build/httpd-native "$NB/native/tcp_bulk"; do
		[ -e "$f" ] || die "$f missing: make all net-tools build/httpd.pith build/httpd-native"
	done
	if ! command -v wrk >/dev/null; then
		echo "net.sh: installing wrk" >&2
		apt-get install -y -qq wrk >/dev/null || die "cannot install wrk (apt-get install wrk)"
	fi
}

setup() {
	ip netns add "$CNS" && ip netns add "$NNS" || die "cannot create namespaces"
	ip -n "$CNS" link set lo up
	ip -n "$NNS" link set lo up
	ip -n "$CNS" tuntap add dev pt0 mode tap
	ip -n "$CNS" addr add 10.0.8.1/24 dev pt0
	ip -n "$CNS" link set pt0 up
	ip -n "$CNS" link add vc0 type veth peer name vn0 netns "$NNS"
	ip -n "$CNS" addr add 10.0.9.1/24 dev vc0
	ip -n "$NNS" addr add 10.0.9.2/24 dev vn0
	ip -n "$CNS" link set vc0 up
	ip -n "$NNS" link set vn0 up
}

# cpu_ticks PID: utime + stime of the process (all its threads), in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# wait_line FILE ERE SECONDS
wait_line() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_exit PID SECONDS: waits for the server to end by itself; TERM after SECONDS.
wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	[ "$2" -gt 0 ] && kill -0 "$1" 2>/dev/null &&
		echo "# the server did not exit within $2 s: stopped" >&2
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

# wrk_to_ms VALUE: wrk's "1.23ms" / "456.00us" / "1.20s" in ms.
wrk_to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.3f", n }'
}

# serve pith IMAGE -- ARGS... | serve native PROGRAM ARGS...: start the server side (pith: booted
# on pt0 with --stats; native: a process in the native namespace); sets SPID and ADDR.
serve() {
	local kind=$1
	shift
	if [ "$kind" = pith ]; then
		ADDR=10.0.8.2
		ip netns exec "$CNS" "$PITH" run --stats --net tap:pt0 --ip 10.0.8.2/24 \
			--gw 10.0.8.1 "$@" >"$TMP/serve.out" 2>"$TMP/serve.err" </dev/null &
	else
		ADDR=10.0.9.2
		ip netns exec "$NNS" "$@" >"$TMP/serve.out" 2>"$TMP/serve.err" </dev/null &
	fi
	SPID=$!
	PIDS+=("$SPID")
	wait_line "$TMP/serve.out" "listening on" 20 ||
		die "$kind server did not start: $(head -c 300 "$TMP/serve.err")"
}

# http_round KIND: one wrk run; appends "req/s p99-ms cpu-us/req exits/req" to $TMP/KIND.http.
http_round() {
	local kind=$1 t0 t1 reqs rps p99 exits=-
	if [ "$kind" = pith ]; then
		serve pith build/httpd.pith -- 80 2
	else
		serve native "$ROOT/build/httpd-native" 80 2
	fi
	ip netns exec "$CNS" curl -s -o /dev/null "http://$ADDR/" || die "$kind: first GET failed"
	t0=$(cpu_ticks "$SPID")
	# shellcheck disable=SC2086  # WRK_FLAGS is a list of flags
	ip netns exec "$CNS" wrk $WRK_FLAGS --latency "http://$ADDR/" >"$TMP/wrk.out" 2>&1
	t1=$(cpu_ticks "$SPID")
	wait_exit "$SPID" 30
	reqs=$(awk '/requests in/ { print $1 }' "$TMP/wrk.out")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$TMP/wrk.out")
	p99=$(wrk_to_ms "$(awk '$1 == "99%" { print $2 }' "$TMP/wrk.out")")
	[ -n "$reqs" ] && [ "$reqs" -gt 0 ] || die "$kind: wrk failed: $(head -c 300 "$TMP/wrk.out")"
	[ "$kind" = pith ] && exits=$(sed -n 's/^pith: stats: vm_exits //p' "$TMP/serve.err" |
		awk -v r="$reqs" '{ printf "%.4f", $1 / (r + 1) }')
	echo "$rps $p99 $(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="$reqs" \
		'BEGIN { printf "%.2f", t / hz * 1e6 / r }') ${exits:--}" >>"$TMP/$kind.http"
	grep -q 'Socket errors' "$TMP/wrk.out" && echo "# $kind: $(grep 'Socket errors' "$TMP/wrk.out")"
	cp "$TMP/serve.err" "$TMP/$kind.last.err"
}

# bulk_round KIND: BULK_BYTES each way on one connection; appends "to-server-Gb/s
# from-server-Gb/s" (receivers' rates) to $TMP/KIND.bulk.
bulk_round() {
	local kind=$1 in out
	if [ "$kind" = pith ]; then
		serve pith "$TMP/tcp_bulk.pith" -- -x -k server 5001 "$BULK_BYTES"
	else
		serve native "$NB/native/tcp_bulk" -x -k server 5001 "$BULK_BYTES"
	fi
	if ! timeout 300 ip netns exec "$CNS" "$NB/native/tcp_bulk" -x client "$ADDR" 5001 \
		"$BULK_BYTES" >"$TMP/client.out" 2>&1; then
		echo "# $kind bulk: the client failed or did not finish in 300 s:" \
			"$(tr '\n' '|' <"$TMP/client.out" | head -c 300)" >&2
		kill -TERM "$SPID" 2>/dev/null
		wait "$SPID"
		echo "- -" >>"$TMP/$kind.bulk"
		return
	fi
	wait_exit "$SPID" 0 # it keeps running after the transfer (-k): stop it
	in=$(awk '/^received/ { print $(NF-1) / 1000 }' "$TMP/serve.out")
	out=$(awk '/^received/ { print $(NF-1) / 1000 }' "$TMP/client.out")
	[ -n "$in" ] && [ -n "$out" ] || die "$kind bulk: no rates: $(cat "$TMP/serve.out" "$TMP/client.out")"
	echo "$in $out" >>"$TMP/$kind.bulk"
}

# median FILE COLUMN
median() {
	[ -s "$1" ] || { echo -; return; }
	awk -v c="$2" '{ print $c }' "$1" | grep -v '^-$' | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-";
		else printf "%.2fx", a / b }'
}

row() {
	printf '%-28s %14s %14s %10s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
}

report() {
	local size native_size
	size=$(stat -c %s build/httpd.pith)
	native_size=$(stat -c %s build/httpd-native)
	echo
	echo "wrk $WRK_FLAGS against GET / (580 bytes); $ROUNDS rounds each, alternating; medians"
	printf '%-28s %14s %14s %10s\n' "" "pith (tap)" "native (veth)" "pith/native"
	row "requests/s" "$(median "$TMP/pith.http" 1)" "$(median "$TMP/native.http" 1)"
	row "p99 latency (ms)" "$(median "$TMP/pith.http" 2)" "$(median "$TMP/native.http" 2)"
	row "host CPU per request (us)" "$(median "$TMP/pith.http" 3)" "$(median "$TMP/native.http" 3)"
	row "VM exits per request" "$(median "$TMP/pith.http" 4)" "-"
	row "bulk client->server (Gb/s)" "$(median "$TMP/pith.bulk" 1)" "$(median "$TMP/native.bulk" 1)"
	row "bulk server->client (Gb/s)" "$(median "$TMP/pith.bulk" 2)" "$(median "$TMP/native.bulk" 2)"
	row "image size (KiB)" "$((size / 1024))" "$((native_size / 1024))"
	echo
	echo "targets: image <= 256 KiB: $([ "$size" -le 262144 ] && echo met || echo MISSED)" \
		"($((size / 1024)) KiB); requests/s >= 0.7x native; VM exits per request < 0.1"
	echo "bulk: $BULK_BYTES bytes each way per round (tcp_bulk -x, the receiver's rate)"
	echo "raw rows (req/s p99 cpu-us exits): pith: $(tr '\n' ';' 2>/dev/null <"$TMP/pith.http")" \
		"native: $(tr '\n' ';' 2>/dev/null <"$TMP/native.http")"
}

main() {
	[ "$ROUNDS" -ge 1 ] 2>/dev/null || die "ROUNDS must be a positive number"
	preconditions
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/pith-bench-net.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	setup
	"$PITH" build -o "$TMP/tcp_bulk.pith" -Icli tests/net/guests/tcp_bulk.c cli/sha256.c ||
		die "pith build of tcp_bulk failed"
	for ((r = 0; r < ROUNDS; r++)); do
		order=$KINDS
		((r % 2)) && order=$(echo "$KINDS" | awk '{ for (i = NF; i; i--) printf "%s ", $i }')
		for kind in $order; do
			echo "round $((r + 1))/$ROUNDS: $kind http" >&2
			http_round "$kind"
			echo "round $((r + 1))/$ROUNDS: $kind bulk" >&2
			bulk_round "$kind"
		done
	done
	report
}

main
