# Shell helpers shared by the benchmarks (sourced): medians, ratios, verdicts, results rows.
# Needs awk. Functions print their result on stdout; "-" stands for "no figure".

NUM_RE='^-?[0-9]+([.][0-9]*)?([eE][-+]?[0-9]+)?$' # a plain number, as awk sees it

# median FILE [COLUMN]: the median of COLUMN (default 1) of FILE over the lines whose value is
# a number >= 0 (failed runs are written as -1 and skipped); "-" when there is none.
median() {
	[ -s "$1" ] || {
		echo -
		return 0
	}
	awk -v re="$NUM_RE" -v c="${2:-1}" '$c ~ re && $c >= 0 { print $c }' "$1" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) print "-"
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# count_ok FILE [COLUMN]: how many lines hold a value >= 0 in COLUMN (default 1).
count_ok() {
	[ -s "$1" ] || {
		echo 0
		return 0
	}
	awk -v c="${2:-1}" '$c >= 0 { n++ } END { print n + 0 }' "$1"
}

# count_all FILE: lines in FILE (0 when it is absent).
count_all() {
	if [ -s "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# ratio A B: A / B with 2 decimals, "-" when either is not a positive number.
ratio() {
	awk -v re="$NUM_RE" -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ re && b ~ re && a > 0 && b > 0) printf (a / b < 0.1 ? "%.3g" : "%.2f"), a / b
		else print "-" }'
}

# fmt VALUE [DECIMALS]: a number with DECIMALS (default 2) decimals, "-" passed through.
fmt() {
	awk -v re="$NUM_RE" -v v="$1" -v d="${2:-2}" 'BEGIN {
		if (v ~ re) printf "%.*f", d, v; else print "-" }'
}

# at_least A B: "PASS" if A >= B (numbers), "MISS" if not, "n/a" without a figure.
at_least() {
	awk -v re="$NUM_RE" -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ re || b !~ re) print "n/a"
		else print (a + 0 >= b + 0) ? "PASS" : "MISS" }'
}

# tsv_row FILE METRIC SUBJECT N VALUE UNIT: one results row (skipped when VALUE is "-").
tsv_row() {
	[ "$5" = - ] && return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "$5" "$6" >>"$1"
}

# md_row CELL...: one markdown table row.
md_row() {
	local out="|" c
	for c in "$@"; do
		out="$out $c |"
	done
	echo "$out"
}

# md_rule N: the separator row of a markdown table of N columns (first left, rest right).
md_rule() {
	local out="| --- |" i
	for ((i = 1; i < $1; i++)); do
		out="$out ---: |"
	done
	echo "$out"
}

# machine_facts: date, kernel, CPU, cores, KVM modules, the tree's git describe (markdown list).
machine_facts() {
	echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "- kernel: $(uname -srvm)"
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(nproc) cores; memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' \
			/proc/meminfo); KVM modules: $(cd /sys/module && echo kvm*)"
	echo "- tree: $(git describe --always --dirty 2>/dev/null || echo unknown)"
}

# report_tail COMMAND LOAD_START EXTRA PACKAGE...: a report's "Notes" (the caller's `notes`
# function) and "Machine and command" sections; EXTRA is appended to the packages line.
report_tail() {
	local command=$1 load_start=$2 extra=$3
	shift 3
	echo "### Notes"
	echo
	notes
	echo
	echo "### Machine and command"
	echo
	machine_facts
	echo "- command: \`$command\`"
	echo "- load average (1, 5, 15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 \
		/proc/loadavg) (other work on this shared machine skews the figures)"
	echo "- packages: $(dpkg-query -W -f '${Package} ${Version}, ' "$@" 2>/dev/null)$extra"
}
