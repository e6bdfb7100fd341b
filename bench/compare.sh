#!/usr/bin/env bash
# Pith against a native process, a crun container, a Linux VM and QEMU's floor (issue 6).
#
# Usage: bench/compare.sh [--quick] [--runs N] [--http-runs N] [--vm-runs N] [--wrk-runs N]
#                         [--wrk-flags "FLAGS"] [--vm-mem MIB] [--no-vm] [--no-tap]
#   --runs       hello boots per fast subject (pith, native, crun, qemu-floor), default 40
#   --http-runs  httpd starts per fast subject, default 20
#   --vm-runs    boots of the Linux VM, for hello and for httpd, default 5
#   --wrk-runs   wrk rounds per subject (median), default 3; --wrk-flags default "-t2 -c16 -d5s"
#   --vm-mem     the Linux VM's memory in MiB for the timed runs, default 256
#   --quick      few runs everywhere (development)
#   --no-vm      leave out the Linux VM and the QEMU floor; --no-tap: leave out pith-tap
# Needs root, /dev/kvm, a built Pith (make all: build/bin/pith and its libraries), gcc,
# musl-gcc, jq, crun, wrk, passt; for the Linux VM
# bench/lib/linuxvm.sh and what it needs (qemu-system-x86, cpio, xz-utils).
# Writes the tables on stdout and $PITH_RESULTS/compare.{tsv,md} (default build/bench/results).
# Environment: PITH (default build/bin/pith), PITH_RESULTS, LINUXVM_LIB (default
# bench/lib/linuxvm.sh: the Linux VM and QEMU floor subjects, written separately).
#
# What is measured, all in this one run (medians; the fast subjects alternate run by run):
#  1. boot, hello: from just before posix_spawn until "Hello from Pith" is on the stdout pipe
#     (hello's main prints it first thing), and until the launched command exited; httpd: from
#     just before posix_spawn until a client on 127.0.0.1 gets a complete 200 for GET / (see
#     bench/launch.c: a new connection every 0.2 ms while refused or reset, and beside a silent
#     one every 1 ms or 1% of the time waited, whichever is longer, since passt and QEMU's user
#     network accept before the guest listens, and a TCG guest drowns in 1000 connections/s).
#  2. size to ship: the Pith image; the static binary (+ the www files for httpd); the crun
#     bundle: config.json + the rootfs's files (sum of file sizes; `du -sb` alongside); the
#     Linux VM's kernel + initramfs.
#  3. host memory per httpd instance: RSS and PSS summed over the launched process and its
#     descendants (smaps_rollup; processes sharing one address space counted once), after the
#     first response and after 100 more requests; the smallest guest memory that works, bisected
#     in steps of 1 MiB: `pith run --mem NM` (hello prints its greeting; httpd answers a request)
#     and QEMU `-m N` for the Linux VM.
#  4. httpd requests/s: wrk $WRK_FLAGS against GET /, median of the rounds.
# Every program is built by this script from examples/ (hello.c; httpd.c with examples/httpd/www)
# with the commands of examples/build.mk, so one run measures one source for every subject.
# Subjects: pith (hello.pith; site.pith with -p PORT:80, i.e. passt), native (the
# same source, musl-gcc -static), crun (that static binary alone in a rootfs, host network for
# httpd), linuxvm and qemu-floor (bench/lib/linuxvm.sh), pith-tap (site.pith on a tap in a
# private network namespace, the client inside it: no passt).
# Targets (issue 6): hello time to main <= 2x native and >= 10x faster than crun; hello image
# >= 10x smaller than the crun bundle; httpd first response >= 10x faster than crun and >= 100x
# faster than the Linux VM.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/lib/common.sh
. "$ROOT/bench/lib/common.sh"
PITH=${PITH:-$ROOT/build/bin/pith}
PITH_RESULTS=${PITH_RESULTS:-$ROOT/build/bench/results}
LINUXVM_LIB=${LINUXVM_LIB:-$ROOT/bench/lib/linuxvm.sh}
RUNS=40 HTTP_RUNS=20 VM_RUNS=5 WRK_RUNS=3 WRK_FLAGS="-t2 -c16 -d5s" VM_MEM=256
USE_VM=1 USE_TAP=1
P_PITH=18201 P_NATIVE=18202 P_CRUN=18203 P_VM=18204 P_BISECT=18205 P_VMBISECT=18206
NS=pcmp$$ TAP=pcmpt0 TAP_HOST=10.211.0.1 TAP_GUEST=10.211.0.2
CID=pcmp$$
GREETING="Hello from Pith"
COMMAND="bench/compare.sh $*"
TMP='' CG_MNT='' NS_MADE=0 CRUN_OK=0 VM_OK=0 VM_HTTPD_OK=1 TAP_OK=0
NOTES=()
declare -A V N # figures and their run counts, by "metric/subject"
SUBJECTS=(pith native crun linuxvm qemu-floor pith-tap)

die() {
	echo "compare.sh: $*" >&2
	exit 1
}

say() {
	echo "compare.sh: $*" >&2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) RUNS=5 HTTP_RUNS=3 VM_RUNS=2 WRK_RUNS=1 WRK_FLAGS="-t2 -c16 -d1s" ;;
		--runs) RUNS=$2 && shift ;;
		--http-runs) HTTP_RUNS=$2 && shift ;;
		--vm-runs) VM_RUNS=$2 && shift ;;
		--wrk-runs) WRK_RUNS=$2 && shift ;;
		--wrk-flags) WRK_FLAGS=$2 && shift ;;
		--vm-mem) VM_MEM=$2 && shift ;;
		--no-vm) USE_VM=0 ;;
		--no-tap) USE_TAP=0 ;;
		*) die "unknown option $1 (see the usage at the top of bench/compare.sh)" ;;
		esac
		shift
	done
}

# ---- set-up and clean-up --------------------------------------------------------------------

cleanup() {
	local c
	set +e
	if command -v crun >/dev/null; then
		for c in $(crun list -q 2>/dev/null | grep "^$CID-"); do
			crun delete -f "$c" >/dev/null 2>&1
		done
	fi
	[ -n "$CG_MNT" ] && umount "$CG_MNT" && rmdir "$CG_MNT"
	[ "$NS_MADE" = 1 ] && ip netns del "$NS"
	[ -n "$TMP" ] && rm -rf "$TMP"
}

preconditions() {
	local t
	[ "$(id -u)" = 0 ] || die "needs root (crun, network namespaces, mounts)"
	[ -c /dev/kvm ] || die "/dev/kvm is absent: Pith needs KVM"
	[ -x "$PITH" ] || die "$PITH missing: run make -j2 all"
	for t in gcc musl-gcc jq crun wrk passt; do
		command -v "$t" >/dev/null ||
			die "$t not found: make bench-deps (or apt-get install crun wrk jq musl-tools passt)"
	done
}

# build_tools: the timer, and every subject's program built here from the tree's sources with
# the commands of examples/build.mk, so that all subjects of this run share one source (the
# tree's build/ may be rebuilt by others while this runs).
build_tools() {
	local cc=(musl-gcc -static -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE)
	mkdir -p build/bench "$PITH_RESULTS" "$TMP/bin"
	gcc -O2 -Wall -Wextra -o build/bench/launch bench/launch.c
	LAUNCH=$ROOT/build/bench/launch
	WWW=$ROOT/examples/httpd/www
	HELLO_PITH=$TMP/bin/hello.pith SITE_PITH=$TMP/bin/site.pith
	HELLO_NATIVE=$TMP/bin/hello-native HTTPD_NATIVE=$TMP/bin/httpd-native
	"$PITH" build -o "$HELLO_PITH" examples/hello/hello.c
	"$PITH" build --rootfs "$WWW" -o "$SITE_PITH" examples/httpd/httpd.c
	"${cc[@]}" -o "$HELLO_NATIVE" examples/hello/hello.c
	"${cc[@]}" -o "$HTTPD_NATIVE" examples/httpd/httpd.c
}

# make_bundle DIR BINARY HOSTNET ARG...: an OCI bundle: DIR/rootfs holds only BINARY (and www
# for httpd); config.json from `crun spec`, without a terminal, running ARGs; HOSTNET=1 drops
# the network namespace so that the host's port reaches the server.
make_bundle() {
	local dir=$1 bin=$2 hostnet=$3 args
	shift 3
	mkdir -p "$dir/rootfs"
	cp "$bin" "$dir/rootfs/"
	[ "$hostnet" = 1 ] && cp -r "$WWW" "$dir/rootfs/www"
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	(cd "$dir" && crun spec)
	jq --argjson args "$args" --argjson hostnet "$hostnet" '.process.terminal = false |
		.process.args = $args |
		if $hostnet == 1 then .linux.namespaces |= map(select(.type != "network")) else . end' \
		"$dir/config.json" >"$dir/config.new"
	mv "$dir/config.new" "$dir/config.json"
}

# cgroup_fix: crun refuses hybrid cgroups ("cgroups in hybrid mode not supported, drop all
# controllers from cgroupv2") while a controller (here hugetlb) sits on the v2 hierarchy.
# Mounting a v1 hierarchy of that controller anywhere moves it off v2; crun then works. The
# mount is private to this run (under $TMP) and undone at exit, which gives the controller back
# to v2 unless another mount of it exists.
cgroup_fix() {
	local v2 ctl
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$v2" ] || return 0
	ctl=$(cat "$v2/cgroup.controllers" 2>/dev/null || true)
	if [ -z "$ctl" ]; then
		NOTES+=("crun: no controller on the cgroup v2 hierarchy at the start of this run (hugetlb already on a v1 hierarchy mounted by someone else): no workaround needed.")
		return 0
	fi
	[ "$ctl" = hugetlb ] || say "warning: cgroup v2 holds controllers '$ctl'; moving hugetlb only"
	CG_MNT=$TMP/cg-hugetlb
	mkdir "$CG_MNT"
	mount -t cgroup -o hugetlb pcmp-hugetlb "$CG_MNT" || {
		rmdir "$CG_MNT"
		CG_MNT=
		return 1
	}
	NOTES+=("crun: this host mounts cgroup v1 controllers plus a v2 hierarchy holding hugetlb, which crun refuses (\"cgroups in hybrid mode not supported\"); the script mounts a v1 hugetlb hierarchy in a private directory for the run (that alone moves hugetlb off v2) and unmounts it at exit.")
}

crun_setup() {
	make_bundle "$TMP/crun-hello" "$HELLO_NATIVE" 0 /hello-native
	make_bundle "$TMP/crun-httpd" "$HTTPD_NATIVE" 1 /httpd-native "$P_CRUN" 0 /www
	cgroup_fix || say "could not mount a v1 hugetlb hierarchy"
	if crun run --bundle "$TMP/crun-hello" "$CID-check" </dev/null 2>"$TMP/crun.err" |
		grep -q "$GREETING"; then
		CRUN_OK=1
	else
		NOTES+=("crun: could not run the hello bundle: $(head -c 200 "$TMP/crun.err")")
	fi
}

linuxvm_setup() {
	[ "$USE_VM" = 1 ] || return 0
	if [ ! -f "$LINUXVM_LIB" ]; then
		NOTES+=("linuxvm, qemu-floor: $LINUXVM_LIB is missing: not measured.")
		return 0
	fi
	# shellcheck source=bench/lib/linuxvm.sh
	. "$LINUXVM_LIB"
	if linuxvm_prepare "$TMP/vm" "$HELLO_NATIVE" "$HTTPD_NATIVE" "$WWW"; then
		VM_OK=1
		NOTES+=("linuxvm: ${LINUXVM_NOTE%.}. The same static binaries as PID 1 of an initramfs; httpd through QEMU's user network (hostfwd to 127.0.0.1:$P_VM); $VM_MEM MiB for the timed runs.")
	else
		NOTES+=("linuxvm, qemu-floor: linuxvm_prepare failed: not measured.")
	fi
}

tap_setup() {
	[ "$USE_TAP" = 1 ] || return 0
	ip netns add "$NS" || return 0
	NS_MADE=1
	ip -n "$NS" link set lo up &&
		ip -n "$NS" tuntap add dev "$TAP" mode tap &&
		ip -n "$NS" addr add "$TAP_HOST/24" dev "$TAP" &&
		ip -n "$NS" link set "$TAP" up && TAP_OK=1
}

setup() {
	TMP=$(mktemp -d /tmp/pcmp.XXXXXX)
	MS=$TMP/ms
	mkdir "$MS"
	build_tools
	crun_setup
	linuxvm_setup
	tap_setup
}

# ---- 1. boot ----------------------------------------------------------------------------------

# crun_cmd BUNDLE: the command line of one crun run ("%n": a new container id each run).
crun_cmd() {
	echo crun run --bundle "$1" "$CID-%n"
}

measure_hello_boot() {
	local -a cmd=(pith "$PITH" run "$HELLO_PITH" --- native "$HELLO_NATIVE")
	say "hello: $RUNS boots per subject"
	# shellcheck disable=SC2207  # crun_cmd prints words without spaces inside
	[ "$CRUN_OK" = 1 ] && cmd+=(--- crun $(crun_cmd "$TMP/crun-hello"))
	"$LAUNCH" boot -m "$GREETING" "$RUNS" 3 "$MS" "${cmd[@]}" ||
		say "some hello runs failed (see the counts)"
	[ "$VM_OK" = 1 ] || return 0
	say "hello: $VM_RUNS boots of the Linux VM, $RUNS of the QEMU floor"
	linuxvm_hello_argv "$VM_MEM"
	"$LAUNCH" boot -x -m "$GREETING" "$VM_RUNS" 1 "$MS" linuxvm "${CMD[@]}" </dev/null ||
		say "some Linux VM runs failed"
	# shellcheck disable=SC2119 # no argument: the accelerator of the Linux VM
	qemu_floor_argv
	"$LAUNCH" boot -x "$RUNS" 2 "$MS" qemu-floor "${CMD[@]}" </dev/null ||
		say "some QEMU floor runs failed"
}

measure_httpd_boot() {
	local -a cmd=(pith "$P_PITH" "$PITH" run -p "$P_PITH:80" "$SITE_PITH"
		--- native "$P_NATIVE" "$HTTPD_NATIVE" "$P_NATIVE" 0 "$WWW")
	say "httpd: $HTTP_RUNS starts per subject"
	# shellcheck disable=SC2207
	[ "$CRUN_OK" = 1 ] && cmd+=(--- crun "$P_CRUN" $(crun_cmd "$TMP/crun-httpd"))
	"$LAUNCH" http -r 100 "$HTTP_RUNS" 2 "$MS" "${cmd[@]}" ||
		say "some httpd runs failed (see the counts)"
	if [ "$TAP_OK" = 1 ]; then
		say "httpd: $HTTP_RUNS starts of pith-tap"
		ip netns exec "$NS" "$LAUNCH" http -r 100 "$HTTP_RUNS" 2 "$MS" pith-tap \
			"$TAP_GUEST:80" "$PITH" run --net "tap:$TAP" --ip "$TAP_GUEST/24" \
			--gw "$TAP_HOST" "$SITE_PITH" || say "some pith-tap runs failed"
	fi
	[ "$VM_OK" = 1 ] || return 0
	say "httpd: $VM_RUNS starts of the Linux VM"
	linuxvm_httpd_argv "$VM_MEM" "$P_VM"
	"$LAUNCH" http -r 100 -t 60 "$VM_RUNS" 0 "$MS" linuxvm "$P_VM" "${CMD[@]}" ||
		say "some Linux VM httpd runs failed"
	[ "$(count_ok "$MS/linuxvm.http")" -gt 0 ] || {
		VM_HTTPD_OK=0
		NOTES+=("linuxvm: httpd never answered within 60 s (log: QEMU's output); its memory bisection and wrk rounds are left out.")
	}
}

# ---- 2. size ----------------------------------------------------------------------------------

# files_bytes PATH...: the sum of the sizes of the regular files under PATHs.
files_bytes() {
	find "$@" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

kib_of() {
	awk -v b="$1" 'BEGIN { if (b ~ /^[0-9]+$/) printf "%.1f", b / 1024; else print "-" }'
}

measure_sizes() {
	local k hi hd
	put hello.size_kib pith "$(kib_of "$(stat -c %s "$HELLO_PITH")")"
	put httpd.size_kib pith "$(kib_of "$(stat -c %s "$SITE_PITH")")"
	put hello.size_kib native "$(kib_of "$(stat -c %s "$HELLO_NATIVE")")"
	put httpd.size_kib native "$(kib_of "$(files_bytes "$HTTPD_NATIVE" "$WWW")")"
	put hello.size_kib crun "$(kib_of "$(files_bytes "$TMP/crun-hello")")"
	put httpd.size_kib crun "$(kib_of "$(files_bytes "$TMP/crun-httpd")")"
	put hello.bundle_du_kib crun "$(kib_of "$(du -sb "$TMP/crun-hello" | cut -f1)")"
	put httpd.bundle_du_kib crun "$(kib_of "$(du -sb "$TMP/crun-httpd" | cut -f1)")"
	[ "$VM_OK" = 1 ] || return 0
	linuxvm_sizes >"$TMP/vm.sizes"
	k=$(awk '$1 == "kernel" { print $2 }' "$TMP/vm.sizes")
	hi=$(awk '$1 == "hello_initrd" { print $2 }' "$TMP/vm.sizes")
	hd=$(awk '$1 == "httpd_initrd" { print $2 }' "$TMP/vm.sizes")
	put hello.size_kib linuxvm "$(kib_of "$((k + hi))")"
	put httpd.size_kib linuxvm "$(kib_of "$((k + hd))")"
	VM_SIZES="kernel $(kib_of "$k") KiB, hello initramfs $(kib_of "$hi") KiB, httpd initramfs $(kib_of "$hd") KiB"
}

# ---- 3. the smallest guest memory -------------------------------------------------------------

pith_hello_ok() {
	timeout 30 "$PITH" run --mem "${1}M" "$HELLO_PITH" 2>/dev/null </dev/null |
		grep -q "$GREETING"
}

pith_httpd_ok() {
	"$LAUNCH" http -r 1 -t 20 1 0 "$TMP/bisect" try "$P_BISECT" "$PITH" run --mem "${1}M" \
		-p "$P_BISECT:80" "$SITE_PITH" 2>/dev/null
}

vm_hello_ok() {
	linuxvm_hello_argv "$1"
	timeout 30 "${CMD[@]}" 2>/dev/null </dev/null | grep -q "$GREETING"
}

vm_httpd_ok() {
	linuxvm_httpd_argv "$1" "$P_VMBISECT"
	"$LAUNCH" http -r 1 -t 30 1 0 "$TMP/bisect" try "$P_VMBISECT" "${CMD[@]}" 2>/dev/null
}

# bisect FN LO HI: the smallest MiB in LO..HI for which FN succeeds (FN fails below it, assumed
# monotonic); "-" if HI fails; LO itself when LO works (then it is a bound, not the minimum).
bisect() {
	local fn=$1 lo=$2 hi=$3 mid
	rm -rf "$TMP/bisect" && mkdir "$TMP/bisect"
	"$fn" "$hi" || {
		echo -
		return 0
	}
	if "$fn" "$lo"; then
		echo "$lo"
		return 0
	fi
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$(((lo + hi) / 2))
		if "$fn" "$mid"; then hi=$mid; else lo=$mid; fi
		say "  $fn $mid MiB: $([ "$hi" = "$mid" ] && echo works || echo fails)"
	done
	echo "$hi"
}

measure_min_mem() {
	say "smallest guest memory: bisecting pith --mem"
	MIN_pith_hello=$(bisect pith_hello_ok 2 64)
	MIN_pith_httpd=$(bisect pith_httpd_ok 2 256)
	MIN_linuxvm_hello=- MIN_linuxvm_httpd=-
	[ "$VM_OK" = 1 ] || return 0
	say "smallest guest memory: bisecting the Linux VM's -m (a few boots of ~2 s)"
	MIN_linuxvm_hello=$(bisect vm_hello_ok 8 "$VM_MEM")
	[ "$VM_HTTPD_OK" = 0 ] || MIN_linuxvm_httpd=$(bisect vm_httpd_ok 8 "$VM_MEM")
}

# ---- 4. throughput ----------------------------------------------------------------------------

# wrk_once SUBJECT URL [NETNS] -- SERVER...: one wrk run against a fresh server; appends its
# requests/s to $MS/SUBJECT.wrk (-1 when it failed).
wrk_once() {
	local subject=$1 url=$2 ns=$3 addr rps
	shift 4
	addr=${url#http://}
	addr=${addr%/}
	# shellcheck disable=SC2086  # WRK_FLAGS is a list of flags
	${ns:+ip netns exec "$ns"} "$LAUNCH" with -t 60 "$MS/$subject.wrklog" "$addr" "$@" --- \
		wrk $WRK_FLAGS "$url" >"$TMP/wrk.out" 2>&1 || true
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$TMP/wrk.out")
	echo "${rps:--1}" >>"$MS/$subject.wrk"
}

measure_wrk() {
	local r
	say "throughput: $WRK_RUNS rounds of wrk $WRK_FLAGS per subject"
	for r in $(seq 1 "$WRK_RUNS"); do
		wrk_once pith "http://127.0.0.1:$P_PITH/" "" -- \
			"$PITH" run -p "$P_PITH:80" "$SITE_PITH"
		wrk_once native "http://127.0.0.1:$P_NATIVE/" "" -- \
			"$HTTPD_NATIVE" "$P_NATIVE" 0 "$WWW"
		[ "$CRUN_OK" = 0 ] || wrk_once crun "http://127.0.0.1:$P_CRUN/" "" -- \
			crun run --bundle "$TMP/crun-httpd" "$CID-wrk$r"
		[ "$TAP_OK" = 0 ] || wrk_once pith-tap "http://$TAP_GUEST:80/" "$NS" -- \
			"$PITH" run --net "tap:$TAP" --ip "$TAP_GUEST/24" --gw "$TAP_HOST" "$SITE_PITH"
		[ "$VM_OK" = 0 ] || [ "$VM_HTTPD_OK" = 0 ] || {
			linuxvm_httpd_argv "$VM_MEM" "$P_VM"
			wrk_once linuxvm "http://127.0.0.1:$P_VM/" "" -- "${CMD[@]}"
		}
	done
}

# ---- figures ----------------------------------------------------------------------------------


# ok_rows FILE: the lines of FILE whose first figure is a success (>= 0).
ok_rows() {
	if [ -s "$1" ]; then awk '$1 >= 0' "$1"; fi
}

# put METRIC SUBJECT VALUE [N]
put() {
	V[$1/$2]=$3
	N[$1/$2]=${4:--}
}

collect_boot() {
	local s f
	for s in "${SUBJECTS[@]}"; do
		f=$MS/$s.boot
		[ -s "$f" ] || continue
		[ "$s" = qemu-floor ] || put hello.main_ms "$s" "$(median "$f" 1)" "$(count_ok "$f" 1)"
		put hello.exit_ms "$s" "$(median "$f" 2)" "$(count_ok "$f" 2)"
	done
}

collect_http() {
	local s f c metric
	for s in "${SUBJECTS[@]}"; do
		f=$MS/$s.http
		[ -s "$f" ] || continue
		ok_rows "$f" >"$f.ok"
		put httpd.first_response_ms "$s" "$(median "$f.ok" 1)" "$(count_all "$f.ok")"
		c=2
		for metric in httpd.rss1_kib httpd.pss1_kib httpd.rss_kib httpd.pss_kib; do
			put "$metric" "$s" "$(median "$f.ok" $c)" "$(count_all "$f.ok")"
			c=$((c + 1))
		done
		f=$MS/$s.wrk
		[ -s "$f" ] && put httpd.requests_per_s "$s" "$(median "$f")" "$(count_ok "$f")"
	done
	return 0
}

collect_min_mem() {
	put hello.min_mem_mib pith "$MIN_pith_hello"
	put httpd.min_mem_mib pith "$MIN_pith_httpd"
	put hello.min_mem_mib linuxvm "$MIN_linuxvm_hello"
	put httpd.min_mem_mib linuxvm "$MIN_linuxvm_httpd"
}

# val METRIC SUBJECT: the figure or "-".
val() {
	echo "${V[$1/$2]:--}"
}

write_tsv() {
	local key metric s unit
	: >"$PITH_RESULTS/compare.tsv"
	for key in "${!V[@]}"; do
		metric=${key%/*} s=${key##*/}
		case $metric in
		*rss1_kib | *pss1_kib | *bundle_du_kib) continue ;; # shown in compare.md only
		*_ms) unit=ms ;;
		*_kib) unit=KiB ;;
		*_mib) unit=MiB ;;
		*_per_s) unit=req/s ;;
		esac
		tsv_row "$PITH_RESULTS/compare.tsv" "$metric" "$s" "${N[$key]}" "${V[$key]}" "$unit"
	done
	sort -o "$PITH_RESULTS/compare.tsv" "$PITH_RESULTS/compare.tsv"
}

# ---- the report -------------------------------------------------------------------------------

# fig_row LABEL METRIC DECIMALS: one table row: the figure of each subject, then subject / pith.
fig_row() {
	local label=$1 metric=$2 d=$3 s p cells=()
	p=$(val "$metric" pith)
	for s in "${SUBJECTS[@]}"; do
		cells+=("$(fmt "$(val "$metric" "$s")" "$d")")
	done
	for s in native crun linuxvm; do
		cells+=("$(ratio "$(val "$metric" "$s")" "$p")")
	done
	md_row "$label" "${cells[@]}"
}

figures_table() {
	md_row "figure (median)" "${SUBJECTS[@]}" "native/pith" "crun/pith" "linuxvm/pith"
	md_rule 10
	fig_row "hello: launch to main (ms)" hello.main_ms 3
	fig_row "hello: launch to exit (ms)" hello.exit_ms 3
	fig_row "httpd: launch to first 200 (ms)" httpd.first_response_ms 3
	fig_row "hello: size to ship (KiB)" hello.size_kib 1
	fig_row "hello: crun bundle, du -sb (KiB)" hello.bundle_du_kib 1
	fig_row "httpd: size to ship (KiB)" httpd.size_kib 1
	fig_row "httpd: crun bundle, du -sb (KiB)" httpd.bundle_du_kib 1
	fig_row "httpd: host RSS, 1st response (KiB)" httpd.rss1_kib 0
	fig_row "httpd: host PSS, 1st response (KiB)" httpd.pss1_kib 0
	fig_row "httpd: host RSS, +100 requests (KiB)" httpd.rss_kib 0
	fig_row "httpd: host PSS, +100 requests (KiB)" httpd.pss_kib 0
	fig_row "hello: smallest guest memory (MiB)" hello.min_mem_mib 0
	fig_row "httpd: smallest guest memory (MiB)" httpd.min_mem_mib 0
	fig_row "httpd: requests/s (wrk)" httpd.requests_per_s 0
}

# target_vs LABEL METRIC SUBJECT LIMIT UNIT DECIMALS [BASE]: the target "SUBJECT / BASE >=
# LIMIT", BASE a Pith column (default pith).
target_vs() {
	local b=${7:-pith} p v r
	p=$(val "$2" "$b") v=$(val "$2" "$3")
	r=$(ratio "$v" "$p")
	md_row "$1" "$b $(fmt "$p" "$6") $5, $3 $(fmt "$v" "$6") $5: $3/$b = $r" \
		"$(at_least "$r" "$4")"
}

targets_table() {
	local p n r
	md_row "target (issue 6)" "measured" "result"
	md_row "---" "---" "---"
	p=$(val hello.main_ms pith) n=$(val hello.main_ms native)
	r=$(ratio "$p" "$n")
	md_row "hello: time to main <= 2x native" \
		"pith $(fmt "$p" 3) ms, native $(fmt "$n" 3) ms: pith/native = $r" \
		"$(at_least 2 "$r")"
	target_vs "hello: time to main >= 10x faster than crun" hello.main_ms crun 10 ms 3
	target_vs "hello: image >= 10x smaller than the crun bundle" hello.size_kib crun 10 KiB 1
	target_vs "httpd: first response >= 10x faster than crun" httpd.first_response_ms crun 10 \
		ms 3
	target_vs "httpd: first response >= 100x faster than the Linux VM" \
		httpd.first_response_ms linuxvm 100 ms 3
	target_vs "httpd over a tap: first response >= 10x faster than crun" \
		httpd.first_response_ms crun 10 ms 3 pith-tap
	target_vs "httpd over a tap: first response >= 100x faster than the Linux VM" \
		httpd.first_response_ms linuxvm 100 ms 3 pith-tap
}

# runs_line: how many runs of each subject succeeded, per measurement.
runs_line() {
	local s out=""
	for s in "${SUBJECTS[@]}"; do
		out="$out $s: boot $(count_ok "$MS/$s.boot" 2)/$(count_all "$MS/$s.boot"),"
		out="$out httpd $(count_ok "$MS/$s.http" 1)/$(count_all "$MS/$s.http"),"
		out="$out wrk $(count_ok "$MS/$s.wrk" 1)/$(count_all "$MS/$s.wrk");"
	done
	echo "- successful runs:$out"
}

procs_line() {
	local s
	for s in pith native crun linuxvm pith-tap; do
		[ -s "$MS/$s.procs" ] || continue
		echo "- processes of one $s httpd instance (last sample): $(tail -n 1 "$MS/$s.procs")"
	done
}

notes() {
	local n
	echo "- Ratios are subject / pith: above 1 means Pith is faster, smaller or lighter (for requests/s, above 1 means the subject serves more)."
	echo "- Runs: hello $RUNS per fast subject (3 warm-up rounds, subjects alternating run by run), $VM_RUNS for the Linux VM; httpd $HTTP_RUNS starts per fast subject (2 warm-up rounds), $VM_RUNS for the Linux VM; wrk \`$WRK_FLAGS\`, $WRK_RUNS rounds per subject, each against a freshly started server."
	echo "- Time to main: until \"$GREETING\" (hello's first output) is on the pipe; hello.pith runs with the default --mem 64M, site.pith too. The QEMU floor has no main: only its exit time."
	echo "- httpd first response: launch to a complete 200 for GET / on 127.0.0.1, probed with a new connection every 0.2 ms while refused or reset and, beside silent ones, every 1 ms or 1% of the time waited, whichever is longer (pith: passt's port; crun: host network namespace, no network namespace of its own; pith-tap: the guest's address on a tap in a private network namespace, the client inside it, started separately from the other subjects)."
	echo "- Size to ship: pith = the image (httpd: \`pith build --rootfs examples/httpd/www\`, www inside); native = the static binary (httpd: + the www files); crun = config.json + the rootfs's files (sum of file sizes; \`du -sb\` alongside); linuxvm = kernel + initramfs${VM_SIZES:+ ($VM_SIZES)}."
	echo "- Host memory: RSS and PSS from /proc/PID/smaps_rollup summed over the launched process and its descendants (threads and CLONE_VM helpers counted once): pith = monitor + passt; crun = \`crun run\` (which stays as the container's parent) + httpd; linuxvm = QEMU."
	echo "- Smallest guest memory: bisected in 1 MiB steps; pith --mem starts at 2 MiB, its smallest accepted value (a figure of 2 means \"2 or less\"); QEMU -m from 8 MiB."
	procs_line
	runs_line
	for n in "${NOTES[@]}"; do
		echo "- $n"
	done
}

report() {
	echo "## Pith against a process, a container and a Linux VM"
	echo
	figures_table
	echo
	targets_table
	echo
	report_tail "$COMMAND" "$LOAD_START" "Linux VM kernel ${LINUXVM_KERNEL_VERSION:--}" \
		crun wrk passt musl-tools qemu-system-x86
}

main() {
	parse_args "$@"
	preconditions
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	setup
	measure_hello_boot
	measure_httpd_boot
	measure_sizes
	measure_min_mem
	measure_wrk
	collect_boot
	collect_http
	collect_min_mem
	write_tsv
	report | tee "$PITH_RESULTS/compare.md"
}

main "$@"
