#!/usr/bin/env bash
# Kubernetes-shaped tests of pith-oci (issue 7). Debian 12 has no kubelet nor crictl, so:
#  1. containerd (Debian's) runs with its CRI plugin ENABLED and the runtime configuration block
#     of docs/kubernetes.md (copied out of the doc): the plugin loads and takes both runtimes;
#     without the runc entry it refuses to load (a control: the check can fail).
#  2. The CRI's call pattern against pith-oci directly, as containerd's runc shim makes it
#     (--root, --log, --log-format json, create --bundle --pid-file, start, state, kill, delete
#     --force), with bundles shaped as the CRI writes them: the pod sandbox ("pause", container
#     type sandbox, a network namespace path) is delegated to runc; the app container (type
#     container, the sandbox's namespace, org.pith.* annotations, a cgroupsPath under the pod's,
#     a memory limit) runs in Pith in the pod's namespace and answers curl from a peer.
#  3. The CRI for real: containerd (CRI plugin, the doc's runtimes, Debian's CNI plugins, in a
#     network namespace of its own: the "node") driven over its CRI gRPC socket by
#     tests/oci/lib/cri.py (Debian's python3-grpcio) with a kubelet's calls: RunPodSandbox with
#     runtime handler "pith", CreateContainer/StartContainer of images made by `pith pack`,
#     StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox.
#
# Usage: tests/oci/kube.sh [NAME-REGEX]
# Environment: PITH_OCI (default build/bin/pith-oci), PITH (build/bin/pith), HTTPD (default
# build/httpd.pith). Needs root, /dev/kvm, containerd, runc, gcc, curl, iproute2, util-linux,
# python3-grpcio, containernetworking-plugins. Everything it makes (the daemons, namespaces,
# veths, cgroups, containers, the temporary folder) is removed at exit.
# shellcheck disable=SC2317,SC2015  # functions called through check(); A && B || C
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH_OCI=${PITH_OCI:-$ROOT/build/bin/pith-oci}
PITH=${PITH:-$ROOT/build/bin/pith}
HTTPD=${HTTPD:-$ROOT/build/httpd.pith}
DOC=$ROOT/docs/kubernetes.md

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start oci-kube "${1:-.}"
# shellcheck source=tests/oci/lib/common.sh
. "$ROOT/tests/oci/lib/common.sh"

POD_IP=10.206.71.2 PEER_IP=10.206.71.1
CG_TOP=pho6-kubepods-$$ # the "kubepods" cgroup of this run
POD_UID=0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0
SB=pho6sb$$ APP=pho6app$$ SIDE=pho6side$$ # container IDs
CTD_PID="" VETH=pk$$
# The CRI gives sandboxes -998 and containers a value by QoS class; lowering one needs
# CAP_SYS_RESOURCE, which this machine may not grant: keep the current value.
OOM_ADJ=$(cat /proc/self/oom_score_adj)

# ---- set-up and clean-up -------------------------------------------------------------------

kube_cleanup() {
	local id
	for id in "$APP" "$SIDE" "$SB"; do
		[ -d "$TMP/root/$id" ] && oci_ delete --force "$id" >/dev/null 2>&1
	done
	kube_cri_cleanup
	[ -n "$CTD_PID" ] && oci_stop_pid "$CTD_PID" 10
	ip link del "$VETH" 2>/dev/null
	umount "$TMP/podns" "$TMP/peerns" 2>/dev/null
	oci_umount_under "$TMP"
	find /sys/fs/cgroup -depth -mindepth 2 -maxdepth 7 -type d -path "*$CG_TOP*" \
		-exec rmdir {} \; 2>/dev/null
	rm -rf "$TMP"
}
# Part 3's daemon: its shims and what they run, then containerd; the pods' runtime state.
kube_cri_cleanup() {
	local pid id
	[ -n "$CRI_SOCK" ] || return 0
	for pid in $(oci_pids_with "-address $CRI_SOCK "); do
		oci_kill_tree "$pid"
	done
	[ -n "$CTD_PID" ] && oci_stop_pid "$CTD_PID" 10
	CTD_PID=""
	for id in "$CRI_ROOT"/k8s.io/*/; do
		[ -d "$id" ] || continue
		id=${id%/}
		"$PITH_OCI" --root "$CRI_ROOT/k8s.io" delete --force "${id##*/}" >/dev/null 2>&1
	done
	for pid in $(oci_pids_with "$CRI_ROOT"); do
		kill -KILL "$pid" 2>/dev/null
	done
}
trap kube_cleanup EXIT
trap 'exit 130' INT TERM

# pith-oci as the runc shim calls it: --root, --log, --log-format json.
oci_() { "$PITH_OCI" --root "$TMP/root" --log "$TMP/oci-log.json" --log-format json "$@"; }

# The pod's network namespace (as CNI would make it: eth0 with the pod's IP, a default route)
# and a peer namespace at the other end of the veth (the node's side), each bound to a file.
kube_netns() {
	touch "$TMP/podns" "$TMP/peerns" &&
		unshare --net="$TMP/podns" true && unshare --net="$TMP/peerns" true &&
		ip link add "$VETH" type veth peer name "${VETH}p" &&
		ip link set "${VETH}p" netns "$(kube_nspid "$TMP/podns")" name eth0 &&
		ip link set "$VETH" netns "$(kube_nspid "$TMP/peerns")" &&
		nsenter --net="$TMP/peerns" sh -ec "ip link set lo up; ip link set $VETH up
			ip addr add $PEER_IP/24 dev $VETH" &&
		nsenter --net="$TMP/podns" sh -ec "ip link set lo up; ip link set eth0 up
			ip addr add $POD_IP/24 dev eth0; ip route add default via $PEER_IP"
}

# `ip link set ... netns` wants a pid or a name: a sleeping process inside the namespace.
kube_nspid() {
	nsenter --net="$1" sleep 30 >/dev/null 2>&1 &
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		[ "$(readlink "/proc/$pid/ns/net")" = "net:[$(stat -L -c %i "$1")]" ] && break
		sleep 0.01
	done
	echo "$pid"
	(sleep 2 && kill "$pid") >/dev/null 2>&1 &
}

# A static pause program for the sandbox: waits for a signal, exits 0 on SIGTERM/SIGINT.
kube_pause() {
	mkdir -p "$TMP/pause/rootfs" && cat >"$TMP/pause/pause.c" <<'C'
#include <signal.h>
#include <unistd.h>
static void bye(int sig) { (void)sig; _exit(0); }
int main(void) { signal(SIGTERM, bye); signal(SIGINT, bye); for (;;) pause(); }
C
	gcc -O1 -static -o "$TMP/pause/rootfs/pause" "$TMP/pause/pause.c"
}

# ---- CRI-shaped bundles (what containerd 1.6's CRI writes into config.json) ----------------

# kube_bundle DIR TYPE ID ARGS_JSON ANNOTATIONS_JSON RESOURCES_JSON NAMESPACES_JSON
kube_bundle() {
	local dir=$1 type=$2 id=$3 args=$4 ann=$5 res=$6 ns=$7
	mkdir -p "$dir/rootfs"
	cat >"$dir/config.json" <<JSON
{
  "ociVersion": "1.0.2-dev",
  "process": {
    "user": {"uid": 0, "gid": 0, "additionalGids": [0]},
    "args": $args,
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOSTNAME=web", "KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"],
      "effective": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"],
      "permitted": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"]
    },
    "noNewPrivileges": true,
    "oomScoreAdj": $OOM_ADJ
  },
  "root": {"path": "rootfs", "readonly": $([ "$type" = sandbox ] && echo true || echo false)},
  "hostname": "web",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]}
  ],
  "annotations": $ann,
  "linux": {
    "resources": $res,
    "cgroupsPath": "/$CG_TOP/besteffort/pod$POD_UID/$id",
    "namespaces": $ns,
    "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/sys/firmware"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
JSON
}

kube_sandbox_bundle() {
	kube_bundle "$TMP/sb" sandbox "$SB" '["/pause"]' "{
    \"io.kubernetes.cri.container-type\": \"sandbox\",
    \"io.kubernetes.cri.sandbox-id\": \"$SB\",
    \"io.kubernetes.cri.sandbox-name\": \"web\",
    \"io.kubernetes.cri.sandbox-namespace\": \"default\",
    \"io.kubernetes.cri.sandbox-log-directory\": \"/var/log/pods/default_web_$POD_UID\",
    \"org.pith.mem\": \"64M\"
  }" '{"devices": [{"allow": false, "access": "rwm"}], "cpu": {"shares": 2}}' "[
    {\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"},
    {\"type\": \"network\", \"path\": \"$TMP/podns\"}
  ]" && cp "$TMP/pause/rootfs/pause" "$TMP/sb/rootfs/pause"
}

# The app container: ID, bundle folder, args, extra annotations (JSON members, leading comma).
kube_app_bundle() {
	local id=$1 dir=$2 args=$3 extra=${4:-} sbpid
	sbpid=$(kube_state_field "$SB" pid)
	kube_bundle "$dir" container "$id" "$args" "{
    \"io.kubernetes.cri.container-type\": \"container\",
    \"io.kubernetes.cri.container-name\": \"web\",
    \"io.kubernetes.cri.image-name\": \"docker.io/library/httpd:1\",
    \"io.kubernetes.cri.sandbox-id\": \"$SB\",
    \"io.kubernetes.cri.sandbox-name\": \"web\",
    \"io.kubernetes.cri.sandbox-namespace\": \"default\",
    \"org.pith.mem\": \"64M\"$extra
  }" '{"devices": [{"allow": false, "access": "rwm"}],
    "memory": {"limit": 134217728}, "cpu": {"shares": 2, "period": 100000, "quota": 50000}}' "[
    {\"type\": \"pid\"},
    {\"type\": \"ipc\", \"path\": \"/proc/$sbpid/ns/ipc\"},
    {\"type\": \"uts\", \"path\": \"/proc/$sbpid/ns/uts\"},
    {\"type\": \"mount\"},
    {\"type\": \"network\", \"path\": \"$TMP/podns\"}
  ]"
}

# kube_state_field ID FIELD: a string or number field of `pith-oci state ID`.
kube_state_field() {
	oci_ state "$1" 2>/dev/null | grep -o "\"$2\":[^,}]*" | head -n 1 | cut -d: -f2- |
		tr -d '" '
}

# kube_wait_status ID STATUS [SECONDS]
kube_wait_status() {
	local i
	for ((i = 0; i < ${3:-5} * 20; i++)); do
		[ "$(kube_state_field "$1" status)" = "$2" ] && return 0
		sleep 0.05
	done
	WHY="$1 is $(kube_state_field "$1" status), expected $2"
	return 1
}

# create + start as the shim does them (cwd = the bundle, a pid file).
kube_create_start() {
	local id=$1 dir=$2
	(cd "$dir" && oci_ create --bundle "$dir" --pid-file "$dir/init.pid" "$id") \
		>"$TMP/create.out" 2>"$TMP/create.err" || {
		WHY="create $id failed: $(head -c 300 "$TMP/create.err")"
		return 1
	}
	oci_ start "$id" 2>"$TMP/start.err" || {
		WHY="start $id failed: $(head -c 300 "$TMP/start.err")"
		return 1
	}
}

# True if PID's network namespace is the file-bound one at NSFILE.
kube_in_netns() {
	[ "$(readlink "/proc/$1/ns/net")" = "net:[$(stat -L -c %i "$2")]" ]
}

# ---- 1. containerd with the CRI plugin and docs/kubernetes.md's configuration ----------------

# The ```toml block that follows the "kube.sh:" marker in the doc, with this run's paths (Root:
# $1, default TMP/root).
kube_doc_config() {
	awk '/<!-- kube.sh: the CRI configuration/ { on = 1; next }
	     on && /^```toml/ { inblock = 1; next }
	     inblock && /^```/ { exit }
	     inblock { print }' "$DOC" |
		sed -e "s|/usr/local/bin/pith-oci|$PITH_OCI|" \
			-e "s|\"/run/pith-oci\"|\"${1:-$TMP/root}\"|"
}

# containerd's own paths, private, and the CRI plugin's settings this test needs (network
# namespaces under the state folder, not /var/run/netns; Debian's CNI plugins with a private
# configuration folder; OOM score adjustments no lower than containerd's own, since lowering one
# needs CAP_SYS_RESOURCE, which this machine may not grant; no AppArmor profile).
kube_ctd_config() {
	local d=$1
	cat <<TOML
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
[plugins."io.containerd.grpc.v1.cri"]
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = true
  disable_apparmor = true
  sandbox_image = "docker.io/library/pith-pause:1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$d/cni/conf"
TOML
}

# kube_ctd_run DIR CONFIG-BLOCK: start containerd with it; the `cri` row of `ctr plugins ls`
# into CRI_ROW; stops it again.
kube_ctd_run() {
	local d=$1 i
	mkdir -p "$d"
	{ kube_ctd_config "$d" && printf '%s\n' "$2"; } >"$d/config.toml"
	"$OCI_CONTAINERD" --config "$d/config.toml" >"$d/containerd.log" 2>&1 </dev/null &
	CTD_PID=$!
	CRI_ROW=""
	oci_wait_socket "$d/containerd.sock" 20 || { WHY="containerd did not start"; return 1; }
	for ((i = 0; i < 100; i++)); do
		CRI_ROW=$("$OCI_CTR" --address "$d/containerd.sock" plugins ls 2>/dev/null |
			awk '$1 == "io.containerd.grpc.v1" && $2 == "cri"')
		[ -n "$CRI_ROW" ] && break
		sleep 0.05
	done
	oci_stop_pid "$CTD_PID" 10
	CTD_PID=""
}

t_cri_config_loads() {
	local block d=$TMP/ctd
	block=$(kube_doc_config)
	[ -n "$block" ] || { WHY="no CRI configuration block in $DOC"; return 1; }
	grep -qF "BinaryName = \"$PITH_OCI\"" <<<"$block" ||
		{ WHY="the doc's block has no BinaryName to point at $PITH_OCI"; return 1; }
	kube_ctd_run "$d" "$block" || return 1
	[[ $CRI_ROW =~ [[:space:]]ok[[:space:]]*$ ]] ||
		{
			WHY="cri plugin row: '${CRI_ROW:-none}'"
			WHY="$WHY; log: $(grep -m1 cri "$d/containerd.log")"
			return 1
		}
	# containerd logs the configuration the plugin took: both runtimes, pith's options.
	grep -F 'Start cri plugin with config' "$d/containerd.log" >"$TMP/cri-config" || true
	local want
	for want in "pith:{Type:io.containerd.runc.v2" "PodAnnotations:[org.pith.*]" \
		"ContainerAnnotations:[org.pith.*]" "BinaryName:$PITH_OCI" "Root:$TMP/root" \
		"runc:{Type:io.containerd.runc.v2"; do
		grep -qF -- "$want" "$TMP/cri-config" && continue
		WHY="the cri plugin's configuration lacks '$want'"
		return 1
	done
	grep -E 'level=(fatal|error)' "$d/containerd.log" | grep -vi 'cni' | grep -q . &&
		{
			WHY="containerd: $(grep -m1 -E 'level=(fatal|error)' "$d/containerd.log")"
			return 1
		}
	rm -rf "$d"
}

# The control: the same block without the runc entry is refused by the CRI plugin.
t_cri_config_without_runc_refused() {
	local block d=$TMP/ctd2
	block=$(kube_doc_config | awk '/runtimes\.runc\]/ { skip = 1; next }
		skip && /^ *\[/ { skip = 0 } !skip')
	kube_ctd_run "$d" "$block" || return 1
	[[ $CRI_ROW =~ [[:space:]]error[[:space:]]*$ ]] ||
		{ WHY="cri plugin row without runc: '${CRI_ROW:-none}'"; return 1; }
	grep -qF 'no corresponding runtime configured' "$d/containerd.log" ||
		{ WHY="no refusal in containerd's log"; return 1; }
	rm -rf "$d"
}

# ---- 2. a pod, as the CRI drives the runtime ---------------------------------------------------

t_sandbox_delegated_to_runc() {
	local pid
	kube_sandbox_bundle || { WHY="cannot make the sandbox bundle"; return 1; }
	kube_create_start "$SB" "$TMP/sb" || return 1
	kube_wait_status "$SB" running || return 1
	pid=$(kube_state_field "$SB" pid)
	[ "$pid" = "$(cat "$TMP/sb/init.pid")" ] ||
		{ WHY="state pid $pid, pid file $(cat "$TMP/sb/init.pid")"; return 1; }
	[ -d "$TMP/root/.runc/$SB" ] || { WHY="no runc state in $TMP/root/.runc/$SB"; return 1; }
	grep -qF '"delegated":true' "$TMP/root/$SB/state.json" ||
		{ WHY="pith-oci's record is not marked delegated"; return 1; }
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "/pause " ] ||
		{ WHY="pid $pid is not /pause"; return 1; }
	kube_in_netns "$pid" "$TMP/podns" ||
		{ WHY="the pause process is not in the pod's netns"; return 1; }
	grep -qF "$CG_TOP/besteffort/pod$POD_UID/$SB" "/proc/$pid/cgroup" ||
		{ WHY="the pause process is not in its cgroupsPath"; return 1; }
}

# The size in bytes of the largest mapping of PID (the monitor's guest memory).
kube_largest_mapping() {
	awk '{ split($1, a, "-"); s = strtonum("0x" a[2]) - strtonum("0x" a[1]); if (s > m) m = s }
	     END { print m + 0 }' "/proc/$1/maps"
}

# What `pith run --mem SIZE` of the same image maps: the reference for the pod's limit.
kube_reference_mapping() {
	local pid i size=0
	"$PITH" run --mem "$1" "$HTTPD" 80 5 >/dev/null 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		size=$(kube_largest_mapping "$pid" 2>/dev/null)
		[ "${size:-0}" -ge $((2 << 20)) ] && break
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "$size"
}

# kube_memory_limit PID BYTES: PID's memory cgroup (v1 if mounted, else v2) has that limit.
kube_memory_limit() {
	local rel file
	rel=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$1/cgroup")
	if [ -n "$rel" ] && [ -d /sys/fs/cgroup/memory ]; then
		file=/sys/fs/cgroup/memory$rel/memory.limit_in_bytes
	else
		rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup")
		file=$(find /sys/fs/cgroup -maxdepth 2 -name cgroup.controllers -printf '%h\n' |
			head -n 1)$rel/memory.max
	fi
	[ "$(cat "$file" 2>/dev/null)" = "$2" ] && return 0
	WHY="$file holds '$(cat "$file" 2>/dev/null)', expected $2"
	return 1
}

# Until PID is gone or a zombie whose threads have all exited: when a runtime shim, reaping it,
# would learn of the exit and call delete.
kube_wait_exited() {
	local i tasks
	for ((i = 0; i < 200; i++)); do
		[ -d "/proc/$1" ] || return 0
		tasks=("/proc/$1/task"/*)
		! oci_alive "$1" && [ "${#tasks[@]}" -le 1 ] && return 0
		sleep 0.05
	done
	WHY="process $1 did not exit"
	return 1
}

t_app_runs_in_pith() {
	local pid body got want
	mkdir -p "$TMP/app/rootfs" && cp "$HTTPD" "$TMP/app/rootfs/httpd.pith"
	kube_app_bundle "$APP" "$TMP/app" '["/httpd.pith", "80"]' \
		', "org.pith.image": "/httpd.pith"' ||
			{ WHY="cannot make the app bundle"; return 1; }
	kube_create_start "$APP" "$TMP/app" || return 1
	kube_wait_status "$APP" running || return 1
	pid=$(kube_state_field "$APP" pid)
	[ "$pid" = "$(cat "$TMP/app/init.pid")" ] ||
		{ WHY="state pid $pid, pid file differs"; return 1; }
	[ ! -d "$TMP/root/.runc/$APP" ] || { WHY="the app went to runc"; return 1; }
	kube_in_netns "$pid" "$TMP/podns" ||
		{ WHY="the monitor is not in the pod's netns"; return 1; }
	body=$(nsenter --net="$TMP/peerns" curl -s -m 10 "http://$POD_IP/" 2>&1)
	[[ $body == *"Hello from Pith"* ]] ||
		{ WHY="curl http://$POD_IP/ from the peer: '${body:0:200}'"; return 1; }
	# A 128 MiB limit: the guest gets 124 MiB, as `pith run --mem 124M` (org.pith.mem says 64M:
	# the limit wins).
	got=$(kube_largest_mapping "$pid") want=$(kube_reference_mapping 124M)
	[ "$got" = "$want" ] && [ "$want" != "$(kube_reference_mapping 64M)" ] ||
		{ WHY="guest memory mapping $got bytes, pith run --mem 124M maps $want"; return 1; }
	grep -qF "$CG_TOP/besteffort/pod$POD_UID/$APP" "/proc/$pid/cgroup" ||
		{
			WHY="the monitor is not in cgroupsPath: $(tr '\n' ' ' <"/proc/$pid/cgroup")"
			return 1
		}
	kube_memory_limit "$pid" 134217728 || return 1
	[ "$(oci_ ps --format json "$APP")" = "[$pid]" ] ||
		{ WHY="ps: $(oci_ ps --format json "$APP")"; return 1; }
}

# Kubernetes stops a container with SIGTERM (the guest's handler runs: exit 0), then deletes it.
t_app_stop_and_delete() {
	local pid
	pid=$(kube_state_field "$APP" pid)
	oci_ kill "$APP" 15 || { WHY="kill $APP 15 failed"; return 1; }
	kube_wait_status "$APP" stopped 10 && kube_wait_exited "$pid" || return 1
	oci_ delete "$APP" 2>"$TMP/del.err" || { WHY="delete: $(cat "$TMP/del.err")"; return 1; }
	oci_ delete --force "$APP" 2>/dev/null ||
		{ WHY="the shim's second delete --force failed"; return 1; }
	oci_alive "$pid" && { WHY="the monitor $pid is still alive"; return 1; }
	[ ! -e "$TMP/root/$APP" ] || { WHY="state folder left"; return 1; }
	nsenter --net="$TMP/podns" ip -o link show | grep -vqE ': (lo|eth0)@?' &&
		{
			WHY="links left: $(nsenter --net="$TMP/podns" ip -o link | cut -c1-200)"
			return 1
		}
	nsenter --net="$TMP/podns" tc qdisc show dev eth0 | grep -q ingress &&
		{ WHY="an ingress qdisc is left on eth0"; return 1; }
	[ -z "$(oci_cgroups_named "$APP")" ] ||
		{ WHY="cgroup left: $(oci_cgroups_named "$APP")"; return 1; }
	# The pod's network still works for the next container (the sandbox still holds it).
	nsenter --net="$TMP/peerns" ping -c 1 -W 2 "$POD_IP" >/dev/null ||
		{ WHY="the pod's eth0 no longer answers ping"; return 1; }
}

# A container of the pod that is not a Pith image: a clear error, or runc with the annotation.
t_sidecar_not_pith() {
	local pid
	mkdir -p "$TMP/side/rootfs" && cp "$TMP/pause/rootfs/pause" "$TMP/side/rootfs/pause"
	kube_app_bundle "$SIDE" "$TMP/side" '["/pause"]' || return 1
	if (cd "$TMP/side" && oci_ create --bundle "$TMP/side" --pid-file "$TMP/side/p" "$SIDE") \
		2>"$TMP/side.err"; then
		WHY="a non-Pith container was accepted without org.pith.fallback"
		return 1
	fi
	grep -qF 'is not a Pith image' "$TMP/side.err" ||
		{ WHY="error: $(cat "$TMP/side.err")"; return 1; }
	grep -qF '"level":"error"' "$TMP/oci-log.json" ||
		{ WHY="no JSON error line in --log"; return 1; }
	[ ! -e "$TMP/root/$SIDE" ] || { WHY="a failed create left $TMP/root/$SIDE"; return 1; }
	kube_app_bundle "$SIDE" "$TMP/side" '["/pause"]' ', "org.pith.fallback": "runc"' || return 1
	kube_create_start "$SIDE" "$TMP/side" || return 1
	kube_wait_status "$SIDE" running || return 1
	pid=$(kube_state_field "$SIDE" pid)
	kube_in_netns "$pid" "$TMP/podns" ||
		{ WHY="the sidecar is not in the pod's netns"; return 1; }
	oci_ delete --force "$SIDE" || { WHY="delete --force $SIDE failed"; return 1; }
	[ ! -e "$TMP/root/$SIDE" ] && [ ! -e "$TMP/root/.runc/$SIDE" ] ||
		{ WHY="sidecar state left"; return 1; }
}

# StopPodSandbox / RemovePodSandbox: the pause process ends, runc's and pith-oci's state go.
t_sandbox_stop_and_delete() {
	local pid
	pid=$(kube_state_field "$SB" pid)
	oci_ kill "$SB" 9 || { WHY="kill $SB 9 failed"; return 1; }
	kube_wait_status "$SB" stopped 10 && kube_wait_exited "$pid" || return 1
	oci_ delete --force "$SB" || { WHY="delete --force $SB failed"; return 1; }
	oci_alive "$pid" && { WHY="pause $pid still alive"; return 1; }
	[ ! -e "$TMP/root/$SB" ] && [ ! -e "$TMP/root/.runc/$SB" ] ||
		{ WHY="sandbox state left"; return 1; }
	[ -z "$(oci_cgroups_named "$SB")" ] ||
		{ WHY="cgroup left: $(oci_cgroups_named "$SB")"; return 1; }
	oci_ state "$SB" 2>"$TMP/state.err" &&
		{ WHY="state of a deleted sandbox succeeded"; return 1; }
	grep -qF "does not exist" "$TMP/state.err" ||
		{ WHY="state: $(cat "$TMP/state.err")"; return 1; }
}

# ---- 3. the CRI for real: containerd's CRI plugin driven over gRPC as a kubelet would ----------

CRI_DIR="" CRI_SOCK="" CRI_ROOT="" CRI_SB="" CRI_WEB="" CRI_SB2="" CRI_TERM=""
CRI_NET=10.207.71 # the pods' subnet (CNI bridge + host-local, inside the node's namespace)

cri_() { /usr/bin/python3 "$ROOT/tests/oci/lib/cri.py" "$CRI_SOCK" "$@"; }

# A docker-archive image (docker save's format, which `ctr image import` takes) of the pause
# program: the pod sandbox image (sandbox_image in the configuration).
kube_pause_image() {
	local d=$TMP/pause-img l c
	mkdir -p "$d" && tar -C "$TMP/pause/rootfs" --owner=0 --group=0 -cf "$d/layer.tar" . &&
		l=$(sha256sum "$d/layer.tar" | cut -c1-64) && mkdir -p "$d/$l" &&
		mv "$d/layer.tar" "$d/$l/layer.tar" || return 1
	printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"]},%s}' \
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$l\"]}" >"$d/config.json"
	c=$(sha256sum "$d/config.json" | cut -c1-64) && mv "$d/config.json" "$d/$c.json" &&
		printf '[{"Config":"%s.json","RepoTags":["pith-pause:1"],%s}]' "$c" \
			"\"Layers\":[\"$l/layer.tar\"]" >"$d/manifest.json" &&
		tar -C "$d" -cf "$1" "$c.json" "$l" manifest.json
}

# The CNI network of the node: a bridge and host-local addresses, all inside the node's netns.
kube_cni_config() {
	cat <<JSON
{"cniVersion": "1.0.0", "name": "pho6-pods", "plugins": [
  {"type": "bridge", "bridge": "pho6cni0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$CRI_NET.0/24"}]],
            "dataDir": "$1/ipam", "routes": [{"dst": "0.0.0.0/0"}]}}]}
JSON
}

# Images, the node's namespace, the configuration, containerd started inside the namespace.
t_cri_setup() {
	local d=$TMP/cri
	CRI_DIR=$d CRI_SOCK=$d/containerd.sock CRI_ROOT=$TMP/cri-root
	/usr/bin/python3 -c 'import grpc' 2>/dev/null ||
		{ WHY="python3-grpcio is not installed (Makefile DEB_PACKAGES)"; return 1; }
	[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] ||
		{
			WHY="containernetworking-plugins is not installed (Makefile DEB_PACKAGES)"
			return 1
		}
	mkdir -p "$d/cni/conf" "$d/ipam" "$TMP/cri-logs" && kube_pause_image "$TMP/pause.tar" ||
		{ WHY="cannot make the pause image"; return 1; }
	{ "$PITH" build -o "$TMP/handler.pith" "$ROOT/tests/ops/guests/handler.c" &&
		"$PITH" pack -o "$TMP/httpd.tar" -t pho6-httpd:1 -p 80 "$HTTPD" &&
		"$PITH" pack -o "$TMP/handler.tar" -t pho6-handler:1 "$TMP/handler.pith"; } \
		>"$TMP/build.log" 2>&1 ||
				{
					WHY="pith build/pack: $(tail -c 300 "$TMP/build.log")"
					return 1
				}
	kube_cni_config "$d" >"$d/cni/conf/10-pho6.conflist"
	{ kube_ctd_config "$d" && kube_doc_config "$CRI_ROOT"; } >"$d/config.toml"
	touch "$TMP/nodens" && unshare --net="$TMP/nodens" true &&
		nsenter --net="$TMP/nodens" ip link set lo up ||
			{ WHY="cannot make the node's netns"; return 1; }
	nsenter --net="$TMP/nodens" "$OCI_CONTAINERD" --config "$d/config.toml" \
		>"$d/containerd.log" 2>&1 </dev/null &
	CTD_PID=$!
	oci_wait_socket "$CRI_SOCK" 20 || { WHY="containerd did not start"; return 1; }
	local img
	for img in pause httpd handler; do
		"$OCI_CTR" --address "$CRI_SOCK" -n k8s.io image import "$TMP/$img.tar" \
			>>"$TMP/import.log" 2>&1 ||
			{ WHY="ctr image import $img: $(tail -c 300 "$TMP/import.log")"; return 1; }
	done
	cri_ version >"$TMP/cri-version" 2>&1 ||
		{ WHY="CRI Version: $(cat "$TMP/cri-version")"; return 1; }
	grep -qE '^containerd .+ v1$' "$TMP/cri-version" ||
		{ WHY="CRI Version: $(cat "$TMP/cri-version")"; return 1; }
}

# kube_pod_json [NAME]
kube_pod_json() {
	cat <<JSON
{"name": "${1:-web}", "uid": "$POD_UID${1:+-$1}", "namespace": "default",
 "cgroup_parent": "/$CG_TOP/podcri$POD_UID", "log_directory": "$TMP/cri-logs",
 "annotations": {"org.pith.mem": "64M", "example.com/not-for-pith": "x"}}
JSON
}

# kube_ctr_json NAME IMAGE [MEMORY-LIMIT]
kube_ctr_json() {
	cat <<JSON
{"name": "$1", "image": "docker.io/library/$2", "log_path": "$1/0.log",
 "memory_limit": ${3:-0}, "envs": {"GREETING": "hello"}, "annotations": {}}
JSON
}

# RunPodSandbox with the runtime handler "pith": the pause container goes to runc.
t_cri_pod_sandbox() {
	local ip
	[ -n "$CRI_DIR" ] || { WHY="no CRI setup"; return 1; }
	kube_pod_json >"$TMP/pod.json"
	CRI_SB=$(cri_ run-pod "$TMP/pod.json" pith 2>"$TMP/cri.err") ||
		{ WHY="RunPodSandbox: $(cat "$TMP/cri.err")"; return 1; }
	[ "$(cri_ pod-state "$CRI_SB")" = SANDBOX_READY ] ||
		{ WHY="the sandbox is not ready"; return 1; }
	ip=$(cri_ pod-ip "$CRI_SB")
	[[ $ip == "$CRI_NET".* ]] || { WHY="the pod's IP is '$ip'"; return 1; }
	# The shim's --root is Root/<namespace>; runc keeps the sandbox under its .runc.
	[ -d "$CRI_ROOT/k8s.io/.runc/$CRI_SB" ] ||
		{ WHY="the sandbox is not in runc's state"; return 1; }
	grep -qF '"delegated":true' "$CRI_ROOT/k8s.io/$CRI_SB/state.json" ||
		{ WHY="pith-oci's record of the sandbox is not delegated"; return 1; }
}

# The pid pith-oci (or runc, for a delegated container) reports for container ID.
kube_cri_pid() {
	"$PITH_OCI" --root "$CRI_ROOT/k8s.io" state "$1" | grep -o '"pid": *[0-9]*' |
		grep -o '[0-9]*$'
}

# CreateContainer + StartContainer of the `pith pack`ed httpd: Pith, in the pod's netns.
t_cri_pith_container() {
	local ip body pid sbpid spec got want
	[ -n "$CRI_SB" ] || { WHY="no sandbox"; return 1; }
	kube_ctr_json web pho6-httpd:1 134217728 >"$TMP/web.json"
	CRI_WEB=$(cri_ create "$CRI_SB" "$TMP/web.json" "$TMP/pod.json" 2>"$TMP/cri.err") &&
		cri_ start "$CRI_WEB" 2>"$TMP/cri.err" ||
			{ WHY="create/start: $(cat "$TMP/cri.err")"; return 1; }
	[[ $(cri_ state "$CRI_WEB") == CONTAINER_RUNNING* ]] ||
		{ WHY="state: $(cri_ state "$CRI_WEB")"; return 1; }
	grep -qF '"delegated":false' "$CRI_ROOT/k8s.io/$CRI_WEB/state.json" ||
		{ WHY="the httpd container was not run by Pith"; return 1; }
	ip=$(cri_ pod-ip "$CRI_SB")
	body=$(nsenter --net="$TMP/nodens" curl -s -m 10 "http://$ip/" 2>&1)
	[[ $body == *"Hello from Pith"* ]] ||
		{ WHY="curl http://$ip/ from the node: '${body:0:200}'"; return 1; }
	pid=$(kube_cri_pid "$CRI_WEB") sbpid=$(kube_cri_pid "$CRI_SB")
	[ "$(readlink "/proc/$pid/ns/net")" = "$(readlink "/proc/$sbpid/ns/net")" ] ||
		{ WHY="the monitor is not in the sandbox's netns"; return 1; }
	got=$(kube_largest_mapping "$pid") want=$(kube_reference_mapping 124M)
	[ "$got" = "$want" ] ||
		{ WHY="guest memory mapping $got bytes, --mem 124M maps $want"; return 1; }
	# The spec the CRI wrote: the pod's org.pith.* annotation passed, others filtered out.
	spec=$CRI_DIR/state/io.containerd.runtime.v2.task/k8s.io/$CRI_WEB/config.json
	grep -qF '"org.pith.mem":"64M"' "$spec" && ! grep -qF 'example.com/not-for-pith' "$spec" ||
		{
			WHY="the CRI's spec: $(grep -o '"annotations":{[^}]*}' "$spec")"
			return 1
		}
	grep -qF 'stdout F httpd: listening on :80' "$TMP/cri-logs/web/0.log" ||
		{
			WHY="the container's log: $(head -c 200 "$TMP/cri-logs/web/0.log")"
			return 1
		}
}

# StopContainer: SIGTERM reaches the guest's handler, which exits 0; its output is in the log.
# In a pod of its own: the pod's eth0 belongs to the first Pith container (docs/kubernetes.md).
t_cri_stop_runs_handler() {
	local i
	[ -n "$CRI_DIR" ] || { WHY="no CRI setup"; return 1; }
	kube_pod_json term >"$TMP/pod2.json"
	CRI_SB2=$(cri_ run-pod "$TMP/pod2.json" pith 2>"$TMP/cri.err") ||
		{ WHY="RunPodSandbox: $(cat "$TMP/cri.err")"; return 1; }
	kube_ctr_json term pho6-handler:1 >"$TMP/term.json"
	CRI_TERM=$(cri_ create "$CRI_SB2" "$TMP/term.json" "$TMP/pod2.json" 2>"$TMP/cri.err") &&
		cri_ start "$CRI_TERM" 2>"$TMP/cri.err" ||
			{ WHY="create/start: $(cat "$TMP/cri.err")"; return 1; }
	for ((i = 0; i < 100; i++)); do
		grep -qF 'waiting for SIGTERM' "$TMP/cri-logs/term/0.log" 2>/dev/null && break
		sleep 0.05
	done
	cri_ stop "$CRI_TERM" 10 2>"$TMP/cri.err" ||
		{ WHY="StopContainer: $(cat "$TMP/cri.err")"; return 1; }
	[ "$(cri_ state "$CRI_TERM")" = "CONTAINER_EXITED 0 Completed" ] ||
		{ WHY="after StopContainer: $(cri_ state "$CRI_TERM")"; return 1; }
	grep -qF 'stdout F got SIGTERM, exiting cleanly' "$TMP/cri-logs/term/0.log" ||
		{ WHY="log: $(tr '\n' '|' <"$TMP/cri-logs/term/0.log" | head -c 300)"; return 1; }
}

# Remove everything as the kubelet does when the pod is deleted: nothing of it is left.
t_cri_remove_pod() {
	local id left
	[ -n "$CRI_SB" ] || { WHY="no sandbox"; return 1; }
	[ -z "$CRI_WEB" ] || cri_ stop "$CRI_WEB" 10 ||
		{ WHY="StopContainer web failed"; return 1; }
	for id in $CRI_WEB $CRI_TERM; do
		cri_ rm "$id" 2>"$TMP/cri.err" ||
			{ WHY="RemoveContainer: $(cat "$TMP/cri.err")"; return 1; }
	done
	for id in $CRI_SB $CRI_SB2; do
		cri_ stop-pod "$id" && cri_ rm-pod "$id" 2>"$TMP/cri.err" ||
			{ WHY="Stop/RemovePodSandbox: $(cat "$TMP/cri.err")"; return 1; }
	done
	left=$(find "$CRI_ROOT/k8s.io" -mindepth 1 -maxdepth 2 ! -name .runc 2>/dev/null)
	[ -z "$left" ] || { WHY="runtime state left: $left"; return 1; }
	[ -z "$(oci_pids_with "$CRI_ROOT")" ] ||
		{ WHY="processes left: $(oci_pids_with "$CRI_ROOT")"; return 1; }
	! oci_mounts_under "$CRI_DIR/state" | grep -q netns ||
		{ WHY="a pod netns is still mounted"; return 1; }
	for id in $CRI_SB $CRI_WEB $CRI_SB2 $CRI_TERM; do
		[ -z "$(oci_cgroups_named "$id")" ] ||
			{ WHY="cgroup left: $(oci_cgroups_named "$id")"; return 1; }
	done
	CRI_SB="" CRI_WEB="" CRI_SB2="" CRI_TERM=""
}

[ "$(id -u)" = 0 ] || abort "the Kubernetes tests need root (containerd, namespaces, cgroups)"
require_kvm "the Kubernetes tests"
[ -x "$PITH_OCI" ] || abort "$PITH_OCI missing: build Pith first (make all)"
[ -f "$HTTPD" ] || abort "$HTTPD missing: make examples"
[ -x "$OCI_CONTAINERD" ] && [ -x "$OCI_RUNC" ] || abort "containerd and runc are needed"
mkdir -p "$TMP/root"
check cri-config-loads t_cri_config_loads
check cri-config-without-runc-refused t_cri_config_without_runc_refused
kube_pause || abort "cannot build the pause program"
kube_netns || abort "cannot make the pod's network namespace"
check sandbox-delegated-to-runc t_sandbox_delegated_to_runc
check app-runs-in-pith t_app_runs_in_pith
check app-stop-and-delete t_app_stop_and_delete
check sidecar-not-pith t_sidecar_not_pith
check sandbox-stop-and-delete t_sandbox_stop_and_delete
check cri-setup t_cri_setup
check cri-pod-sandbox t_cri_pod_sandbox
check cri-pith-container t_cri_pith_container
check cri-stop-runs-handler t_cri_stop_runs_handler
check cri-remove-pod t_cri_remove_pod
finish
