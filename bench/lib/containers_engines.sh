# Engines for bench/containers.sh (sourced): private containerd/podman/dockerd through the
# starters of tests/oci/lib, the command line of one container run per engine and runtime,
# images, and the network namespaces the httpd containers use.
#
#   engines_start ENGINE...     start each engine privately under $TMP (ctr, podman, docker)
#   engines_stop                stop them all (safe twice)
#   run_argv ENGINE RT KIND [--detach NAME]
#                               sets RUN to the argv of one `run` of hello or httpd (KIND) with
#                               runtime RT (pith, runc, crun) through ENGINE; "%n" makes ids
#   engine_ps_clear ENGINE      remove every container this run left in ENGINE
#   nets_setup / nets_teardown  the client and server network namespaces (ctr, podman)
#   client_ns ENGINE / server_ip ENGINE RT
# Needs: $ROOT, $TMP, $PITH_OCI, $ROOTFS_PITH, $ROOTFS_NATIVE (folders), $ID (unique prefix),
# and say/die from the caller.
# shellcheck shell=bash

# shellcheck source=tests/oci/lib/docker.sh
. "$ROOT/tests/oci/lib/docker.sh"
# shellcheck source=tests/oci/lib/podman.sh
. "$ROOT/tests/oci/lib/podman.sh"

# Docker knows runtimes by name only: declare crun next to pith in the daemon.json that
# docker_start writes (replaces tests/oci/lib/docker.sh's docker__config, which declares pith).
docker__config() {
	printf '{"runtimes": {"pith": {"path": "%s"}, "crun": {"path": "%s"}}}\n' "$1" "$OCI_CRUN"
}

declare -A RT_BIN=([runc]=$OCI_RUNC [crun]=$OCI_CRUN)
declare -A NET_OF=([pith]=1 [runc]=2 [crun]=3) # 10.213.N.0/24 per runtime (ctr, podman)
declare -A DOCKER_IP=([pith]=10.213.9.12 [runc]=10.213.9.13 [crun]=10.213.9.14)
CTR_ARGV=() PODMAN_ARGV=() DOCKER_ARGV=() NETS=() STARTED=()
DOCKER_PITH_PACKED=0

# capture_argv ARGS...: stands in for an engine's binary to learn the argv of a starter's
# wrapper (ctr_run, podman_run, docker_) without repeating its flags here.
capture_argv() { CAPTURED=("$@"); }

engine_start_ctr() {
	CTD_NS=$ID
	containerd_start "$TMP/ctd" || return 1
	OCI_CTR=capture_argv ctr_run
	CTR_ARGV=(/usr/bin/ctr "${CAPTURED[@]}")
}

engine_start_podman() {
	podman_start "$TMP/pdm" || return 1
	OCI_PODMAN=capture_argv podman_run
	PODMAN_ARGV=("$OCI_PODMAN" "${CAPTURED[@]}")
}

# dockerd uses the containerd started for ctr when there is one (its containers live in the
# namespace "moby", ctr's in $CTD_NS), else docker_start starts one of its own.
engine_start_docker() {
	docker_start "$TMP/dk" "$PITH_OCI" "${ID}d" || return 1
	OCI_DOCKER=capture_argv docker_
	DOCKER_ARGV=("$OCI_DOCKER" "${CAPTURED[@]}")
	docker_images && docker_ network create --subnet 10.213.9.0/24 "$ID" >/dev/null
}

# docker_images: the static binaries (and www) imported as one image; the Pith images from
# `pith pack` when it works (docker load), else imported from their rootfs folder.
docker_images() {
	local im
	tar -C "$ROOTFS_NATIVE" -c . | docker_ import - "$ID-native" >/dev/null || return 1
	DOCKER_PITH_PACKED=1
	for im in hello site; do
		if ! "$PITH" pack -o "$TMP/$im.oci.tar" -t "$ID-$im:latest" "$ROOTFS_PITH/$im.pith" \
			>/dev/null 2>&1 || ! docker_ load <"$TMP/$im.oci.tar" >/dev/null 2>&1; then
			DOCKER_PITH_PACKED=0
		fi
	done
	[ "$DOCKER_PITH_PACKED" = 1 ] && return 0
	say "pith pack or docker load failed: importing the Pith images with docker import"
	tar -C "$ROOTFS_PITH" -c . | docker_ import - "$ID-pith" >/dev/null
}

engines_start() {
	local e
	for e in "$@"; do
		if "engine_start_$e"; then
			STARTED+=("$e")
		else
			NOTES+=("$e: the private engine did not start: not measured.")
		fi
	done
}

engines_stop() {
	docker_stop >/dev/null 2>&1
	podman_stop >/dev/null 2>&1
	containerd_stop >/dev/null 2>&1
	STARTED=()
}

# ---- one run --------------------------------------------------------------------------------

# guest_args RT KIND DETACH: ARGS = the container's command: hello, or httpd on port 80 serving
# /www. httpd has no SIGTERM handler and, as PID 1 of a runc/crun container, ignores the
# SIGTERM that the engines' clients forward when bench/launch.c stops them: attached runs give
# it IDLE = 1 s so that it exits by itself once the requests are done (a Pith guest ends on the
# SIGTERM); detached ones are removed by the engine.
guest_args() {
	local idle=1
	[ "$3" = 1 ] && idle=0
	case $1/$2 in
	pith/hello) ARGS=(/hello.pith) ;;
	pith/httpd) ARGS=(/site.pith 80 "$idle") ;;
	*/hello) ARGS=(/hello) ;;
	*/httpd) ARGS=(/httpd 80 "$idle" /www) ;;
	esac
}

run_argv_ctr() {
	local rt=$1 kind=$2 name=$3 detach=$4 rootfs=$ROOTFS_NATIVE bin=${RT_BIN[$1]:-$PITH_OCI}
	[ "$rt" = pith ] && rootfs=$ROOTFS_PITH
	RUN=("${CTR_ARGV[@]}" --runc-binary "$bin")
	if [ "$detach" = 1 ]; then RUN+=(-d); else RUN+=(--rm); fi
	[ "$kind" = httpd ] && RUN+=(--with-ns "network:/run/netns/$ID-$rt")
	RUN+=(--rootfs "$rootfs" "$name" "${ARGS[@]}") # --rootfs: a flag; the folder comes first
}

run_argv_podman() {
	local rt=$1 kind=$2 name=$3 detach=$4 rootfs=$ROOTFS_NATIVE bin=${RT_BIN[$1]:-$PITH_OCI}
	[ "$rt" = pith ] && rootfs=$ROOTFS_PITH
	RUN=("${PODMAN_ARGV[@]}" --runtime "$bin" --name "$name")
	if [ "$detach" = 1 ]; then RUN+=(-d); else RUN+=(--rm); fi
	if [ "$kind" = httpd ]; then
		RUN+=(--network "ns:/run/netns/$ID-$rt")
	else
		RUN+=(--network none)
	fi
	RUN+=(--rootfs "$rootfs" "${ARGS[@]}")
}

run_argv_docker() {
	local rt=$1 kind=$2 name=$3 detach=$4 image=$ID-native
	RUN=("${DOCKER_ARGV[@]}" run --runtime "$rt" --name "$name")
	if [ "$detach" = 1 ]; then RUN+=(-d); else RUN+=(--rm); fi
	[ "$kind" = httpd ] && RUN+=(--network "$ID" --ip "${DOCKER_IP[$rt]}")
	if [ "$rt" != pith ]; then
		RUN+=("$image" "${ARGS[@]}")
	elif [ "$DOCKER_PITH_PACKED" = 1 ]; then # the image's Entrypoint is the .pith file
		RUN+=("$ID-$([ "$kind" = hello ] && echo hello || echo site)" "${ARGS[@]:1}")
	else
		RUN+=("$ID-pith" "${ARGS[@]}")
	fi
}

# run_argv ENGINE RT KIND [--detach NAME]: RUN = the argv of one run (see the top).
run_argv() {
	local engine=$1 rt=$2 kind=$3 name="$ID-${1:0:1}${2:0:2}${3:0:1}%n" detach=0
	if [ "${4:-}" = --detach ]; then
		detach=1 name=$5
	fi
	guest_args "$rt" "$kind" "$detach"
	"run_argv_$engine" "$rt" "$kind" "$name" "$detach"
}

# ---- containers left behind -----------------------------------------------------------------

engine_ps_clear() {
	local c
	case $1 in
	ctr)
		for c in $(ctr_ task ls -q 2>/dev/null); do
			ctr_ task kill -s SIGKILL "$c" >/dev/null 2>&1
		done
		for c in $(ctr_ container ls -q 2>/dev/null); do
			ctr_ task delete -f "$c" >/dev/null 2>&1
			ctr_ container delete "$c" >/dev/null 2>&1
		done
		;;
	podman) podman_ rm -af -t 0 >/dev/null 2>&1 ;;
	docker) docker_ ps -aq | xargs -r "${DOCKER_ARGV[@]}" rm -f >/dev/null 2>&1 ;;
	esac
	return 0
}

# ---- network namespaces for httpd (ctr and podman) ------------------------------------------

# One client namespace $ID-c; per runtime a server namespace $ID-RT whose eth0 (10.213.N.2/24,
# default route via .1) is a veth to the client's v-RT (10.213.N.1/24). The container joins the
# server namespace by path; the benchmark's client runs in $ID-c.
nets_setup() {
	local rt n
	ip netns add "$ID-c" || return 1
	NETS+=("$ID-c")
	ip -n "$ID-c" link set lo up
	for rt in pith runc crun; do
		n=${NET_OF[$rt]}
		ip netns add "$ID-$rt" || return 1
		NETS+=("$ID-$rt")
		ip -n "$ID-$rt" link set lo up &&
			ip -n "$ID-c" link add "v-$rt" type veth peer name eth0 netns "$ID-$rt" &&
			ip -n "$ID-c" addr add "10.213.$n.1/24" dev "v-$rt" &&
			ip -n "$ID-c" link set "v-$rt" up &&
			ip -n "$ID-$rt" addr add "10.213.$n.2/24" dev eth0 &&
			ip -n "$ID-$rt" link set eth0 up &&
			ip -n "$ID-$rt" route add default via "10.213.$n.1" || return 1
	done
}

# cgroups_clear: the folders containerd's runc shim makes for namespace $CTD_NS (cgroupsPath
# /$CTD_NS/ID), once empty.
cgroups_clear() {
	local d
	for d in /sys/fs/cgroup/*/"$ID" /sys/fs/cgroup/"$ID"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

nets_teardown() {
	local ns
	for ns in "${NETS[@]}"; do
		ip netns delete "$ns" 2>/dev/null
	done
	NETS=()
}

# client_ns ENGINE: the namespace the HTTP client runs in.
client_ns() {
	if [ "$1" = docker ]; then echo "$DK_NETNS"; else echo "$ID-c"; fi
}

# server_ip ENGINE RT: the address the container's httpd answers on.
server_ip() {
	if [ "$1" = docker ]; then
		echo "${DOCKER_IP[$2]}"
	else
		echo "10.213.${NET_OF[$2]}.2"
	fi
}
