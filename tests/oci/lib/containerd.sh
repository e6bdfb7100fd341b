# A private containerd for tests and benchmarks: its own root, state and sockets in a folder.
#
#   . tests/oci/lib/containerd.sh          (sources common.sh)
#   containerd_start DIR    write DIR/config.toml (CRI disabled), start containerd, wait for its
#                           socket; sets CTD_DIR, CTD_SOCK, CTD_PID, CTD_NS (namespace: the
#                           caller's CTD_NS, default "pithtest"), CTD_RUNC_ROOT (give it to
#                           `ctr run --runc-root` so runtimes keep their state under DIR) and
#                           CTD_START_MS (time to the socket). Returns 1 (log in DIR/containerd.log)
#                           if it does not come up in 20 s.
#   ctr_ ARGS...            /usr/bin/ctr --address CTD_SOCK --namespace CTD_NS ARGS...
#   ctr_run ARGS...         ctr_ run --runc-root CTD_RUNC_ROOT --fifo-dir CTD_DIR/fifo ARGS...
#   containerd_shims        pids of the shims this containerd started
#   containerd_stop         kill the daemon, its shims and their containers, unmount what is
#                           under DIR, remove DIR; sets CTD_STOP_MS. Safe to call twice.
# The shims' own sockets are containerd 1.6's fixed /run/containerd/s/<hash of our socket>: they
# go away with the shims.
# shellcheck shell=bash disable=SC2034  # variables for the sourcing scripts
# shellcheck source=tests/oci/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CTD_DIR="" CTD_SOCK="" CTD_PID=""

containerd__config() {
	local dir=$1
	cat <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = "$dir/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
TOML
}

containerd_start() {
	local dir=$1 t0=$EPOCHREALTIME
	CTD_NS=${CTD_NS:-pithtest}
	mkdir -p "$dir/fifo" "$dir/runc" || return 1
	CTD_DIR=$(cd "$dir" && pwd) || return 1
	CTD_SOCK=$CTD_DIR/containerd.sock
	CTD_RUNC_ROOT=$CTD_DIR/runc
	containerd__config "$CTD_DIR" >"$CTD_DIR/config.toml"
	"$OCI_CONTAINERD" --config "$CTD_DIR/config.toml" >"$CTD_DIR/containerd.log" 2>&1 </dev/null &
	CTD_PID=$!
	if ! oci_wait_socket "$CTD_SOCK" 20 || ! containerd__ready; then
		return 1
	fi
	CTD_START_MS=$(oci_ms_since "$t0")
}

# The socket exists before the API answers: wait for `ctr version` too.
containerd__ready() {
	local i
	for ((i = 0; i < 100; i++)); do
		oci_alive "$CTD_PID" || return 1
		ctr_ version >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

ctr_() { "$OCI_CTR" --address "$CTD_SOCK" --namespace "$CTD_NS" "$@"; }

ctr_run() { ctr_ run --runc-root "$CTD_RUNC_ROOT" --fifo-dir "$CTD_DIR/fifo" "$@"; }

containerd_shims() {
	[ -n "$CTD_SOCK" ] || return 0
	local pid
	for pid in $(oci_pids_with "-address $CTD_SOCK "); do
		grep -qF containerd-shim "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
	done
	return 0
}

containerd_stop() {
	local t0=$EPOCHREALTIME pid
	[ -n "$CTD_DIR" ] || return 0
	for pid in $(containerd_shims); do
		oci_kill_tree "$pid"
	done
	oci_stop_pid "$CTD_PID" 10
	for pid in $(containerd_shims); do # any shim started while we were stopping
		oci_kill_tree "$pid"
	done
	oci_umount_under "$CTD_DIR"
	rm -rf "$CTD_DIR"
	CTD_DIR="" CTD_SOCK="" CTD_PID=""
	CTD_STOP_MS=$(oci_ms_since "$t0")
}
