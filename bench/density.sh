#!/usr/bin/env bash
# Density benchmark (issue 6): N httpd unikernels on one host against N crun containers of it.
#
# Usage: bench/density.sh [--quick] [--n "100 500 1000"] [--step 500] [--cap 3000]
#                         [--floor-mib 2048] [--mem 8M] [--jobs 2] [--subjects "pith crun"]
#                         [--bridge-size 1000] [--budget 900]
#   --quick      N = 20 only (development)
#   --n LIST     the N values always tried (default 100 500 1000); then N grows by --step up to
#                --cap, while every instance started and answered and the MemAvailable predicted
#                for the next N (from the per-instance figure just measured) stays above
#                --floor-mib. A launch also stops when MemAvailable falls under the floor.
#   --mem SIZE   the guest memory of each Pith instance (pith run --mem)
#   --jobs J     launches run in J parallel lanes (the same for both subjects)
#   --bridge-size S  instances per bridge (one broadcast domain), at most 1000
#   --budget S   no new N whose round (predicted from the last round's time, scaled by N)
#                would end later than S seconds after the start (0: no time limit)
# Environment: PITH (default build/bin/pith), PITH_RESULTS (default build/bench/results).
# Needs root, /dev/kvm, /dev/net/tun, crun (apt-get install crun), gcc, build/httpd.pith and
# build/httpd-native (make all examples). Runs itself under bench/density_probe.c's subreaper:
# PID 1 here does not reap orphans, and detached keepers and containers are orphans.
#
# Network (one path per instance, all in namespaces this script creates, named "pden<PID>..."):
# a hub namespace holds one Linux bridge per S instances (--bridge-size, default 1000: a bridge
# takes at most 1024 ports), bridge k = 10.(64+k).0.1/16; instance i sits on bridge k = i/S at
# 10.(64+k).(1+j/200).(10+j%200), j = i%S. Pith: one persistent tap per instance in the hub,
# enslaved to its bridge, and `pith run -d --net tap:TAP --ip IP/16 --gw GW` run inside the hub.
# crun: one namespace per container with eth0, the peer of a veth enslaved to the bridge (as
# CNI's bridge plugin does); config.json joins it by path. The host's neighbour-table limits
# (net.ipv4.neigh.default.gc_thresh1-3, global to all namespaces; 1024 entries by default) are
# raised for the run and restored at exit. crun's cgroup quirk here: a v1 hugetlb hierarchy is
# mounted first (and unmounted at exit) unless one is there already.
#
# What is measured, per subject and N, each N from scratch:
#  - network setup: the time to create the taps (or namespaces + veths) and their MemAvailable
#    drop, reported apart (as CNI is for containers), not in the creation rate;
#  - creation rate: N / the wall time of the N `pith run -d` (or `crun run -d`) calls;
#  - all answer: from the first launch until the last instance answered GET / (density_probe:
#    non-blocking connects from the hub to every address, retried until all answer);
#  - host memory per instance: the MemAvailable drop (/proc/meminfo, 2 s after all answered,
#    against just before the first launch) / N: includes the kernel's KVM, page-table, cgroup
#    and slab memory. Also the sum of the PSS (smaps_rollup) of each instance's processes / N
#    (Pith: keeper + monitor; crun: the container's process, crun itself has exited), and the
#    /proc/meminfo deltas behind the drop (AnonPages, PageTables, SecPageTables, KernelStack,
#    Slab, Percpu) at the largest N;
#  - where the time goes: the CPU time (user + system) the instances' processes used until all
#    answered, and the frames the hub sent into each tap or veth (broadcasts flood every port
#    of a bridge: each one wakes every Pith guest, while a container's kernel drops it cheaply);
#  - teardown: `pith stop -t 0` + `pith rm` of all (crun: `crun delete -f` of each).
# Other users of the machine move MemAvailable too: the figures are single runs at each N.
# Targets (issue 6): 1000 concurrent httpd instances answering, <= 8 MiB host memory each,
# created at >= 100/s.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
PITH_RESULTS=${PITH_RESULTS:-$ROOT/build/bench/results}
PROBE=$ROOT/build/bench/density_probe
ARGS=("$@")
NS_LIST="100 500 1000"
STEP=500 CAP=3000 FLOOR_MIB=2048 MEM=8M JOBS=2 SUBJECTS="pith crun" BRIDGE_SIZE=1000 BUDGET_S=900
TAG=pden$$
HUB=$TAG
TMP=
MOUNTED_HUGETLB=0
SAVED_GC=

# shellcheck source=bench/lib/density_net.sh
. "$ROOT/bench/lib/density_net.sh"
# shellcheck source=bench/lib/density_run.sh
. "$ROOT/bench/lib/density_run.sh"
# shellcheck source=bench/lib/density_report.sh
. "$ROOT/bench/lib/density_report.sh"

die() {
	echo "density.sh: $*" >&2
	exit 1
}

log() {
	echo "density.sh: $*" >&2
}

usage() {
	sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) NS_LIST=20 CAP=20 ;;
		--n) NS_LIST=$2 && shift ;;
		--step) STEP=$2 && shift ;;
		--cap) CAP=$2 && shift ;;
		--floor-mib) FLOOR_MIB=$2 && shift ;;
		--mem) MEM=$2 && shift ;;
		--jobs) JOBS=$2 && shift ;;
		--subjects) SUBJECTS=$2 && shift ;;
		--bridge-size) BRIDGE_SIZE=$2 && shift ;;
		--budget) BUDGET_S=$2 && shift ;;
		*) usage ;;
		esac
		shift
	done
	[ "$JOBS" -ge 1 ] 2>/dev/null || die "--jobs must be a positive number"
	[ "$STEP" -ge 1 ] 2>/dev/null || die "--step must be a positive number"
	[ "$BUDGET_S" -ge 0 ] 2>/dev/null || die "--budget must be a number of seconds"
	if ! [ "$BRIDGE_SIZE" -ge 1 ] 2>/dev/null || [ "$BRIDGE_SIZE" -gt 1000 ]; then
		die "--bridge-size must be 1..1000"
	fi
}

preconditions() {
	[ "$(id -u)" = 0 ] || die "needs root (namespaces, taps, veths, crun)"
	[ -c /dev/kvm ] || die "/dev/kvm is absent: the Pith side needs KVM"
	[ -c /dev/net/tun ] || die "/dev/net/tun is absent: the Pith side needs taps"
	for f in "$PITH" build/httpd.pith build/httpd-native; do
		[ -e "$f" ] || die "$f missing: make all examples"
	done
	case " $SUBJECTS " in *" crun "*)
		command -v crun >/dev/null || die "crun missing: apt-get install -y crun (make bench-deps)"
		;;
	esac
}

build_probe() {
	mkdir -p "$(dirname "$PROBE")"
	[ "$PROBE" -nt bench/density_probe.c ] && return 0
	gcc -O2 -Wall -Wextra -std=c11 -o "$PROBE" bench/density_probe.c ||
		die "cannot build bench/density_probe.c"
}

# Runs under the subreaper; removes everything this run made, also after Ctrl-C.
cleanup() {
	trap '' INT TERM
	[ -n "$TMP" ] || return 0
	pith_kill_all 2>/dev/null
	crun_kill_all 2>/dev/null
	net_delete_all 2>/dev/null
	host_limits_restore
	[ "$MOUNTED_HUGETLB" = 1 ] && umount /sys/fs/cgroup/hugetlb && rmdir /sys/fs/cgroup/hugetlb
	rm -rf "$TMP"
}

main() {
	parse_args "$@"
	preconditions
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/pden-bench.XXXXXX") || die "mktemp failed"
	export PITH_STATE_DIR=$TMP/state
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	host_limits_raise
	case " $SUBJECTS " in *" crun "*) crun_cgroup_quirk ;; esac
	run_all
	report
}

if [ "${PDEN_REAPED:-}" != 1 ]; then
	parse_args "$@"
	preconditions
	build_probe
	PDEN_REAPED=1 exec "$PROBE" reap -- bash "$0" "${ARGS[@]}"
fi
main "$@"
