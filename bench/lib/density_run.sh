# Density benchmark: one measurement per subject and N (setup, launch, probe, memory, teardown).
# Sourced by bench/density.sh. Results go to $TMP/res as "subject n metric value" lines.
# shellcheck shell=bash

MEMINFO_KEYS="AnonPages PageTables SecPageTables KernelStack Slab Percpu"

now_ns() {
	date +%s%N
}

mem_avail_kib() {
	awk '/^MemAvailable:/ { print $2 }' /proc/meminfo
}

# meminfo_snap FILE: the MEMINFO_KEYS values (KiB), "key value" lines.
meminfo_snap() {
	awk -v keys="$MEMINFO_KEYS" 'BEGIN { split(keys, k); for (i in k) want[k[i] ":"] = 1 }
		want[$1] { sub(":", "", $1); print $1, $2 }' /proc/meminfo >"$1"
}

# put SUBJECT N METRIC VALUE
put() {
	echo "$1 $2 $3 $4" >>"$TMP/res"
}

# get SUBJECT N METRIC: the value or "-".
get() {
	awk -v s="$1" -v n="$2" -v m="$3" '$1 == s && $2 == n && $3 == m { v = $4 }
		END { print (v == "" ? "-" : v) }' "$TMP/res" 2>/dev/null
}

seconds() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# Pith: `pith run -d` exists, or the background stand-in (see density_launch.sh).
pith_kind() {
	if "$PITH" help 2>&1 | grep -q -- '--detach'; then echo pith; else echo pith-nod; fi
}

# bundles_create N: one OCI bundle per container (config.json only), sharing one read-only rootfs.
bundles_create() {
	local i tmpl
	# the mount points exist beforehand: parallel cruns would race to mkdir them
	mkdir -p "$TMP/rootfs/proc" "$TMP/rootfs/dev" "$TMP/rootfs/sys" "$TMP/tmpl" "$TMP/crun"
	cp build/httpd-native "$TMP/rootfs/httpd"
	(cd "$TMP/tmpl" && crun spec) || die "crun spec failed"
	tmpl=$(jq --arg root "$TMP/rootfs" '.process.terminal = false |
		.process.args = ["/httpd", "80", "0"] | .root.path = $root |
		(.linux.namespaces[] | select(.type == "network")) += {path: "@NETNS@"}' \
		"$TMP/tmpl/config.json") || die "jq failed on crun's spec"
	for ((i = 0; i < $1; i++)); do
		mkdir -p "$TMP/bundles/$i"
		printf '%s\n' "${tmpl//@NETNS@//run/netns/${TAG}c$i}" >"$TMP/bundles/$i/config.json"
	done
}

# net_setup SUBJECT N: the network paths (timed and their memory measured apart).
net_setup() {
	local m0 t0
	[ "$1" = crun ] && bundles_create "$2"
	m0=$(mem_avail_kib)
	t0=$(now_ns)
	hub_create "$2"
	if [ "$1" = crun ]; then veths_create "$2"; else taps_create "$2"; fi
	put "$1" "$2" net_setup_s "$(seconds "$t0" "$(now_ns)")"
	sleep 1
	put "$1" "$2" net_mem_per_instance_kib $(((m0 - $(mem_avail_kib)) / $2))
}

# launch KIND N: JOBS lanes of density_launch.sh; returns once all lanes ended.
launch() {
	local lane lib=$ROOT/bench/lib/density_launch.sh
	export TMP TAG PITH MEM ROOT FLOOR_MIB
	mkdir -p "$TMP/pids" "$TMP/logs"
	for ((lane = 0; lane < JOBS; lane++)); do
		if [ "$1" = crun ]; then
			bash "$lib" crun "$lane" "$JOBS" "$2" &
		else
			ip netns exec "$HUB" bash "$lib" "$1" "$lane" "$JOBS" "$2" &
		fi
	done
	wait
}

# instance_pids KIND: the host pids of every running instance's processes.
instance_pids() {
	case $1 in
	pith) awk -F= '$1 ~ /_pid$/ { print $2 }' "$PITH_STATE_DIR"/*/run 2>/dev/null ;;
	pith-nod) awk 1 "$TMP"/pids/p* 2>/dev/null ;;
	crun) awk 1 "$TMP"/pids/c* 2>/dev/null ;;
	esac
}

pss_sum_kib() {
	local p files=()
	for p in $(instance_pids "$1"); do
		files+=("/proc/$p/smaps_rollup")
	done
	[ ${#files[@]} -gt 0 ] || { echo 0; return; }
	cat "${files[@]}" 2>/dev/null | awk '/^Pss:/ { s += $2 } END { print s + 0 }'
}

# cpu_ms_sum KIND: the CPU time (user + system, ms) the instances' processes used so far.
cpu_ms_sum() {
	local p files=()
	for p in $(instance_pids "$1"); do
		files+=("/proc/$p/stat")
	done
	[ ${#files[@]} -gt 0 ] || { echo 0; return; }
	cat "${files[@]}" 2>/dev/null | awk -v hz="$(getconf CLK_TCK)" '{ t += $14 + $15 }
		END { printf "%d", t * 1000 / hz }'
}

# probe SUBJECT N T0: checks that all N answer; records answered and all_answer_s.
probe() {
	local out
	out=$(ip netns exec "$HUB" "$PROBE" probe "$3" $((60 + $2 / 4)) "$TMP/addrs")
	put "$1" "$2" answered "$(echo "$out" | awk '$1 == "answered" { print $2 }')"
	put "$1" "$2" all_answer_s "$(echo "$out" | awk '$1 == "all_answer_s" { print $2 }')"
}

# frames SUBJECT N: frames the hub sent into each instance's tap or veth (broadcasts included), / N.
frames() {
	local sum
	sum=$(ip netns exec "$HUB" sh -c 'cat /sys/class/net/pd[tv][0-9]*/statistics/tx_packets' |
		awk '{ s += $1 } END { print s + 0 }')
	put "$1" "$2" frames_in_per_instance $((sum / $2))
}

# memory SUBJECT KIND N M0 SNAP0: the MemAvailable drop, PSS and meminfo deltas per instance.
memory() {
	local drop
	sleep 2
	drop=$(($4 - $(mem_avail_kib)))
	meminfo_snap "$TMP/snap1"
	put "$1" "$3" mem_per_instance_kib $((drop / $3))
	put "$1" "$3" mem_total_mib $((drop / 1024))
	put "$1" "$3" pss_per_instance_kib $(($(pss_sum_kib "$2") / $3))
	put "$1" "$3" cpu_ms_per_instance "$(awk -v c="$(cpu_ms_sum "$2")" -v n="$3" \
		'BEGIN { printf "%.1f", c / n }')"
	paste -d' ' "$5" "$TMP/snap1" | while read -r key a _ b; do
		put "$1" "$3" "delta_$key" $(((b - a) / $3))
	done
}

# processes_gone PIDS: waits (up to 60 s) until none of PIDS (a list) is left.
processes_gone() {
	local p i alive
	for ((i = 0; i < 600; i++)); do
		alive=0
		for p in $1; do
			[ -e "/proc/$p" ] && alive=1 && break
		done
		[ "$alive" = 0 ] && return 0
		sleep 0.1
	done
	log "instances still alive 60 s after teardown"
}

# teardown KIND N: stops and removes every instance (timed until their processes are gone).
teardown() {
	local i names=() pids
	pids=$(instance_pids "$1")
	case $1 in
	pith)
		for ((i = 0; i < $2; i++)); do
			names+=("${TAG}p$i")
		done
		"$PITH" stop -t 0 "${names[@]}" >/dev/null 2>>"$TMP/teardown.err"
		"$PITH" rm -f "${names[@]}" >/dev/null 2>>"$TMP/teardown.err"
		;;
	pith-nod) instance_pids "$1" | xargs -r kill -KILL 2>/dev/null ;;
	crun)
		for ((i = 0; i < $2; i++)); do
			crun --root "$TMP/crun" delete -f "${TAG}c$i" 2>>"$TMP/teardown.err"
		done
		;;
	esac
	processes_gone "$pids"
}

# The Ctrl-C paths: kill whatever is left, without waiting for pith or crun.
pith_kill_all() {
	instance_pids pith | xargs -r kill -KILL
	awk -F= '$1 == "keeper_pid" { print $2 }' "$PITH_STATE_DIR"/*/run 2>/dev/null |
		xargs -r kill -KILL
	instance_pids pith-nod | xargs -r kill -KILL
}

crun_kill_all() {
	local id
	[ -d "$TMP/crun" ] || return 0
	for id in $(crun --root "$TMP/crun" list -q 2>/dev/null); do
		crun --root "$TMP/crun" delete -f "$id"
	done
}

# measure SUBJECT N: one full round; returns 1 unless all N started and answered.
measure() {
	local kind=$1 m0 t0 t1 ok=0
	[ "$1" = pith ] && kind=$(pith_kind)
	rm -rf "$TMP/pids" "$TMP/logs" "$TMP/bundles" "$TMP/tmpl" "$PITH_STATE_DIR" "$TMP/launch.fail"
	net_setup "$1" "$2"
	addrs_write "$2" "$TMP/addrs"
	meminfo_snap "$TMP/snap0"
	m0=$(mem_avail_kib)
	t0=$(now_ns)
	launch "$kind" "$2"
	t1=$(now_ns)
	put "$1" "$2" create_rate_per_s "$(awk -v n="$2" -v s="$(seconds "$t0" "$t1")" \
		'BEGIN { printf "%.1f", n / s }')"
	[ -s "$TMP/launch.fail" ] && put "$1" "$2" launch_failed "$(sort -n "$TMP/launch.fail" |
		head -1 | tr ' ' ':')"
	probe "$1" "$2" "$t0"
	memory "$1" "$kind" "$2" "$m0" "$TMP/snap0"
	frames "$1" "$2"
	[ "$(get "$1" "$2" answered)" = "$2" ] && [ ! -s "$TMP/launch.fail" ] && ok=1
	t0=$(now_ns)
	teardown "$kind" "$2"
	put "$1" "$2" teardown_s "$(seconds "$t0" "$(now_ns)")"
	t0=$(now_ns)
	net_delete_all
	put "$1" "$2" net_teardown_s "$(seconds "$t0" "$(now_ns)")"
	put "$1" "$2" kind "$kind"
	[ "$ok" = 1 ]
}
