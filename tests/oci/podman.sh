# podman cases of tests/oci/run.sh: the adapter for common_cases.sh and the httpd case
# (--network ns:PATH). Sourced.
# shellcheck shell=bash disable=SC2317,SC2034,SC2153  # PITH_OCI etc. come from run.sh
# shellcheck source=tests/oci/lib/podman.sh
. "$ROOT/tests/oci/lib/podman.sh"
BG_PID=""

engine_setup() {
	podman_start "$TMP/pdm" || abort "podman does not work: $(tail -c 600 "$TMP/pdm/info.log" | tr '\n' '|')"
}

engine_cleanup() {
	[ -n "${BG_PID:-}" ] && kill -KILL "$BG_PID" 2>/dev/null
	podman_stop
}

# E_NET: podman's --network value for the next run.
E_NET=none

# pdm_args NAME ROOTFS: podman run's options for a Pith container (one a line).
pdm_args() {
	local e
	printf '%s\n' --rm --name "$1" --runtime "$PITH_OCI" --network "$E_NET"
	for e in "${RUN_ENV[@]}"; do
		printf '%s\n' -e "$e"
	done
	printf '%s\n' --rootfs "$TMP/rootfs/$2"
}

e_run() {
	local -a opts
	mapfile -t opts < <(pdm_args "$1" "$2")
	shift 2
	run --timeout 60 "$OCI_PODMAN" "${PDM_ARGS[@]}" run \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "${opts[@]}" "$@"
}

e_bg() {
	local name=$1
	local -a opts
	mapfile -t opts < <(pdm_args "$1" "$2")
	shift 2
	podman_run "${opts[@]}" "$@" >"$TMP/$name.log" 2>&1 </dev/null &
	BG_PID=$!
}

# Engine commands with a time limit (a hung runtime must fail the test, not the suite).
podman_t() {
	timeout -s KILL 30 "$OCI_PODMAN" "${PDM_ARGS[@]}" "$@"
}
e_id() { podman_t inspect -f '{{.Id}}' "$1"; }
e_stop() { podman_t stop -t 10 "$1"; }
e_kill9() { podman_t kill -s KILL "$1"; }
e_pause() { podman_t pause "$1"; }
e_resume() { podman_t unpause "$1"; }
e_status() { podman_t inspect -f '{{.State.Status}}' "$1"; }
e_root() { echo "$PDM_RT_ROOT"; }

# e_pack_run NAME TAR TAG: podman load, then podman run of the name it loaded (no command).
e_pack_run() {
	local ref
	podman_t load -i "$2" >"$TMP/load.log" 2>&1 ||
		{ WHY="podman load failed: $(head -c 300 "$TMP/load.log")"; return 1; }
	ref=$(sed -n 's/^Loaded image[^:]*: *//p' "$TMP/load.log" | head -1)
	[[ $ref == *"$3"* ]] || { WHY="podman load did not name $3: $(head -c 300 "$TMP/load.log")"; return 1; }
	run --timeout 60 "$OCI_PODMAN" "${PDM_ARGS[@]}" run \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --rm --name "$1" --runtime "$PITH_OCI" --network none "$ref"
}

# e_cmdline BUNDLE ID: how conmon calls the runtime's create for podman: no --root, no --log,
# and an environment without PATH.
e_cmdline() {
	printf '%s\n' env -i "PWD=$1" XDG_RUNTIME_DIR=/run "$PITH_OCI" create \
		--bundle "$1" --pid-file "$1/pidfile" "$2"
}

# httpd in a namespace we made (--network ns:PATH) answers curl from the peer namespace; after
# its stop, nothing is left in that namespace.
t_httpd() {
	local n
	n=$(cname httpd)
	HTTPD_CID=""
	net_setup || { WHY="cannot make the test namespaces"; return 1; }
	E_NET=ns:/var/run/netns/$NS_C
	e_bg "$n" httpd /httpd.pith 80
	E_NET=none
	wait_running "$n" || bg_abort "$n" || return 1
	HTTPD_CID=$(e_id "$n")
	curl_from "$NS_P" "http://$NET_PREFIX.2/" || bg_abort "$n" || return 1
	e_stop "$n" >/dev/null 2>&1
	bg_wait && bg_want_status 143 "$n" # httpd has no SIGTERM handler: 128 + 15
}

t_httpd_clean() { no_leftovers "${HTTPD_CID:-}" "${NS_C:-}"; }

engine_tests() {
	common_tests
	check httpd-answers-peer-namespace t_httpd
	check httpd-delete-leaves-no-tap-qdisc-state t_httpd_clean
}
