# A private podman for tests and benchmarks: storage, run state, networks and events under one
# folder (podman has no daemon: conmon monitors each container).
#
#   . tests/oci/lib/podman.sh              (sources common.sh)
#   podman_start DIR     make the folders; sets PDM_DIR and PDM_RT_ROOT (where pith-oci keeps
#                        its state for podman: podman passes no --root, so pith-oci's default
#                        /run/pith-oci; runc's is /run/runc). A private root through podman's
#                        --runtime-flag does not work: conmon's exit command (podman container
#                        cleanup) drops that flag, so the runtime's delete after a `podman kill`
#                        looks in the default root and the state is left behind (seen with runc
#                        too). Checks that `podman info` works (1 if not).
#   podman_ ARGS...      /usr/bin/podman with the private folders, --cgroup-manager cgroupfs,
#                        --events-backend file, --storage-driver vfs (PDM_ARGS: those options)
#   podman_run ARGS...   podman_ run --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 ARGS...
#                        (podman's default rlimits are refused inside these machines' limits)
#   podman_conmons       pids of the conmon processes of this podman
#   podman_stop          kill conmons and their containers, unmount, remove DIR; safe twice.
# shellcheck shell=bash disable=SC2034  # variables for the sourcing scripts
# shellcheck source=tests/oci/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PDM_DIR="" PDM_ARGS=()

podman_start() {
	local dir=$1
	mkdir -p "$dir"/{root,runroot,tmp,volumes,networks} || return 1
	PDM_DIR=$(cd "$dir" && pwd) || return 1
	PDM_RT_ROOT=/run/pith-oci
	PDM_ARGS=(--root "$PDM_DIR/root" --runroot "$PDM_DIR/runroot" --tmpdir "$PDM_DIR/tmp"
		--volumepath "$PDM_DIR/volumes" --network-config-dir "$PDM_DIR/networks"
		--cgroup-manager cgroupfs --events-backend file --storage-driver vfs)
	podman_ info >"$PDM_DIR/info.log" 2>&1
}

podman_() { "$OCI_PODMAN" "${PDM_ARGS[@]}" "$@"; }

podman_run() { podman_ run --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$@"; }

podman_conmons() {
	[ -n "$PDM_DIR" ] || return 0
	local pid
	for pid in $(oci_pids_with "$PDM_DIR/"); do
		grep -qF conmon "/proc/$pid/comm" 2>/dev/null && echo "$pid"
	done
	return 0
}

podman_stop() {
	local pid
	[ -n "$PDM_DIR" ] || return 0
	for pid in $(podman_conmons); do
		oci_kill_tree "$pid"
	done
	oci_umount_under "$PDM_DIR"
	rm -rf "$PDM_DIR"
	PDM_DIR=""
}
