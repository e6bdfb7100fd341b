#!/usr/bin/env bash
# Report generator: turns the benchmarks' results into docs/benchmarks.md and PNG charts.
#
# Usage: bench/report.sh        (seconds; `make bench-report` runs it)
# Environment: PITH_RESULTS (default build/bench/results: the <bench>.tsv and <bench>.md files
# of `make bench`), BENCH_DOC (default docs/benchmarks.md; the charts go into bench/ beside it).
# Needs: gnuplot (gnuplot-nox, `make bench-deps`) for the charts; without it the report says so.
#
# Nothing is measured here: every figure comes from the results files (format: one row per
# figure, `metric<TAB>subject<TAB>n<TAB>value<TAB>unit`). The headline compares them with the
# targets of issue 6; a missing file or figure reads "not run", never a failure.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${PITH_RESULTS:-$ROOT/build/bench/results}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
PNGDIR=$(dirname "$DOC")/bench
SUBJECTS=(pith pith-tap native crun linuxvm qemu-floor)
BENCHES=(compare density surface containers boot net fs threads)
HAVE_GNUPLOT=0

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pith-report.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- reading results ------------------------------------------------------------------------

# get BENCH METRIC SUBJECT [N]: the figure's value, or nothing.
get() {
	local f=$RESULTS/$1.tsv
	[ -f "$f" ] || return 0
	# without N, any n matches (compare.tsv puts its run counts there)
	awk -F'\t' -v m="$2" -v s="$3" -v n="${4:-*}" \
		'$1 == m && $2 == s && (n == "*" || $3 == n) { v = $4 } END { if (v != "") print v }' "$f"
}

# ns_of BENCH METRIC SUBJECT: the instance counts n a figure was measured for, ascending.
ns_of() {
	local f=$RESULTS/$1.tsv
	[ -f "$f" ] || return 0
	awk -F'\t' -v m="$2" -v s="$3" '$1 == m && $2 == s && $3 != "-" { print $3 }' "$f" | sort -n -u
}

subject_name() {
	case $1 in
	pith) echo "Pith" ;;
	pith-tap) echo "Pith (tap)" ;;
	native) echo "native process" ;;
	crun) echo "crun container" ;;
	linuxvm) echo "Linux VM (QEMU)" ;;
	qemu-floor) echo "QEMU floor" ;;
	*) echo "$1" ;;
	esac
}

# calc EXPR with a and b: awk arithmetic on two figures.
calc() {
	awk -v a="$2" -v b="$3" "BEGIN { $1 }"
}

# ---- the headline: issue 6's targets --------------------------------------------------------

row() {
	local c out="|"
	for c in "$@"; do
		out="$out $c |"
	done
	echo "$out"
}

# fmt VALUE: a figure with at most 3 significant decimals, thousands unseparated.
fmt() {
	awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v;
		else printf "%.3g", v }'
}

# target_ratio DESC METRIC UNIT A B MAX|MIN LIMIT: a row for "A/B at most (MAX) or at least (MIN)
# LIMIT" over compare.tsv's METRIC for subjects A and B.
target_ratio() {
	local desc=$1 metric=$2 unit=$3 a=$4 b=$5 op=$6 limit=$7 va vb r ok
	va=$(get compare "$metric" "$a")
	vb=$(get compare "$metric" "$b")
	if [ -z "$va" ] || [ -z "$vb" ]; then
		row "$desc" "not run" "-" "not run"
		return 0
	fi
	r=$(calc 'if (b > 0) printf "%.4g", a / b; else print "inf"' "$va" "$vb")
	if [ "$op" = MAX ]; then
		ok=$(calc 'print (b > 0 && a / b <= '"$limit"') ? "PASS" : "MISS"' "$va" "$vb")
	else
		ok=$(calc 'print (b > 0 && a / b >= '"$limit"') ? "PASS" : "MISS"' "$va" "$vb")
	fi
	row "$desc" "$(subject_name "$a") $(fmt "$va") $unit; $(subject_name "$b") $(fmt "$vb") $unit" \
		"$(fmt "$r")x" "**$ok**"
}

# density_n: the instance count the density targets are judged at: 1000, else the largest run.
density_n() {
	local ns
	ns=$(ns_of density answered pith)
	if echo "$ns" | grep -qx 1000; then echo 1000; else echo "$ns" | tail -n 1; fi
}

density_rows() {
	local n ans mem rate crun_mem
	n=$(density_n)
	if [ -z "$n" ]; then
		row "1000 concurrent httpd instances answer" "not run" "-" "not run"
		row "host memory per instance <= 8 MiB" "not run" "-" "not run"
		row "created at >= 100 instances/s" "not run" "-" "not run"
		return 0
	fi
	ans=$(get density answered pith "$n")
	mem=$(get density mem_per_instance_kib pith "$n")
	rate=$(get density create_rate_per_s pith "$n")
	crun_mem=$(get density mem_per_instance_kib crun "$n")
	row "1000 concurrent httpd instances answer" "${ans:-?} of $n answered" "-" \
		"**$(calc 'print (b >= 1000 && a == b) ? "PASS" : "MISS"' "${ans:-0}" "$n")**"
	if [ -n "$mem" ]; then
		row "host memory per instance <= 8 MiB (N = $n)" "Pith $(calc 'printf "%.2f", a / 1024' "$mem" 0) MiB$(
			[ -z "$crun_mem" ] || echo "; crun $(calc 'printf "%.2f", a / 1024' "$crun_mem" 0) MiB")" \
			"$(calc 'printf "%.2f", a / 8192' "$mem" 0) of the limit" \
			"**$(calc 'print (a <= 8192) ? "PASS" : "MISS"' "$mem" 0)**"
	else
		row "host memory per instance <= 8 MiB" "not run" "-" "not run"
	fi
	if [ -n "$rate" ]; then
		row "created at >= 100 instances/s (N = $n)" "Pith $(fmt "$rate")/s" \
			"$(calc 'printf "%.2f", a / 100' "$rate" 0)x the target" \
			"**$(calc 'print (a >= 100) ? "PASS" : "MISS"' "$rate" 0)**"
	else
		row "created at >= 100 instances/s" "not run" "-" "not run"
	fi
}

surface_rows() {
	local p c
	p=$(get surface host_syscalls_allowed pith)
	c=$(get surface host_syscalls_reachable crun)
	if [ -n "$p" ] && [ -n "$c" ]; then
		row "host syscalls reachable (no target)" "Pith monitor $p; crun container $c" \
			"$(calc 'printf "%.1f", a / b' "$c" "$p")x fewer" "-"
	else
		row "host syscalls reachable (no target)" "not run" "-" "-"
	fi
}

# containers_rows: issue 7's target, per engine: Pith containers at least as fast as runc's.
containers_rows() {
	local e m what p r
	for e in ctr podman docker; do
		for m in hello.exit_ms httpd.first_response_ms; do
			what="hello, run to exit"
			[ "$m" = hello.exit_ms ] || what="httpd, run to first response"
			p=$(get containers "$m" "$e-pith")
			r=$(get containers "$m" "$e-runc")
			if [ -z "$p" ] || [ -z "$r" ]; then
				row "$e: $what no slower with pith-oci than with runc" "not run" "-" "not run"
				continue
			fi
			row "$e: $what no slower with pith-oci than with runc" \
				"pith-oci $(fmt "$p") ms; runc $(fmt "$r") ms" \
				"$(calc 'printf "%.2f", a / b' "$p" "$r")x" \
				"**$(calc 'print (a <= b) ? "PASS" : "MISS"' "$p" "$r")**"
		done
	done
}

headline() {
	echo "## Headline: the targets of issues 6 and 7"
	echo
	row "target" "measured" "ratio" "result"
	row "---" "---" "---:" "---"
	target_ratio "hello: time to main at most 2x a native process's" hello.main_ms ms \
		pith native MAX 2
	target_ratio "hello: time to main at least 10x faster than crun" hello.main_ms ms \
		crun pith MIN 10
	target_ratio "hello: image at least 10x smaller than the container bundle" hello.size_kib KiB \
		crun pith MIN 10
	target_ratio "httpd: first response at least 10x faster than crun" \
		httpd.first_response_ms ms crun pith MIN 10
	target_ratio "httpd: first response at least 100x faster than the Linux VM" \
		httpd.first_response_ms ms linuxvm pith MIN 100
	target_ratio "httpd over a tap (no passt): first response at least 10x faster than crun" \
		httpd.first_response_ms ms crun pith-tap MIN 10
	target_ratio "httpd over a tap (no passt): at least 100x faster than the Linux VM" \
		httpd.first_response_ms ms linuxvm pith-tap MIN 100
	density_rows
	surface_rows
	containers_rows
	echo
	echo "Ratios are computed here from the figures in the sections below (one run of each"
	echo "benchmark on the machine above). \"not run\": that benchmark's results were missing."
}

# ---- charts (gnuplot) -----------------------------------------------------------------------

# bar_data BENCH METRIC:LABEL...: a tab-separated table, a header then one row per subject that
# has any of the figures ("-" where one is missing).
bar_data() {
	local bench=$1 s m v line any
	shift
	printf 'subject'
	for m in "$@"; do
		printf '\t%s' "${m#*:}"
	done
	echo
	for s in "${SUBJECTS[@]}"; do
		line="" any=0
		for m in "$@"; do
			v=$(get "$bench" "${m%%:*}" "$s")
			[ -z "$v" ] || any=1
			line="$line	${v:--}"
		done
		[ $any = 0 ] || echo "$(subject_name "$s")$line"
	done
}

# surface_data: bar_data's table of the host system calls reachable per subject (for Pith: what
# the monitor's seccomp filters allow, hello and httpd).
surface_data() {
	local s v
	printf 'subject\thost system calls\n'
	v=$(get surface host_syscalls_allowed.hello pith)
	[ -z "$v" ] || printf 'Pith hello\t%s\n' "$v"
	v=$(get surface host_syscalls_allowed.httpd pith)
	[ -z "$v" ] || printf 'Pith httpd\t%s\n' "$v"
	for s in native crun linuxvm; do
		v=$(get surface host_syscalls_reachable "$s")
		[ -z "$v" ] || printf '%s\t%s\n' "$(subject_name "$s")" "$v"
	done
}

# range DAT LOG: gnuplot's yrange for the figures in DAT: room above for the labels.
range() {
	awk -F'\t' -v lg="$2" 'NR > 1 { for (i = 2; i <= NF; i++) if ($i != "-") {
			v = $i + 0; if (max == "" || v > max) max = v; if (v > 0 && (min == "" || v < min)) min = v } }
		END { if (max == "") exit 1
			if (lg) printf "[%g:%g]", min / 3, max * 6; else printf "[0:%g]", max * 1.18 }' "$1"
}

gp_common() {
	cat <<-EOF2
		set terminal pngcairo size 960,560 font "DejaVu Sans,11"
		set datafile separator "\t"
		set datafile missing "-"
		set key top left
		set grid ytics
		set border 3
		set xtics nomirror
		set ytics nomirror
		fmt(x) = (x >= 100 || x == floor(x)) ? sprintf("%.0f", x) : (x >= 10 ? sprintf("%.1f", x) : sprintf("%.3g", x))
	EOF2
}

# bars NAME TITLE YLABEL LOG DATA ARGS...: $PNGDIR/NAME.png, clustered bars per subject, the
# value written above each bar; LOG = 1 for a logarithmic axis. The command `DATA ARGS...` prints
# the table (as bar_data does). Fails without data.
bars() {
	local name=$1 title=$2 ylabel=$3 log=$4 dat yr n
	shift 4
	dat=$TMP/$name.dat
	"$@" >"$dat"
	yr=$(range "$dat" "$log") || return 1
	n=$(($(head -1 "$dat" | awk -F'\t' '{ print NF }') - 1))
	{
		gp_common
		echo "set output '$PNGDIR/$name.png'"
		echo "set title '$title' font ',13'"
		echo "set ylabel '$ylabel'"
		echo "set yrange $yr"
		echo "set xrange [-0.6:$(($(wc -l <"$dat") - 2)).6]"
		[ "$log" = 0 ] || echo "set logscale y"
		echo "set key top center horizontal autotitle columnheader"
		echo "set style data histograms"
		echo "set style histogram clustered gap 1"
		echo "set style fill solid 0.8 border -1"
		echo "plot for [i=2:$((n + 1))] '$dat' using i:xtic(1) title columnheader(i), \\"
		echo "  for [i=2:$((n + 1))] '$dat' using (\$0 + (i - 2 - ($n - 1) / 2.0) / ($n + 1.0)):i:(fmt(column(i))) \\"
		echo "  with labels offset 0,0.7 font ',9' notitle"
	} >"$TMP/$name.gp"
	gnuplot "$TMP/$name.gp" 2>"$TMP/$name.gperr" || {
		cat "$TMP/$name.gperr" >&2
		return 1
	}
}

# line_data METRIC SCALE: "N<TAB>pith<TAB>crun" rows from density.tsv, values divided by SCALE.
line_data() {
	local f=$RESULTS/density.tsv
	[ -f "$f" ] || return 0
	awk -F'\t' -v m="$1" -v k="$2" '$1 == m && $3 != "-" && ($2 == "pith" || $2 == "crun") {
			v[$3, $2] = $4 / k; ns[$3] = 1 }
		END { print "N\tPith\tcrun"
			for (n in ns) printf "%s\t%s\t%s\n", n, ((n, "pith") in v) ? v[n, "pith"] : "-",
				((n, "crun") in v) ? v[n, "crun"] : "-" }' "$f" | sort -n
}

# lines NAME TITLE YLABEL METRIC SCALE TARGET TARGET_LABEL: $PNGDIR/NAME.png, the figure against
# the instance count N for Pith and crun, with the target as a dashed line.
lines() {
	local name=$1 title=$2 ylabel=$3 dat=$TMP/$1.dat
	line_data "$4" "$5" >"$dat"
	[ "$(wc -l <"$dat")" -gt 1 ] || return 1
	{
		gp_common
		echo "set output '$PNGDIR/$name.png'"
		echo "set title '$title' font ',13'"
		echo "set xlabel 'concurrent httpd instances (N)'"
		echo "set ylabel '$ylabel'"
		echo "set yrange [0:*]"
		echo "set offsets graph 0.05, graph 0.05, graph 0.15, 0"
		echo "plot '$dat' using 1:2 with linespoints lw 2 pt 7 title 'Pith', \\"
		echo "  '' using 1:2:(fmt(\$2)) with labels offset 0,1 font ',9' notitle, \\"
		echo "  '' using 1:3 with linespoints lw 2 pt 5 title 'crun', \\"
		echo "  '' using 1:3:(fmt(\$3)) with labels offset 0,-1 font ',9' notitle, \\"
		echo "  $6 with lines dt 2 lc rgb 'red' title '$7'"
	} >"$TMP/$name.gp"
	gnuplot "$TMP/$name.gp" 2>"$TMP/$name.gperr" || {
		cat "$TMP/$name.gperr" >&2
		return 1
	}
}

# chart NAME ALT: the markdown image link, or why there is no chart.
chart_link() {
	if [ -f "$PNGDIR/$1.png" ] && [ -n "${MADE[$1]:-}" ]; then
		echo "![$2](bench/$1.png)"
	elif [ "$HAVE_GNUPLOT" = 0 ]; then
		echo "_(chart $1: gnuplot is not installed; \`make bench-deps\`)_"
	else
		echo "_(chart $1: no data)_"
	fi
}

declare -A MADE

# make_chart NAME FUNCTION ARGS...: runs the chart function, remembers whether it made the PNG.
make_chart() {
	local name=$1
	shift
	rm -f "$PNGDIR/$name.png"
	[ "$HAVE_GNUPLOT" = 1 ] || return 0
	if "$@"; then MADE[$name]=1; fi
}

make_charts() {
	command -v gnuplot >/dev/null && HAVE_GNUPLOT=1
	mkdir -p "$PNGDIR"
	make_chart boot bars boot "Boot: launch to main (hello) and to the first HTTP response (httpd)" \
		"milliseconds (log scale)" 1 bar_data compare "hello.main_ms:hello, to main" \
		"httpd.first_response_ms:httpd, to first response"
	make_chart size bars size "What must be shipped to run it" "KiB (log scale)" 1 bar_data compare \
		"hello.size_kib:hello" "httpd.size_kib:httpd"
	make_chart memory bars memory "Host memory per running httpd instance" \
		"KiB (log scale)" 1 bar_data compare "httpd.rss_kib:RSS" "httpd.pss_kib:PSS"
	make_chart rps bars rps "httpd throughput (wrk)" "requests per second" 0 bar_data compare \
		"httpd.requests_per_s:requests/s"
	make_chart surface bars surface "Host system calls a workload can reach if it takes over its host process" \
		"system calls (log scale)" 1 surface_data
	make_chart density-memory lines density-memory "Density: host memory per httpd instance" \
		"MiB per instance" mem_per_instance_kib 1024 8 "target: at most 8 MiB"
	make_chart density-rate lines density-rate "Density: creation rate" "instances per second" \
		create_rate_per_s 1 100 "target: at least 100/s"
}

# ---- the document ---------------------------------------------------------------------------

machine() {
	row "machine" ""
	row "---" "---"
	row "kernel" "$(uname -srm)"
	row "CPU" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores"
	row "memory" "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	row "KVM modules" "$(cd /sys/module && ls -d kvm* 2>/dev/null | paste -sd' ' - || echo none)"
	row "Debian" "$(cat /etc/debian_version 2>/dev/null || echo '?')"
	row "report date" "$(date -u '+%Y-%m-%d %H:%M UTC')"
	row "Pith" "$(git describe --always --dirty 2>/dev/null || echo '?')"
}

commands() {
	cat <<-'EOF2'
		```
		make bench-deps                      # apt-get install what the benchmarks need (root)
		make bench                           # builds, runs every benchmark, writes this file
		make bench BENCHES="compare surface" # only those (the others' results are kept)
		make bench-report                    # this file again from the existing results
		```
		`make bench` runs, one after the other, with `PITH_RESULTS=build/bench/results`:
		`bench/compare.sh`, `bench/density.sh`, `bench/surface.sh`, `bench/containers.sh` (each writes `<name>.tsv` and
		`<name>.md` there), `bench/boot.sh`, `bench/net.sh`, `bench/fs.sh` (through `make bench-fs`)
		and `bench/threads.sh` (through `make bench-threads`), whose printed tables are captured into
		`<name>.md`; then `bench/report.sh` turns the results into this file and the charts in
		`docs/bench/`.
	EOF2
}

title_of() {
	case $1 in
	compare) echo "Pith against a process, a container and a Linux VM (bench/compare.sh)" ;;
	density) echo "Density: many httpd instances at once (bench/density.sh)" ;;
	surface) echo "Attack surface (bench/surface.sh)" ;;
	containers) echo "Containers: pith-oci against runc and crun through ctr, podman and docker (bench/containers.sh)" ;;
	boot) echo "Boot of hello, issue 2 (bench/boot.sh)" ;;
	net) echo "Network, issue 3 (bench/net.sh)" ;;
	fs) echo "Storage, issue 4 (bench/fs.sh via make bench-fs)" ;;
	threads) echo "Threads, issue 5 (bench/threads.sh via make bench-threads)" ;;
	esac
}

charts_of() {
	case $1 in
	compare) echo "boot:boot-times size:sizes memory:host-memory rps:throughput" ;;
	density) echo "density-memory:memory-per-instance density-rate:creation-rate" ;;
	surface) echo "surface:host-system-calls-reachable" ;;
	esac
}

# demote: headings of levels 1 and 2 become level 3 (outside code fences).
demote() {
	awk '/^```/ { fence = !fence } !fence && /^##? / { sub(/^#+ /, "### ") } { print }'
}

# fence_plain: plain-text lines (not markdown table rows) go into code fences.
fence_plain() {
	awk '
		/^\|/ || /^$/ { if (open) print "```"; open = 0; print; next }
		{ if (!open) print "```"; open = 1; print }
		END { if (open) print "```" }
	'
}

section() {
	local b=$1 md=$RESULTS/$1.md c
	echo "## $(title_of "$b")"
	echo
	if [ ! -s "$md" ]; then
		echo "not run (no ${md#"$ROOT"/})"
		echo
		return 0
	fi
	echo "_Results of $(date -u -r "$md" '+%Y-%m-%d %H:%M UTC')._"
	echo
	for c in $(charts_of "$b"); do
		chart_link "${c%%:*}" "$(echo "${c#*:}" | tr - ' ')"
		echo
	done
	case $b in
	compare | density | surface | containers) demote <"$md" ;;
	*) fence_plain <"$md" ;;
	esac
	echo
}

document() {
	local b
	echo "# Pith benchmarks"
	echo
	echo "Generated by \`bench/report.sh\` from the results in \`${RESULTS#"$ROOT"/}\`: do not edit by"
	echo "hand. Every figure was measured on the machine below; none is typed."
	echo
	machine
	echo
	commands
	echo
	headline
	echo
	for b in "${BENCHES[@]}"; do
		section "$b"
	done
}

main() {
	mkdir -p "$(dirname "$DOC")"
	make_charts
	document >"$TMP/doc.md"
	mv "$TMP/doc.md" "$DOC"
	echo "report.sh: wrote ${DOC#"$ROOT"/}$([ "$HAVE_GNUPLOT" = 0 ] || echo " and its charts in ${PNGDIR#"$ROOT"/}/")"
}

main "$@"
