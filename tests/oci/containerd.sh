# containerd + ctr cases of tests/oci/run.sh: the adapter for common_cases.sh, the httpd and
# terminal cases, and the 50-container loop (ctr is the fastest engine here). Sourced.
# shellcheck shell=bash disable=SC2317,SC2034,SC2153  # PITH_OCI etc. come from run.sh
# shellcheck source=tests/oci/lib/containerd.sh
. "$ROOT/tests/oci/lib/containerd.sh"
BG_PID="" E_NETNS=""

engine_setup() {
	CTD_NS=pithoci
	containerd_start "$TMP/ctd" ||
		abort "containerd did not start: $(tail -c 600 "$TMP/ctd/containerd.log" | tr '\n' '|')"
	echo "# containerd up in ${CTD_START_MS} ms"
}

engine_cleanup() {
	[ -n "${BG_PID:-}" ] && kill -KILL "$BG_PID" 2>/dev/null
	containerd_stop
}

# ctr_env_args: --env NAME=VALUE for each RUN_ENV entry.
ctr_env_args() {
	local e
	for e in "${RUN_ENV[@]}"; do
		printf '%s\n' --env "$e"
	done
}

# ctr_pith ROOTFS NAME CMD...: the arguments of ctr run for a Pith container.
e_run() {
	local name=$1 fs=$2
	shift 2
	local -a env
	mapfile -t env < <(ctr_env_args)
	run --timeout 60 "$OCI_CTR" --address "$CTD_SOCK" --namespace "$CTD_NS" run --rm \
		--runc-root "$CTD_RUNC_ROOT" --fifo-dir "$CTD_DIR/fifo" --runc-binary "$PITH_OCI" \
		"${env[@]}" --rootfs "$TMP/rootfs/$fs" "$name" "$@"
}

# E_EXTRA: extra ctr run options for the next e_bg (e.g. --with-ns).
E_EXTRA=()
e_bg() {
	local name=$1 fs=$2
	shift 2
	ctr_run --rm --runc-binary "$PITH_OCI" "${E_EXTRA[@]}" --rootfs "$TMP/rootfs/$fs" "$name" "$@" \
		>"$TMP/$name.log" 2>&1 </dev/null &
	BG_PID=$!
}

e_id() { echo "$1"; }
# Engine commands with a time limit (a hung runtime must fail the test, not the suite).
ctr_t() { timeout -s KILL 30 "$OCI_CTR" --address "$CTD_SOCK" --namespace "$CTD_NS" "$@"; }
e_stop() { ctr_t task kill "$1"; }
e_kill9() { ctr_t task kill -s SIGKILL "$1"; }
e_pause() { ctr_t task pause "$1"; }
e_resume() { ctr_t task resume "$1"; }
e_status() { ctr_t task ls | awk -v id="$1" '$1 == id { print tolower($3) }'; }
e_root() { echo "$CTD_RUNC_ROOT/$CTD_NS"; }

# e_pack_run NAME TAR TAG: ctr image import, then ctr run of docker.io/library/TAG:latest.
e_pack_run() {
	ctr_t image import "$2" >"$TMP/load.log" 2>&1 ||
		{ WHY="ctr image import failed: $(head -c 300 "$TMP/load.log")"; return 1; }
	run --timeout 60 "$OCI_CTR" --address "$CTD_SOCK" --namespace "$CTD_NS" run --rm \
		--runc-root "$CTD_RUNC_ROOT" --fifo-dir "$CTD_DIR/fifo" --runc-binary "$PITH_OCI" \
		"docker.io/library/$3:latest" "$1"
}

# e_cmdline BUNDLE ID: how containerd's runc shim calls the runtime's create (one word a line).
e_cmdline() {
	printf '%s\n' "$PITH_OCI" --root "$(e_root)" --log "$1/log.json" --log-format json create \
		--bundle "$1" --pid-file "$1/init.pid" "$2"
}

# A spec containerd delivers that pith-oci must refuse (ctr run --config: process.args empty):
# the engine shows pith-oci's message.
t_err_bad_spec() {
	local n spec=$TMP/badspec.json
	n=$(cname badspec)
	ctr_t oci spec >"$TMP/spec.json" || { WHY="ctr oci spec failed"; return 1; }
	perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or die; my $s = decode_json(<$f>);
		$s->{process}{args} = []; $s->{process}{terminal} = JSON::PP::false;
		$s->{root}{path} = $ARGV[1]; print encode_json($s)' "$TMP/spec.json" \
		"$TMP/rootfs/hello" >"$spec" || { WHY="cannot write the spec"; return 1; }
	run --timeout 60 "$OCI_CTR" --address "$CTD_SOCK" --namespace "$CTD_NS" run --rm \
		--runc-root "$CTD_RUNC_ROOT" --fifo-dir "$CTD_DIR/fifo" --runc-binary "$PITH_OCI" \
		--config "$spec" "$n"
	want_status 0 && { WHY="a spec without process.args ran"; return 1; }
	want "process.args must be a non-empty array"
}

# httpd in a namespace we made (--with-ns) answers curl from the peer namespace; after its stop,
# nothing is left in that namespace.
t_httpd() {
	local n
	n=$(cname httpd)
	HTTPD_CID=""
	net_setup || { WHY="cannot make the test namespaces"; return 1; }
	E_EXTRA=(--with-ns "network:/var/run/netns/$NS_C")
	e_bg "$n" httpd /httpd.pith 80
	E_EXTRA=()
	HTTPD_CID=$n
	curl_from "$NS_P" "http://$NET_PREFIX.2/" || bg_abort "$n" || return 1
	e_stop "$n" >/dev/null 2>&1
	bg_wait && bg_want_status 143 "$n" # httpd has no SIGTERM handler: 128 + 15
}

t_httpd_clean() { no_leftovers "${HTTPD_CID:-}" "${NS_C:-}"; }

# ctr run -t: the output comes through the console socket's pty. ctr needs a terminal itself:
# script(1) gives it one.
t_tty() {
	local n
	n=$(cname tty)
	run --timeout 60 script -qec "$OCI_CTR --address $CTD_SOCK --namespace $CTD_NS run --rm -t \
--runc-root $CTD_RUNC_ROOT --fifo-dir $CTD_DIR/fifo --runc-binary $PITH_OCI \
--rootfs $TMP/rootfs/exit3 $n /exit3.pith" /dev/null
	want_status 3 && want "line one" "to stderr"
}

# 50 containers started and removed one after the other: each prints hello and exits 0, and
# nothing is left: processes, state folders, cgroups, shims, mounts, taps on the host.
t_loop50() {
	local i n taps0 taps1
	taps0=$(ip -o link show | grep -cE '^[0-9]+: pith[0-9]+')
	for ((i = 1; i <= 50; i++)); do
		n=$(cname "loop$i")
		e_run "$n" hello /hello.pith
		if ! want_status 0 || ! want "Hello from Pith!"; then
			WHY="container $i: $WHY"
			return 1
		fi
		no_leftovers "$n" || { WHY="after container $i: $WHY"; return 1; }
	done
	[ -z "$(containerd_shims)" ] || { WHY="shims left: $(containerd_shims | tr '\n' ' ')"; return 1; }
	[ -z "$(pith_pids_with "$(cname loop)")" ] || { WHY="pith processes left"; return 1; }
	local left
	left=$(find "$(e_root)" -mindepth 1 -maxdepth 1 2>/dev/null | head -3)
	[ -z "$left" ] || { WHY="state left: $left"; return 1; }
	[ -z "$(oci_mounts_under "$TMP/rootfs")" ] || { WHY="mounts left under the rootfs"; return 1; }
	taps1=$(ip -o link show | grep -cE '^[0-9]+: pith[0-9]+')
	[ "$taps1" -le "$taps0" ] || { WHY="host taps went from $taps0 to $taps1"; return 1; }
}

engine_tests() {
	common_tests
	check httpd-answers-peer-namespace t_httpd
	check httpd-delete-leaves-no-tap-qdisc-state t_httpd_clean
	check error-spec-without-args-through-ctr t_err_bad_spec
	check terminal-through-console-socket t_tty
	check loop-50-containers-leave-nothing t_loop50
}
