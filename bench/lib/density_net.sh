# Density benchmark: network paths (hub namespace, bridges, taps, container veths), host limits.
# Sourced by bench/density.sh, which sets TAG, HUB and TMP.
# shellcheck shell=bash

# ip_of I: instance I's address (see the addressing in density.sh's header).
ip_of() {
	local k=$(($1 / BRIDGE_SIZE)) j=$(($1 % BRIDGE_SIZE))
	echo "10.$((64 + k)).$((1 + j / 200)).$((10 + j % 200))"
}

# The neighbour table is global to all namespaces (gc_thresh3 = 1024 by default): N instances
# need N entries in the hub and, for containers, one more in each container's namespace.
host_limits_raise() {
	local d=/proc/sys/net/ipv4/neigh/default
	local t3
	SAVED_GC="$(cat $d/gc_thresh1) $(cat $d/gc_thresh2) $(cat $d/gc_thresh3)"
	t3=${SAVED_GC##* }
	[ "$t3" -ge 32768 ] && return 0
	echo 8192 >$d/gc_thresh1 && echo 16384 >$d/gc_thresh2 && echo 32768 >$d/gc_thresh3
}

host_limits_restore() {
	local d=/proc/sys/net/ipv4/neigh/default t1 t2 t3
	[ -n "$SAVED_GC" ] || return 0
	read -r t1 t2 t3 <<<"$SAVED_GC"
	echo "$t1" >$d/gc_thresh1 && echo "$t2" >$d/gc_thresh2 && echo "$t3" >$d/gc_thresh3
}

# crun here fails with "cgroups in hybrid mode not supported" while hugetlb sits on the v2
# hierarchy; a v1 hugetlb hierarchy works around it (/work/shared/notes/kvm-on-this-machine.md).
crun_cgroup_quirk() {
	grep -q ' /sys/fs/cgroup/hugetlb ' /proc/mounts && return 0
	mkdir -p /sys/fs/cgroup/hugetlb || die "cannot create /sys/fs/cgroup/hugetlb"
	mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || die "cannot mount hugetlb v1"
	# shellcheck disable=SC2034 # read by density.sh's cleanup
	MOUNTED_HUGETLB=1
}

# hub_create N: the hub namespace with one bridge per BRIDGE_SIZE instances.
hub_create() {
	local k
	ip netns add "$HUB" || die "cannot create namespace $HUB"
	for ((k = 0; k <= ($1 - 1) / BRIDGE_SIZE; k++)); do
		echo "link add pdbr$k type bridge stp_state 0 forward_delay 0"
		echo "addr add 10.$((64 + k)).0.1/16 dev pdbr$k"
		echo "link set pdbr$k up"
	done >"$TMP/hub.batch"
	echo "link set lo up" >>"$TMP/hub.batch"
	ip -n "$HUB" -batch "$TMP/hub.batch" || die "cannot set up the bridges in $HUB"
}

# taps_create N: one persistent tap per Pith instance, on its bridge.
taps_create() {
	local i
	for ((i = 0; i < $1; i++)); do
		echo "tuntap add dev pdt$i mode tap"
		echo "link set pdt$i master pdbr$((i / BRIDGE_SIZE))"
		echo "link set pdt$i up"
	done >"$TMP/taps.batch"
	ip -n "$HUB" -batch "$TMP/taps.batch" >/dev/null || die "cannot create the taps"
}

# veths_create N: one namespace per container, eth0 in it, its veth peer on the bridge.
veths_create() {
	local i
	for ((i = 0; i < $1; i++)); do
		echo "netns add ${TAG}c$i"
	done >"$TMP/netns.batch"
	ip -batch "$TMP/netns.batch" || die "cannot create the container namespaces"
	for ((i = 0; i < $1; i++)); do
		echo "link add pdv$i type veth peer name eth0 netns ${TAG}c$i"
		echo "link set pdv$i master pdbr$((i / BRIDGE_SIZE))"
		echo "link set pdv$i up"
	done >"$TMP/veth.batch"
	ip -n "$HUB" -batch "$TMP/veth.batch" || die "cannot create the veths"
	for ((i = 0; i < $1; i++)); do
		printf 'addr add %s/16 dev eth0\nlink set eth0 up\nlink set lo up\n' "$(ip_of "$i")" |
			ip -n "${TAG}c$i" -batch - || die "cannot configure ${TAG}c$i"
	done
}

# addrs_write N FILE: the N instance addresses, one a line (the probe's input).
addrs_write() {
	local i
	for ((i = 0; i < $1; i++)); do
		ip_of "$i"
	done >"$2"
}

# Deletes the hub and every container namespace of this run (taps, veths and bridges go with them).
net_delete_all() {
	local ns
	for ns in $(ip netns list | awk -v t="$TAG" '$1 == t || $1 ~ "^" t "c[0-9]+$" { print $1 }'); do
		echo "netns del $ns"
	done >"$TMP/del.batch"
	[ -s "$TMP/del.batch" ] && ip -batch "$TMP/del.batch"
	return 0
}
