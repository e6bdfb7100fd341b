#!/usr/bin/env bash
# Density benchmark: one launch lane, starts instances LANE, LANE+JOBS, ... < N of one subject.
#
# Usage (from bench/density.sh): density_launch.sh pith|pith-nod|crun LANE JOBS N
# Environment: TMP (addresses in $TMP/addrs, one a line, instance i on line i+1; failures are
# appended to $TMP/launch.fail, messages to $TMP/launch.err), TAG, PITH, MEM, ROOT, FLOOR_MIB.
# pith runs inside the hub namespace (density.sh starts this lane with ip netns exec); pith-nod
# is the stand-in used while `pith run -d` does not exist (a background `pith run`: the rate it
# gives is only the spawn rate). Stops at the first failure, or when MemAvailable falls under
# FLOOR_MIB (checked every 25 launches).
set -u
SUBJECT=$1 LANE=$2 JOBS=$3 N=$4
mapfile -t IPS <"$TMP/addrs"

under_floor() {
	[ "$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)" -lt "$FLOOR_MIB" ]
}

# start_pith I: one detached Pith instance on tap pdtI.
start_pith() {
	local ip=${IPS[$1]}
	"$PITH" run -d --name "${TAG}p$1" --net "tap:pdt$1" --ip "$ip/16" --gw "${ip%.*.*}.0.1" \
		--mem "$MEM" "$ROOT/build/httpd.pith" -- 80 0 >/dev/null 2>>"$TMP/launch.err" </dev/null
}

start_pith_nod() {
	local ip=${IPS[$1]}
	setsid "$PITH" run --net "tap:pdt$1" --ip "$ip/16" --gw "${ip%.*.*}.0.1" --mem "$MEM" \
		"$ROOT/build/httpd.pith" -- 80 0 >"$TMP/logs/p$1" 2>&1 </dev/null &
	echo "$!" >"$TMP/pids/p$1"
}

start_crun() {
	crun --root "$TMP/crun" run -d --bundle "$TMP/bundles/$1" --pid-file "$TMP/pids/c$1" \
		"${TAG}c$1" >/dev/null 2>>"$TMP/launch.err" </dev/null
}

for ((i = LANE; i < N; i += JOBS)); do
	if ((i / JOBS % 25 == 0)) && under_floor; then
		echo "$i floor" >>"$TMP/launch.fail"
		exit 1
	fi
	if ! "start_${SUBJECT//-/_}" "$i"; then
		echo "$i failed" >>"$TMP/launch.fail"
		exit 1
	fi
done
