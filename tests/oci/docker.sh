# dockerd cases of tests/oci/run.sh: the adapter for common_cases.sh (images: `pith pack` +
# `docker load` of the guests, `docker import` of the other rootfs folders) and the httpd case on
# a `docker network create` bridge inside dockerd's own network namespace. Sourced.
# shellcheck shell=bash disable=SC2317,SC2034,SC2153  # PITH_OCI etc. come from run.sh
# shellcheck source=tests/oci/lib/docker.sh
. "$ROOT/tests/oci/lib/docker.sh"
BG_PID=""

engine_setup() {
	docker_start "$TMP/dk" "$PITH_OCI" "pithoci-$$-dk" ||
		abort "dockerd did not start: $(tail -c 600 "$TMP/dk/dockerd.log" | tr '\n' '|')"
	echo "# dockerd up in ${DK_START_MS} ms"
	local fs
	for fs in "$TMP"/rootfs/*; do
		dk_image "$(basename "$fs")" || abort "no docker image for $fs: $(head -c 300 "$TMP/image.log")"
	done
}

# dk_image NAME: the image pithoci-NAME: `pith pack` + `docker load` of $TMP/rootfs/NAME/NAME.pith
# if there is one and pack works, else `docker import` of the folder.
dk_image() {
	local fs=$TMP/rootfs/$1
	if [ -f "$fs/$1.pith" ] &&
		"$PITH" pack -o "$TMP/$1.oci.tar" -t "pithoci-$1" "$fs/$1.pith" >"$TMP/image.log" 2>&1; then
		docker_t load -i "$TMP/$1.oci.tar" >"$TMP/image.log" 2>&1 && return 0
	fi
	[ -f "$fs/$1.pith" ] && echo "# pith pack/docker load of $1 failed: importing its folder instead"
	tar -C "$fs" -c . | docker_t import - "pithoci-$1" >"$TMP/image.log" 2>&1
}

engine_cleanup() {
	[ -n "${BG_PID:-}" ] && kill -KILL "$BG_PID" 2>/dev/null
	docker_stop
}

E_NET=(--network none)

# dk_args NAME ROOTFS CMD: docker run's options (one a line).
dk_args() {
	local e
	printf '%s\n' --rm --name "$1" --runtime pith "${E_NET[@]}" --entrypoint "$3"
	for e in "${RUN_ENV[@]}"; do
		printf '%s\n' -e "$e"
	done
	printf '%s\n' "pithoci-$2"
}

e_run() {
	local -a opts
	mapfile -t opts < <(dk_args "$1" "$2" "$3")
	shift 3
	run --timeout 60 "$OCI_DOCKER" -H "unix://$DK_SOCK" run "${opts[@]}" "$@"
}

e_bg() {
	local name=$1
	local -a opts
	mapfile -t opts < <(dk_args "$1" "$2" "$3")
	shift 3
	docker_ run "${opts[@]}" "$@" >"$TMP/$name.log" 2>&1 </dev/null &
	BG_PID=$!
}

# Engine commands with a time limit (a hung runtime must fail the test, not the suite).
docker_t() { timeout -s KILL 30 "$OCI_DOCKER" -H "unix://$DK_SOCK" "$@"; }
e_id() { docker_t inspect -f '{{.Id}}' "$1"; }
e_stop() { docker_t stop -t 10 "$1"; }
e_kill9() { docker_t kill "$1"; }
e_pause() { docker_t pause "$1"; }
e_resume() { docker_t unpause "$1"; }
e_status() { docker_t inspect -f '{{.State.Status}}' "$1"; }
# dockerd gives each runtime the shim's --root <exec-root>/runtime-<NAME>/moby.
e_root() {
	local d
	for d in "$DK_DIR/exec/runtime-pith/moby" "$DK_DIR/exec/runtime-runc/moby"; do
		[ -d "$d" ] && { echo "$d"; return; }
	done
	echo "$DK_DIR/exec/runtime-pith/moby"
}

# e_pack_run NAME TAR TAG: docker load, then docker run TAG (its own entrypoint).
e_pack_run() {
	docker_t load -i "$2" >"$TMP/load.log" 2>&1 ||
		{ WHY="docker load failed: $(head -c 300 "$TMP/load.log")"; return 1; }
	run --timeout 60 "$OCI_DOCKER" -H "unix://$DK_SOCK" run --rm --name "$1" --runtime pith \
		--network none "$3"
}

# e_cmdline BUNDLE ID: how dockerd's runc shim calls the runtime's create.
e_cmdline() {
	printf '%s\n' "$PITH_OCI" --root "$(e_root)" --log "$1/log.json" --log-format json create \
		--bundle "$1" --pid-file "$1/init.pid" "$2"
}

# httpd on a user-defined bridge (inside dockerd's namespace) answers curl at its address and
# through -p; after its stop, dockerd's namespace holds no pith tap.
t_httpd() {
	local n net=pithoci-$$
	n=$(cname httpd)
	HTTPD_CID=""
	docker_ network create --subnet "$NET_PREFIX.0/24" "$net" >"$TMP/net.log" 2>&1 ||
		{ WHY="docker network create failed: $(head -c 300 "$TMP/net.log")"; return 1; }
	E_NET=(--network "$net" --ip "$NET_PREFIX.2" -p 18080:80)
	e_bg "$n" httpd /httpd.pith 80
	E_NET=(--network none)
	wait_running "$n" || bg_abort "$n" || return 1
	HTTPD_CID=$(e_id "$n")
	curl_from "$DK_NETNS" "http://$NET_PREFIX.2/" || bg_abort "$n" || return 1
	curl_from "$DK_NETNS" "http://127.0.0.1:18080/" || bg_abort "$n" || return 1
	e_stop "$n" >/dev/null 2>&1
	bg_wait && bg_want_status 143 "$n" # httpd has no SIGTERM handler: 128 + 15
}

t_httpd_clean() {
	no_leftovers "${HTTPD_CID:-}" || return 1
	ip -n "$DK_NETNS" -o link show | grep -qE '^[0-9]+: pith[0-9]+' || return 0
	WHY="a pith tap is left in dockerd's namespace"
	return 1
}

engine_tests() {
	common_tests
	check httpd-answers-bridge-and-published-port t_httpd
	check httpd-delete-leaves-no-tap-state t_httpd_clean
}
