#!/usr/bin/env bash
# Pith containers against runc and crun containers through the same engines (issue 7).
#
# Usage: bench/containers.sh [--quick] [--runs N] [--mem-runs N] [--engines "ctr podman docker"]
#   --runs      hello runs and httpd starts per engine and runtime, default 10 (medians)
#   --mem-runs  detached httpd containers sampled for memory per engine and runtime, default 3
#   --engines   which engines, default "ctr podman docker"
#   --quick     --runs 3 --mem-runs 1 (development)
#   --keep      keep the temporary folder (logs of every run in its ms/ folder)
# Needs root, /dev/kvm, a built Pith (make all: build/bin/pith, build/bin/pith-oci), gcc,
# musl-gcc, curl, containerd + ctr, podman, docker.io (dockerd), runc, crun. Each engine runs
# privately in a temporary folder (tests/oci/lib/*.sh); nothing system-wide is touched except
# a v1 hugetlb mount while the run lasts (see cgroup_fix). About 3-5 minutes at the defaults.
# Writes the tables on stdout and $PITH_RESULTS/containers.{tsv,md} (default build/bench/results).
#
# Subjects: every engine runs the same two programs three ways: with pith-oci (build/hello.pith
# and site.pith built here from examples/), and, as a static binary (musl-gcc -static from the
# same sources, alone in its rootfs with www/ for httpd), with runc and with crun. ctr and podman
# get rootfs folders (ctr run --rootfs, podman run --rootfs); docker gets images (`pith pack` +
# docker load for Pith, docker import for the static binaries). Runs alternate between the
# runtimes, run by run (bench/launch.c).
# What is measured, per engine and runtime:
#  1. hello: from just before posix_spawn of the engine's client (`ctr run --rm`, `podman run
#     --rm`, `docker run --rm`) until its exit (and until the greeting reaches its stdout).
#  2. httpd: from posix_spawn of the client (`... run --rm`) until a complete 200 for GET / from
#     the container's address, probed from a network namespace wired to the container's: for ctr
#     and podman a namespace per runtime made here (eth0 a veth to the client's namespace; ctr
#     --with-ns network:PATH, podman --network ns:PATH); for docker a bridge network of the
#     private dockerd (run in its own namespace) with a fixed --ip.
#  3. host memory per httpd container: see bench/lib/containers_mem.sh (the container's
#     processes, and the per-container shim/conmon, PSS).
# Target (issue 7): Pith containers start at least as fast as runc containers through the same
# engine: pith/runc <= 1 for hello's time to exit and httpd's time to first response.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
# shellcheck source=bench/lib/common.sh
. "$ROOT/bench/lib/common.sh"
PITH=${PITH:-$ROOT/build/bin/pith}
PITH_OCI=${PITH_OCI:-$ROOT/build/bin/pith-oci}
PITH_RESULTS=${PITH_RESULTS:-$ROOT/build/bench/results}
RUNS=10 MEM_RUNS=3 ENGINES="ctr podman docker" KEEP=0
RUNTIMES=(pith runc crun)
GREETING="Hello from Pith"
COMMAND="bench/containers.sh $*"
ID=pbct$$
TMP='' CG_MNT=''
NOTES=()
declare -A V N SKIP # figures and run counts by "metric/subject"; SKIP by "engine/runtime"

die() {
	echo "containers.sh: $*" >&2
	exit 1
}

say() {
	echo "containers.sh: $*" >&2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) RUNS=3 MEM_RUNS=1 ;;
		--runs) RUNS=$2 && shift ;;
		--mem-runs) MEM_RUNS=$2 && shift ;;
		--engines) ENGINES=$2 && shift ;;
		--keep) KEEP=1 ;;
		*) die "unknown option $1 (see the usage at the top of bench/containers.sh)" ;;
		esac
		shift
	done
}

preconditions() {
	local t
	[ "$(id -u)" = 0 ] || die "needs root (engines, network namespaces, mounts)"
	[ -c /dev/kvm ] || die "/dev/kvm is absent: Pith needs KVM"
	[ -x "$PITH" ] && [ -x "$PITH_OCI" ] || die "$PITH or $PITH_OCI missing: run make -j2 all"
	for t in gcc musl-gcc curl ip /usr/bin/ctr /usr/bin/containerd /usr/bin/podman \
		/usr/sbin/runc /usr/bin/crun /usr/bin/docker; do
		command -v "$t" >/dev/null || die "$t not found (apt-get install containerd podman" \
			"docker.io runc crun musl-tools curl)"
	done
}

# ---- set-up and clean-up --------------------------------------------------------------------

cleanup() {
	local e
	set +e
	for e in "${STARTED[@]}"; do
		engine_ps_clear "$e"
	done
	engines_stop
	cgroups_clear
	nets_teardown
	[ -n "$CG_MNT" ] && umount "$CG_MNT" && rmdir "$CG_MNT"
	[ -n "$TMP" ] && [ "$KEEP" = 0 ] && rm -rf "$TMP"
	[ "$KEEP" = 1 ] && say "kept $TMP"
}

# build_tools: the timer, and both programs built from examples/ with the commands of
# examples/build.mk (as bench/compare.sh does), so one run measures one source everywhere.
build_tools() {
	local cc=(musl-gcc -static -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE)
	mkdir -p build/bench "$PITH_RESULTS" "$ROOTFS_PITH" "$ROOTFS_NATIVE"
	gcc -O2 -Wall -Wextra -o build/bench/launch bench/launch.c || return 1
	LAUNCH=$ROOT/build/bench/launch
	"$PITH" build -o "$ROOTFS_PITH/hello.pith" examples/hello/hello.c &&
		"$PITH" build --rootfs examples/httpd/www -o "$ROOTFS_PITH/site.pith" \
			examples/httpd/httpd.c &&
		"${cc[@]}" -o "$ROOTFS_NATIVE/hello" examples/hello/hello.c &&
		"${cc[@]}" -o "$ROOTFS_NATIVE/httpd" examples/httpd/httpd.c &&
		cp -r examples/httpd/www "$ROOTFS_NATIVE/www"
}

# cgroup_fix: crun refuses hybrid cgroups ("cgroups in hybrid mode not supported, drop all
# controllers from cgroupv2") while a controller (here hugetlb) sits on the v2 hierarchy.
# Mounting a v1 hierarchy of that controller anywhere moves it off v2 (bench/compare.sh does
# the same); the mount is private to this run (under $TMP) and undone at exit.
cgroup_fix() {
	local v2 ctl
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$v2" ] || return 0
	ctl=$(cat "$v2/cgroup.controllers" 2>/dev/null || true)
	[ -n "$ctl" ] || return 0
	[ "$ctl" = hugetlb ] || say "warning: cgroup v2 holds controllers '$ctl'; moving hugetlb only"
	CG_MNT=$TMP/cg-hugetlb
	mkdir "$CG_MNT"
	if ! mount -t cgroup -o hugetlb "$ID-hugetlb" "$CG_MNT"; then
		rmdir "$CG_MNT"
		CG_MNT=
		return 1
	fi
	NOTES+=("crun: this host mounts cgroup v1 controllers plus a v2 hierarchy holding hugetlb, which crun refuses (\"cgroups in hybrid mode not supported\"); the script mounts a v1 hugetlb hierarchy in a private folder for the run (for every runtime alike) and unmounts it at exit.")
}

# check_subjects: one hello per engine and runtime; a runtime that fails is left out there.
check_subjects() {
	local e rt out
	for e in "${STARTED[@]}"; do
		for rt in "${RUNTIMES[@]}"; do
			run_argv "$e" "$rt" hello
			RUN=("${RUN[@]//%n/check}")
			out=$(timeout 60 "${RUN[@]}" 2>&1 </dev/null)
			if ! grep -q "$GREETING" <<<"$out"; then
				SKIP[$e/$rt]=1
				NOTES+=("$e with $rt: the check run failed, not measured: $(head -c 300 <<<"$out" | tr '\n' ' ')")
			fi
			engine_ps_clear "$e"
		done
	done
}

setup() {
	TMP=$(mktemp -d /tmp/pith-bench-ct-XXXXXX)
	chmod 755 "$TMP"
	MS=$TMP/ms ROOTFS_PITH=$TMP/rootfs-pith ROOTFS_NATIVE=$TMP/rootfs-native
	mkdir "$MS"
	build_tools || die "could not build the programs"
	cgroup_fix || say "could not mount a v1 hugetlb hierarchy: crun may fail"
	nets_setup || die "could not make the network namespaces"
	# shellcheck disable=SC2086  # a list of engines
	engines_start $ENGINES
	check_subjects
}

# ---- measurements ---------------------------------------------------------------------------

# subjects_argv ENGINE KIND: LARGS = NAME [ADDR:PORT] CMD... [--- ...] for launch, for every
# runtime not skipped in ENGINE.
subjects_argv() {
	local e=$1 kind=$2 rt
	LARGS=()
	for rt in "${RUNTIMES[@]}"; do
		[ -n "${SKIP[$e/$rt]:-}" ] && continue
		[ ${#LARGS[@]} -gt 0 ] && LARGS+=(---)
		LARGS+=("$e-$rt")
		[ "$kind" = httpd ] && LARGS+=("$(server_ip "$e" "$rt"):80")
		run_argv "$e" "$rt" "$kind"
		LARGS+=("${RUN[@]}")
	done
	[ ${#LARGS[@]} -gt 0 ]
}

measure_hello() {
	local e
	for e in "${STARTED[@]}"; do
		subjects_argv "$e" hello || continue
		say "$e: hello, $RUNS runs per runtime (+2 warm-up rounds)"
		"$LAUNCH" boot -m "$GREETING" "$RUNS" 2 "$MS" "${LARGS[@]}" 2>>"$MS/launch.log"
		engine_ps_clear "$e"
	done
}

measure_httpd() {
	local e
	# nsenter --net, not `ip netns exec`: that one also remounts /sys in a new mount
	# namespace, without the cgroup hierarchies podman and the runtimes need.
	for e in "${STARTED[@]}"; do
		subjects_argv "$e" httpd || continue
		say "$e: httpd, $RUNS starts per runtime (+1 warm-up round)"
		nsenter "--net=/run/netns/$(client_ns "$e")" "$LAUNCH" http -r 1 -t 30 "$RUNS" 1 "$MS" \
			"${LARGS[@]}" 2>>"$MS/launch.log"
		engine_ps_clear "$e"
	done
}

measure_mem() {
	local e rt i
	for e in "${STARTED[@]}"; do
		say "$e: memory of $MEM_RUNS detached httpd container(s) per runtime"
		for ((i = 1; i <= MEM_RUNS; i++)); do
			for rt in "${RUNTIMES[@]}"; do
				[ -n "${SKIP[$e/$rt]:-}" ] && continue
				mem_once "$e" "$rt" "$i" || say "$e with $rt: no memory sample $i"
			done
		done
		engine_ps_clear "$e"
	done
}

# ---- figures --------------------------------------------------------------------------------

put() {
	V[$1/$2]=$3
	N[$1/$2]=${4:--}
}

val() {
	echo "${V[$1/$2]:--}"
}

collect() {
	local e rt s f
	for e in "${STARTED[@]}"; do
		for rt in "${RUNTIMES[@]}"; do
			s=$e-$rt f=$MS/$s
			put hello.output_ms "$s" "$(median "$f.boot" 1)" "$(count_ok "$f.boot" 1)"
			put hello.exit_ms "$s" "$(median "$f.boot" 2)" "$(count_ok "$f.boot" 2)"
			put httpd.first_response_ms "$s" "$(median "$f.http" 1)" "$(count_ok "$f.http" 1)"
			[ -s "$f.mem" ] || continue
			awk '{ print $1 + $2 }' "$f.mem" >"$f.memsum"
			put httpd.pss_kib "$s" "$(median "$f.memsum")" "$(count_all "$f.mem")"
			put httpd.pss_container_kib "$s" "$(median "$f.mem" 1)" "$(count_all "$f.mem")"
			put httpd.pss_shim_kib "$s" "$(median "$f.mem" 2)" "$(count_all "$f.mem")"
		done
	done
}

write_tsv() {
	local key metric s unit out=$PITH_RESULTS/containers.tsv
	: >"$out"
	for key in "${!V[@]}"; do
		metric=${key%/*} s=${key##*/} unit=ms
		[ "${metric%_kib}" != "$metric" ] && unit=KiB
		tsv_row "$out" "$metric" "$s" "${N[$key]}" "${V[$key]}" "$unit"
	done
	sort -o "$out" "$out"
}

# ---- the report -----------------------------------------------------------------------------

# fig_row ENGINE LABEL METRIC DECIMALS: the figure per runtime, then pith/runc and pith/crun.
fig_row() {
	local e=$1 p
	p=$(val "$3" "$e-pith")
	md_row "$2" "$(fmt "$p" "$4")" "$(fmt "$(val "$3" "$e-runc")" "$4")" \
		"$(fmt "$(val "$3" "$e-crun")" "$4")" "$(ratio "$p" "$(val "$3" "$e-runc")")" \
		"$(ratio "$p" "$(val "$3" "$e-crun")")"
}

engine_table() {
	local e=$1
	echo "### $e"
	echo
	md_row "figure (median)" pith runc crun "pith/runc" "pith/crun"
	md_rule 6
	fig_row "$e" "hello: run to exit (ms)" hello.exit_ms 1
	fig_row "$e" "hello: run to greeting (ms)" hello.output_ms 1
	fig_row "$e" "httpd: run to first 200 (ms)" httpd.first_response_ms 1
	fig_row "$e" "httpd: host PSS, container + shim (KiB)" httpd.pss_kib 0
	fig_row "$e" "httpd: host PSS, container only (KiB)" httpd.pss_container_kib 0
	fig_row "$e" "httpd: host PSS, shim/conmon only (KiB)" httpd.pss_shim_kib 0
	echo
}

# target_row ENGINE LABEL METRIC: "pith/runc <= 1" for one engine and figure; echoes the
# verdict into VERDICTS too.
target_row() {
	local p r v
	p=$(val "$3" "$1-pith") r=$(val "$3" "$1-runc")
	v=$(at_least 1 "$(ratio "$p" "$r")")
	VERDICTS+=("$v")
	md_row "$1: $2" "pith $(fmt "$p" 1) ms, runc $(fmt "$r" 1) ms: pith/runc = $(ratio "$p" "$r")" \
		"$v"
}

targets_table() {
	local e overall=PASS v
	VERDICTS=()
	md_row "target (issue 7): Pith containers start at least as fast as runc containers through the same engine" "measured" "result"
	md_row "---" "---" "---"
	for e in "${STARTED[@]}"; do
		target_row "$e" "hello, run to exit" hello.exit_ms
		target_row "$e" "httpd, run to first 200" httpd.first_response_ms
	done
	for v in "${VERDICTS[@]}"; do
		[ "$v" = PASS ] || overall=$v
		[ "$v" = MISS ] && break
	done
	[ ${#VERDICTS[@]} -gt 0 ] || overall=n/a
	echo
	echo "**$overall**: Pith containers start at least as fast as runc containers through the same engine (every row above)."
}

runs_line() {
	local e rt s out=""
	for e in "${STARTED[@]}"; do
		for rt in "${RUNTIMES[@]}"; do
			s=$e-$rt
			out="$out $s: hello $(count_ok "$MS/$s.boot" 2)/$(count_all "$MS/$s.boot"),"
			out="$out httpd $(count_ok "$MS/$s.http" 1)/$(count_all "$MS/$s.http"),"
			out="$out memory $(count_all "$MS/$s.mem")/$MEM_RUNS;"
		done
	done
	echo "- successful runs:$out"
}

procs_line() {
	local f
	for f in "$MS"/*.mem; do
		[ -s "$f" ] || continue
		echo "- $(basename "$f" .mem): processes counted (last sample): $(tail -n 1 "$f" |
			awk '{ print $3 " in the container (init: " $4 "), shim: " $5 }')"
	done
}

notes() {
	local n
	echo "- Ratios are pith / runtime: below 1 means the Pith container is faster or lighter."
	echo "- Runs: $RUNS per engine and runtime for hello (2 warm-up rounds) and httpd (1 warm-up round), the runtimes alternating run by run; memory: $MEM_RUNS detached container(s) per engine and runtime."
	echo "- Programs: examples/hello/hello.c and examples/httpd/httpd.c; Pith: \`pith build\` (httpd with --rootfs examples/httpd/www, as site.pith), guest memory 64M (pith-oci's default: no memory limit given); runc/crun: \`musl-gcc -static\` alone in the rootfs (+ www/ for httpd)."
	[ -n "${DK_DIR:-}" ] && echo "- Docker images: $([ "$DOCKER_PITH_PACKED" = 1 ] && echo "Pith: \`pith pack\` + docker load" || echo "Pith: docker import of the rootfs folder (pith pack or load failed)"); static binaries: docker import. ctr and podman run rootfs folders."
	echo "- httpd first response: a complete 200 for GET / on the container's address, probed from a client network namespace (a new connection every 0.2 ms while refused, see bench/launch.c). ctr and podman: a namespace per runtime made by the script (veth eth0 10.213.N.2/24), joined by path; docker: a user-defined bridge network of the private dockerd (10.213.9.0/24), fixed --ip. The client's stop is SIGTERM (the engines forward it)."
	echo "- Host memory: PSS (/proc/PID/smaps_rollup) after the first 200 and 20 more requests, of the container's init process as the engine reports it plus its descendants (pith: the monitor, holding the guest; runc/crun: the static httpd), and of its parent, the per-container engine process (containerd-shim-runc-v2 for ctr and docker, conmon for podman). The runtime binaries (pith-oci, runc, crun) have exited by then; engine daemons are shared and not counted."
	[ -n "${DK_DIR:-}" ] && echo "- docker httpd: figures near 1 s (runc and crun here) are most likely a first SYN sent before the container's veth is on the bridge and retransmitted by TCP after 1 s (not verified further): part of what Docker's networking costs, the same path for every runtime."
	procs_line
	runs_line
	for n in "${NOTES[@]}"; do
		echo "- $n"
	done
}

report() {
	local e
	echo "## Pith containers against runc and crun through containerd, podman and Docker"
	echo
	for e in "${STARTED[@]}"; do
		engine_table "$e"
	done
	targets_table
	echo
	report_tail "$COMMAND" "$LOAD_START" "" containerd podman conmon docker.io runc crun
}

main() {
	parse_args "$@"
	preconditions
	# shellcheck source=bench/lib/containers_engines.sh
	. "$ROOT/bench/lib/containers_engines.sh"
	# shellcheck source=bench/lib/containers_mem.sh
	. "$ROOT/bench/lib/containers_mem.sh"
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	setup
	measure_hello
	measure_httpd
	measure_mem
	collect
	write_tsv
	report | tee "$PITH_RESULTS/containers.md"
}

main "$@"
