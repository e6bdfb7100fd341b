# Density benchmark: the sequence of N values, the markdown tables and the results files.
# Sourced by bench/density.sh; reads $TMP/res (see density_run.sh).
# shellcheck shell=bash

# next_n PREV INDEX: the N to try after PREV (the --n list first, then + STEP); empty at the cap.
next_n() {
	local list n
	read -ra list <<<"$NS_LIST"
	if [ "$2" -lt ${#list[@]} ]; then n=${list[$2]}; else n=$(($1 + STEP)); fi
	[ "$n" -le "$CAP" ] && echo "$n"
}

# fits N: MemAvailable now stays above the floor after N more instances of the costliest
# subject still running at the last N (PER_KIB).
fits() {
	[ "$PER_KIB" -eq 0 ] && return 0
	[ $(($(mem_avail_kib) - $1 * PER_KIB)) -gt $((FLOOR_MIB * 1024)) ]
}

# run_subjects N FIRST: each subject still going measures N (alternating the order by N).
run_subjects() {
	local s order=$SUBJECTS per
	[ $(($2 % 2)) = 1 ] && order=$(echo "$SUBJECTS" | awk '{ for (i = NF; i; i--) printf "%s ", $i }')
	PER_KIB=0
	for s in $order; do
		case " $STOPPED " in *" $s "*) continue ;; esac
		log "$s: N=$1"
		measure "$s" "$1" || {
			STOPPED="$STOPPED $s"
			NOTES+=("$s stopped at N=$1: $(get "$s" "$1" answered) of $1 answered$(fail_note "$s" "$1")")
		}
		per=$(get "$s" "$1" mem_per_instance_kib)
		[ "$per" != - ] && [ "$per" -gt "$PER_KIB" ] && PER_KIB=$per
	done
}

fail_note() {
	local f
	f=$(get "$1" "$2" launch_failed)
	[ "$f" = - ] && return
	case $f in
	*floor) echo "; launches stopped at instance ${f%%:*}: MemAvailable under $FLOOR_MIB MiB" ;;
	*) echo "; instance ${f%%:*} failed to start: $(head -c 300 "$TMP/launch.err" | tr '\n' ' ')" ;;
	esac
}

# in_budget N LAST_N ROUND_S: the next round (predicted as the last one's time scaled by N)
# still ends within BUDGET_S seconds of the start (0: no budget).
in_budget() {
	[ "$BUDGET_S" -eq 0 ] || [ "$2" -eq 0 ] ||
		[ $((SECONDS + $3 * $1 / $2)) -le "$BUDGET_S" ]
}

run_all() {
	local n=0 i=0 last=0 round_s=0 t
	STOPPED="" PER_KIB=0 NOTES=() NS_DONE=()
	SECONDS=0
	while n=$(next_n "$n" "$i"); do
		if ! fits "$n"; then
			NOTES+=("stopped before N=$n: MemAvailable would fall under $FLOOR_MIB MiB" \
				"(at $PER_KIB KiB per instance)")
			break
		fi
		if ! in_budget "$n" "$last" "$round_s"; then
			NOTES+=("stopped before N=$n: the round at N=$last took $round_s s, so N=$n" \
				"would end after the time budget (--budget $BUDGET_S s)")
			break
		fi
		t=$SECONDS
		run_subjects "$n" "$i"
		last=$n round_s=$((SECONDS - t))
		NS_DONE+=("$n")
		i=$((i + 1))
		[ "$(echo "$STOPPED" | wc -w)" -ge "$(echo "$SUBJECTS" | wc -w)" ] && break
	done
	[ -n "$n" ] || NOTES+=("stopped at the cap (--cap $CAP)")
	NOTES+=("the whole run took $SECONDS s")
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-";
		else printf "%.2fx", a / b }'
}

mib() {
	awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.2f", k / 1024 }'
}

table_memory() {
	local n
	echo "| N | answered pith | answered crun | MiB/instance pith (MemAvailable) | crun |" \
		"pith/crun | PSS KiB/instance pith | crun | pith/crun | total MiB pith | crun |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for n in "${NS_DONE[@]}"; do
		local mp mc pp pc
		mp=$(get pith "$n" mem_per_instance_kib) mc=$(get crun "$n" mem_per_instance_kib)
		pp=$(get pith "$n" pss_per_instance_kib) pc=$(get crun "$n" pss_per_instance_kib)
		echo "| $n | $(get pith "$n" answered) | $(get crun "$n" answered) | $(mib "$mp") |" \
			"$(mib "$mc") | $(ratio "$mp" "$mc") | $pp | $pc | $(ratio "$pp" "$pc") |" \
			"$(get pith "$n" mem_total_mib) | $(get crun "$n" mem_total_mib) |"
	done
}

table_time() {
	local n
	echo "| N | created/s pith | crun | pith/crun | all answer s pith | crun | teardown s pith |" \
		"crun | net setup s pith (taps) | crun (netns+veth) | net KiB/instance pith | crun |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for n in "${NS_DONE[@]}"; do
		local rp rc
		rp=$(get pith "$n" create_rate_per_s) rc=$(get crun "$n" create_rate_per_s)
		echo "| $n | $rp | $rc | $(ratio "$rp" "$rc") | $(get pith "$n" all_answer_s) |" \
			"$(get crun "$n" all_answer_s) | $(get pith "$n" teardown_s) |" \
			"$(get crun "$n" teardown_s) | $(get pith "$n" net_setup_s) |" \
			"$(get crun "$n" net_setup_s) | $(get pith "$n" net_mem_per_instance_kib) |" \
			"$(get crun "$n" net_mem_per_instance_kib) |"
	done
}

# breakdown_row LABEL N METRIC
breakdown_row() {
	echo "| $1 | $(get pith "$2" "$3") | $(get crun "$2" "$3") |"
}

# table_breakdown N: the /proc/meminfo deltas per instance behind the MemAvailable drop.
table_breakdown() {
	local key
	echo "| KiB per instance at N=$1 | pith | crun |"
	echo "|---|---|---|"
	for key in $MEMINFO_KEYS; do
		echo "| $key | $(get pith "$1" "delta_$key") | $(get crun "$1" "delta_$key") |"
	done
	breakdown_row "MemAvailable drop" "$1" mem_per_instance_kib
	breakdown_row "frames into each instance's tap/veth until then" "$1" frames_in_per_instance
	breakdown_row "CPU ms per instance until all answered (its processes)" "$1" cpu_ms_per_instance
}

verdict() {
	if [ "$1" = - ]; then echo "MISS (not measured)"; elif awk -v v="$1" -v t="$2" -v d="$3" \
		'BEGIN { exit !(d == "le" ? v <= t : v >= t) }'; then echo "PASS ($1)"; else echo "MISS ($1)"; fi
}

table_targets() {
	local n=1000 a
	a=$(get pith $n answered)
	echo "| target (issue 6), Pith at N=$n | result |"
	echo "|---|---|"
	echo "| $n instances answering | $(verdict "$a" $n ge) |"
	echo "| host memory <= 8 MiB (8192 KiB) per instance (MemAvailable drop) |" \
		"$(verdict "$(get pith $n mem_per_instance_kib)" 8192 le) |"
	echo "| created at >= 100/s | $(verdict "$(get pith $n create_rate_per_s)" 100 ge) |"
}

UNITS="mem_per_instance_kib:KiB pss_per_instance_kib:KiB mem_total_mib:MiB
create_rate_per_s:per_s all_answer_s:s answered:instances teardown_s:s net_setup_s:s
net_mem_per_instance_kib:KiB net_teardown_s:s cpu_ms_per_instance:ms frames_in_per_instance:frames"

# write_tsv FILE: the figures in the shared results format.
write_tsv() {
	local s n mu v
	for s in $SUBJECTS; do
		for n in "${NS_DONE[@]}"; do
			for mu in $UNITS; do
				v=$(get "$s" "$n" "${mu%%:*}")
				[ "$v" = - ] || [ -z "$v" ] ||
					printf '%s\t%s\t%s\t%s\t%s\n' "${mu%%:*}" "$s" "$n" "$v" "${mu#*:}"
			done
		done
	done >"$1"
}

# The largest N every subject measured (for the breakdown), or the largest N measured.
breakdown_n() {
	local n best=${NS_DONE[0]:-0}
	for n in "${NS_DONE[@]}"; do
		[ "$(get pith "$n" mem_per_instance_kib)" != - ] &&
			{ [ "$(get crun "$n" mem_per_instance_kib)" != - ] || [[ " $SUBJECTS " != *" crun "* ]]; } &&
			best=$n
	done
	echo "$best"
}

pith_kind_note() {
	case $(get pith "${NS_DONE[0]:-0}" kind) in
	pith) echo "pith run -d" ;;
	pith-nod) echo "STAND-IN: background pith run, no -d yet: the rate is a spawn rate" ;;
	*) echo "not run" ;;
	esac
}

report_header() {
	echo "## Density: N httpd instances at once"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); machine: $(uname -srm)," \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores," \
		"$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- pith: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') + working tree;" \
		"$(crun --version 2>/dev/null | head -1)"
	echo "- command: \`bench/density.sh ${ARGS[*]}\`"
	echo "- Pith: \`pith run -d --net tap:TAP --ip IP/16 --gw GW --mem $MEM" \
		"build/httpd.pith -- 80 0\` ($(pith_kind_note)), one tap per instance on a bridge" \
		"(up to $BRIDGE_SIZE ports each) in one namespace; crun: \`crun run -d\` of" \
		"build/httpd-native (\`/httpd 80 0\`, shared read-only rootfs), one namespace + veth per" \
		"container on the same kind of bridge; $JOBS launch lanes in parallel for both"
	echo "- memory: MemAvailable drop 2 s after all answered / N (kernel memory included); PSS:" \
		"Pith keeper + monitor, crun the container's process (crun itself exits);" \
		"network setup (taps, netns + veths) is measured apart and not in these figures"
	echo
}

report() {
	local bn
	mkdir -p "$PITH_RESULTS"
	bn=$(breakdown_n)
	{
		report_header
		table_memory
		echo
		table_time
		echo
		table_breakdown "$bn"
		echo
		table_targets
		echo
		for note in "${NOTES[@]}"; do
			echo "- $note"
		done
	} | tee "$PITH_RESULTS/density.md"
	write_tsv "$PITH_RESULTS/density.tsv"
}
