# Host memory of one httpd container for bench/containers.sh (sourced; needs
# containers_engines.sh): start it detached, wait for its first 200, send 20 more requests,
# then sum PSS over the container's processes and, apart, over its shim/conmon.
#
#   mem_once ENGINE RT N   one sample, appended to $MS/ENGINE-RT.mem as
#                          "container_pss_kib shim_pss_kib nprocs container_comm shim_comm";
#                          1 if the container did not answer (nothing appended)
# What is counted: the container's init process as the engine reports it (ctr task ls,
# podman/docker inspect .State.Pid: for pith the monitor, which holds the guest's memory; for
# runc and crun the static httpd) and all its descendants; and its parent, the per-container
# engine process (containerd-shim-runc-v2 for ctr and docker, conmon for podman), which every
# runtime has. The runtime binaries themselves (pith-oci create/start, runc, crun) have exited
# by then. PSS from /proc/PID/smaps_rollup, in KiB.
# shellcheck shell=bash

# pss_of PID...: the sum of their PSS in KiB (processes gone by then count 0).
pss_of() {
	local pid sum=0 v
	for pid in "$@"; do
		v=$(awk '/^Pss:/ { print $2; exit }' "/proc/$pid/smaps_rollup" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

comm_of() {
	cat "/proc/$1/comm" 2>/dev/null || echo "?"
}

ppid_of() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086  # the fields of /proc/PID/stat after the command name
	set -- $stat
	echo "$2"
}

# wait_http NS IP SECONDS: until GET / on IP:80 from namespace NS answers 200.
wait_http() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		nsenter "--net=/run/netns/$1" curl -sf -o /dev/null -m 1 "http://$2/" && return 0
		sleep 0.05
	done
	return 1
}

# container_pid ENGINE NAME: the pid of the container's init process, as the engine sees it.
container_pid() {
	case $1 in
	ctr) ctr_ task ls 2>/dev/null | awk -v n="$2" '$1 == n { print $2 }' ;;
	podman) podman_ inspect -f '{{.State.Pid}}' "$2" 2>/dev/null ;;
	docker) docker_ inspect -f '{{.State.Pid}}' "$2" 2>/dev/null ;;
	esac
}

container_remove() {
	case $1 in
	ctr)
		ctr_ task kill -s SIGKILL "$2" >/dev/null 2>&1
		ctr_ task delete -f "$2" >/dev/null 2>&1
		ctr_ container delete "$2" >/dev/null 2>&1
		;;
	podman) podman_ rm -f -t 0 "$2" >/dev/null 2>&1 ;;
	docker) docker_ rm -f "$2" >/dev/null 2>&1 ;;
	esac
	return 0
}

# mem_sample ENGINE RT NAME NS IP: the figures of the running container NAME.
mem_sample() {
	local pid shim procs i
	pid=$(container_pid "$1" "$3")
	[ -n "$pid" ] && [ "$pid" -gt 0 ] || return 1
	for ((i = 0; i < 20; i++)); do
		nsenter "--net=/run/netns/$4" curl -sf -o /dev/null -m 2 "http://$5/" || return 1
	done
	shim=$(ppid_of "$pid") || return 1
	mapfile -t procs < <(echo "$pid" && oci_descendants "$pid")
	echo "$(pss_of "${procs[@]}") $(pss_of "$shim") ${#procs[@]} $(comm_of "$pid")" \
		"$(comm_of "$shim")" >>"$MS/$1-$2.mem"
}

mem_once() {
	local engine=$1 rt=$2 name=$ID-m${1:0:1}${2:0:2}$3 ns ip rc=1
	ns=$(client_ns "$engine") ip=$(server_ip "$engine" "$rt")
	run_argv "$engine" "$rt" httpd --detach "$name"
	if "${RUN[@]}" >/dev/null 2>>"$MS/$engine-$rt.memlog" && wait_http "$ns" "$ip" 30; then
		mem_sample "$engine" "$rt" "$name" "$ns" "$ip" && rc=0
	fi
	container_remove "$engine" "$name"
	return $rc
}
