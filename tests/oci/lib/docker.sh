# A private dockerd (Debian's docker.io) for tests and benchmarks, optionally inside a network
# namespace of its own so that `docker network create` bridges and published ports stay there.
#
#   . tests/oci/lib/docker.sh              (sources containerd.sh and common.sh)
#   docker_start DIR [PITH_OCI [NETNS]]
#                   start dockerd with --data-root/--exec-root/--pidfile/-H unix:// under DIR,
#                   no default bridge, no iptables, vfs storage, and DIR/daemon.json declaring
#                   the runtime "pith" (runtimes.pith.path = PITH_OCI, as docs/containers.md
#                   says) when PITH_OCI is given. It uses the containerd of containerd_start if
#                   one runs (CTD_SOCK set), else starts its own under DIR/ctd. NETNS: create
#                   this network namespace (lo up) and run dockerd in it (nsenter --net).
#                   Sets DK_DIR, DK_SOCK, DK_PID, DK_NETNS, DK_RT_ROOT (the --root dockerd gives
#                   runtimes), DK_START_MS. Returns 1 (log: DIR/dockerd.log) if not up in 30 s.
#   docker_ ARGS... /usr/bin/docker -H unix://DK_SOCK ARGS...
#   docker_stop     stop dockerd (and the containerd it started), kill what is left of their
#                   shims and containers, unmount, delete the namespace, remove DIR; sets
#                   DK_STOP_MS. Safe to call twice.
# shellcheck shell=bash disable=SC2034  # variables for the sourcing scripts
# shellcheck source=tests/oci/lib/containerd.sh
. "$(dirname "${BASH_SOURCE[0]}")/containerd.sh"

DK_DIR="" DK_SOCK="" DK_PID="" DK_NETNS="" DK_OWN_CTD=""

docker__config() {
	local pith_oci=$1
	if [ -n "$pith_oci" ]; then
		printf '{"runtimes": {"pith": {"path": "%s"}}}\n' "$pith_oci"
	else
		echo '{}'
	fi
}

docker__netns() {
	local ns=$1
	[ -n "$ns" ] || return 0
	ip netns add "$ns" || return 1
	DK_NETNS=$ns
	ip -n "$ns" link set lo up
}

docker_start() {
	local dir=$1 pith_oci=${2:-} ns=${3:-} t0=$EPOCHREALTIME
	local -a enter=()
	mkdir -p "$dir"/{data,exec} || return 1
	DK_DIR=$(cd "$dir" && pwd) || return 1
	DK_SOCK=$DK_DIR/docker.sock
	DK_RT_ROOT=$DK_DIR/exec/runtime-runc/moby
	docker__config "$pith_oci" >"$DK_DIR/daemon.json"
	if [ -z "${CTD_SOCK:-}" ]; then
		containerd_start "$DK_DIR/ctd" || return 1
		DK_OWN_CTD=1
	fi
	docker__netns "$ns" || return 1
	[ -n "$ns" ] && enter=(nsenter "--net=/run/netns/$ns")
	"${enter[@]}" "$OCI_DOCKERD" --config-file "$DK_DIR/daemon.json" --data-root "$DK_DIR/data" \
		--exec-root "$DK_DIR/exec" --pidfile "$DK_DIR/dockerd.pid" -H "unix://$DK_SOCK" \
		--containerd "$CTD_SOCK" --bridge=none --iptables=false --ip-masq=false \
		--storage-driver vfs >"$DK_DIR/dockerd.log" 2>&1 </dev/null &
	DK_PID=$!
	docker__ready || return 1
	DK_START_MS=$(oci_ms_since "$t0")
}

docker__ready() {
	local i
	for ((i = 0; i < 600; i++)); do
		oci_alive "$DK_PID" || return 1
		[ -S "$DK_SOCK" ] && docker_ version >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

docker_() { "$OCI_DOCKER" -H "unix://$DK_SOCK" "$@"; }

docker_stop() {
	local t0=$EPOCHREALTIME
	[ -n "$DK_DIR" ] || return 0
	oci_stop_pid "$DK_PID" 15
	[ -n "$DK_OWN_CTD" ] && containerd_stop
	oci_kill_tree "$(oci_pids_with "$DK_DIR/exec/")" # anything still holding our exec root
	oci_umount_under "$DK_DIR"
	[ -n "$DK_NETNS" ] && ip netns delete "$DK_NETNS"
	rm -rf "$DK_DIR"
	DK_DIR="" DK_SOCK="" DK_PID="" DK_NETNS="" DK_OWN_CTD=""
	DK_STOP_MS=$(oci_ms_since "$t0")
}
