#!/usr/bin/env bash
# Boot benchmark: `pith run hello.pith` against the same hello.c built with `musl-gcc -static`.
#
# Usage: bench/boot.sh [RUNS]      (RUNS per measurement, default 100, at least 50)
# Needs: a built Pith (make all), gcc, musl-gcc (musl-tools), perl; hyperfine if present.
#
# What is measured, in this one run, on this machine (medians over RUNS runs each):
#  - end to end, hello: exec to exit of `pith run hello.pith` and of the native static hello,
#    with hyperfine (--shell=none, output to /dev/null) in 5 rounds that alternate which command
#    goes first (these machines are noisy); the median of all rounds' times. Without hyperfine,
#    the spawn timer below measures it instead.
#  - until main: from just before posix_spawn to the first byte that main writes to a pipe.
#    main's first statement is write(1, "M", 1) (a console hypercall in Pith, a syscall natively).
#    A small C spawn timer, compiled here, reads the pipe on the host's CLOCK_MONOTONIC and
#    alternates native and Pith run by run. Chosen over a guest-printed clock marker because it
#    needs no agreement between the guest's and the host's clocks.
#  - end to end of that program (main writes one byte and returns): the floor under any program.
#  - image size: the hello.pith file against the native static binary (both unstripped).
#  - peak RSS: VmHWM of `pith run --mem 2M hello.pith` read at its exit by bench/peakrss.c
#    (ptrace), against the native hello; medians of RUNS runs. Not GNU time's %M: getrusage's
#    maxrss includes the pre-exec copy of the process that forked the command (~450 KiB for
#    GNU time), a floor above both figures.
#  - runs in 2 MiB: `pith run --mem 2M hello.pith` prints the greeting and exits 0.
# Targets (issue 2): image <= 64 KiB; end to end <= 4x native; runs in 2 MiB; peak RSS <= 3 MiB.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
HOSTCC=${HOSTCC:-gcc}
RUNS=${1:-100}
ROUNDS=5
die() {
	echo "boot.sh: $*" >&2
	exit 1
}
[ "$RUNS" -ge 50 ] 2>/dev/null || die "use at least 50 runs (got $RUNS)"
[ -x "$PITH" ] || die "$PITH not found: build Pith first (make all)"
command -v musl-gcc >/dev/null || die "musl-gcc not found: make deps installs musl-tools"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pith-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MS=$TMP/measurements
mkdir "$MS"

# ---- builds ---------------------------------------------------------------------------------

write_sources() {
	cat >"$TMP/first.c" <<-'EOF'
		#include <unistd.h>
		int main(void)
		{
			return write(1, "M", 1) != 1;
		}
	EOF
	cat >"$TMP/spawntime.c" <<-'EOF'
		/* Spawn timer: runs two commands in turn; ms to first output byte and to exit. */
		#include <spawn.h>
		#include <stdio.h>
		#include <stdlib.h>
		#include <string.h>
		#include <sys/wait.h>
		#include <time.h>
		#include <unistd.h>

		extern char **environ;

		static double now_ms(void)
		{
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
		}

		/* Run argv once: *first = ms to its first output byte; returns ms to exit or -1. */
		static double once(char **argv, double *first)
		{
			posix_spawn_file_actions_t fa;
			int fds[2], status = -1;
			double t0;
			char buf[4096];
			pid_t pid;

			if (pipe(fds) != 0)
				return -1;
			posix_spawn_file_actions_init(&fa);
			posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
			posix_spawn_file_actions_addclose(&fa, fds[0]);
			posix_spawn_file_actions_addclose(&fa, fds[1]);
			*first = -1;
			t0 = now_ms();
			if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
				return -1;
			close(fds[1]);
			while (read(fds[0], buf, sizeof(buf)) > 0)
				if (*first < 0)
					*first = now_ms() - t0;
			waitpid(pid, &status, 0);
			t0 = now_ms() - t0;
			close(fds[0]);
			posix_spawn_file_actions_destroy(&fa);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || *first < 0)
				return -1;
			return t0;
		}

		static int time_runs(int runs, char **cmd[2], FILE *out[2])
		{
			for (int i = -5; i < runs; i++) /* the first 5 rounds warm up */
				for (int c = 0; c < 2; c++) {
					double first, total = once(cmd[c], &first);

					if (total < 0) {
						fprintf(stderr, "spawntime: %s failed\n", *cmd[c]);
						return 1;
					}
					if (i >= 0)
						fprintf(out[c], "%.6f %.6f\n", first, total);
				}
			return fclose(out[0]) | fclose(out[1]);
		}

		/* Usage: spawntime RUNS OUT_A OUT_B A... -- B...  (writes "first_ms exit_ms") */
		int main(int argc, char **argv)
		{
			char **cmd[2] = {argv + 4, NULL};
			FILE *out[2];
			int split = 4;

			while (split < argc && strcmp(argv[split], "--") != 0)
				split++;
			if (argc < 7 || split == 4 || split + 1 >= argc || atoi(argv[1]) <= 0) {
				fprintf(stderr, "usage: spawntime RUNS OUT_A OUT_B A... -- B...\n");
				return 2;
			}
			out[0] = fopen(argv[2], "w");
			out[1] = fopen(argv[3], "w");
			if (!out[0] || !out[1]) {
				perror("spawntime");
				return 2;
			}
			argv[split] = NULL;
			cmd[1] = argv + split + 1;
			return time_runs(atoi(argv[1]), cmd, out);
		}
	EOF
}

build_all() {
	write_sources
	"$HOSTCC" -O2 -Wall -Wextra -o "$TMP/spawntime" "$TMP/spawntime.c"
	"$HOSTCC" -O2 -Wall -Wextra -o "$TMP/peakrss" bench/peakrss.c
	"$PITH" build -o "$TMP/hello.pith" examples/hello/hello.c
	"$PITH" build -o "$TMP/first.pith" "$TMP/first.c"
	musl-gcc -static -O2 -o "$TMP/hello.native" examples/hello/hello.c
	musl-gcc -static -O2 -o "$TMP/first.native" "$TMP/first.c"
}

# ---- measurements ---------------------------------------------------------------------------

# median FILE [COLUMN]: the median of the numbers in COLUMN (default 1) of FILE.
median() {
	awk -v c="${2:-1}" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# hyperfine_e2e NAME CMD_PITH CMD_NATIVE: end-to-end ms, one a line, into $MS/NAME.{pith,native}.
hyperfine_e2e() {
	local name=$1 cmd_p=$2 cmd_n=$3 per=$(((RUNS + ROUNDS - 1) / ROUNDS)) r first second
	: >"$MS/$name.pith"
	: >"$MS/$name.native"
	for r in $(seq 1 $ROUNDS); do
		first=$cmd_p second=$cmd_n
		[ $((r % 2)) -eq 1 ] || first=$cmd_n second=$cmd_p
		hyperfine -N --style none --warmup 5 --runs "$per" --export-json "$TMP/h.json" \
			"$first" "$second" >/dev/null 2>"$TMP/hyperfine.log" ||
			{ cat "$TMP/hyperfine.log" >&2; return 1; }
		perl -MJSON::PP -e '
			my ($json, $pith, $native, $pcmd) = @ARGV;
			local $/;
			open(my $f, "<", $json) or die "$json: $!\n";
			my $d = decode_json(<$f>);
			for my $res (@{$d->{results}}) {
				my $file = $res->{command} eq $pcmd ? $pith : $native;
				open(my $o, ">>", $file) or die "$file: $!\n";
				printf $o "%.6f\n", $_ * 1000 for @{$res->{times}};
			}
		' "$TMP/h.json" "$MS/$name.pith" "$MS/$name.native" "$cmd_p"
	done
}

# spawn_times NAME IMAGE NATIVE: "first_ms exit_ms" lines into $MS/NAME.{pith,native}.
spawn_times() {
	"$TMP/spawntime" "$RUNS" "$MS/$1.pith" "$MS/$1.native" "$PITH" run "$2" -- "$3"
}

# peak_rss NAME CMD...: median of RUNS peak RSS figures (KiB) of CMD, from bench/peakrss.c.
peak_rss() {
	local name=$1 _
	shift
	: >"$MS/$name.rss"
	for _ in $(seq 1 "$RUNS"); do
		"$TMP/peakrss" "$@" 2>/dev/null | tail -n 1 >>"$MS/$name.rss"
	done
	median "$MS/$name.rss"
}

# ---- the table ------------------------------------------------------------------------------

verdict() {
	if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi
}

row() {
	printf '| %-34s | %11s | %11s | %7s | %-15s | %-4s |\n' "$@"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'
}

# le A B: 1 if A <= B (floating point), else 0.
le() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'
}

ms() {
	printf '%.3f ms' "$1"
}

kib() {
	awk -v s="$1" 'BEGIN { printf "%.1f KiB", s / 1024 }'
}

machine() {
	echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine: $(uname -srm), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
		head -1), $(nproc) cores, KVM modules: $(cd /sys/module && echo kvm*)"
	echo "pith:    $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') + working" \
		"tree; hello: examples/hello/hello.c; native: musl-gcc -static -O2"
	echo "runs:    $RUNS per measurement; end to end by $E2E_TOOL"
}

measure() {
	hello=$("$TMP/hello.native")
	if command -v hyperfine >/dev/null; then
		E2E_TOOL="$(hyperfine --version), $ROUNDS alternating rounds"
		hyperfine_e2e e2e "$PITH run $TMP/hello.pith" "$TMP/hello.native"
		e2e_p=$(median "$MS/e2e.pith") e2e_n=$(median "$MS/e2e.native")
	else
		E2E_TOOL="the spawn timer (no hyperfine)"
		spawn_times e2e "$TMP/hello.pith" "$TMP/hello.native"
		e2e_p=$(median "$MS/e2e.pith" 2) e2e_n=$(median "$MS/e2e.native" 2)
	fi
	spawn_times first "$TMP/first.pith" "$TMP/first.native"
	first_p=$(median "$MS/first.pith" 1) first_n=$(median "$MS/first.native" 1)
	floor_p=$(median "$MS/first.pith" 2) floor_n=$(median "$MS/first.native" 2)
	img_sz=$(stat -c %s "$TMP/hello.pith") nat_sz=$(stat -c %s "$TMP/hello.native")
	rss_p=$(peak_rss pith "$PITH" run --mem 2M "$TMP/hello.pith")
	rss_n=$(peak_rss native "$TMP/hello.native")
	runs2m=0
	[ "$("$PITH" run --mem 2M "$TMP/hello.pith" 2>&1)" = "$hello" ] && runs2m=1
	return 0
}

report() {
	machine
	echo
	row "measurement (median)" "pith" "native" "ratio" "target" "res."
	row "$(printf -- '-%.0s' {1..34})" "-----------" "-----------" "-------" \
		"---------------" "----"
	local e2e_ok
	e2e_ok=$(le "$e2e_p" "$(awk -v n="$e2e_n" 'BEGIN { print 4 * n }')")
	row "end to end, hello" "$(ms "$e2e_p")" "$(ms "$e2e_n")" "$(ratio "$e2e_p" "$e2e_n")" \
		"<= 4x native" "$(verdict "$e2e_ok")"
	row "until main (first byte written)" "$(ms "$first_p")" "$(ms "$first_n")" \
		"$(ratio "$first_p" "$first_n")" "-" ""
	row "end to end, main writes 1 byte" "$(ms "$floor_p")" "$(ms "$floor_n")" \
		"$(ratio "$floor_p" "$floor_n")" "-" ""
	row "image size, hello" "$(kib "$img_sz")" "$(kib "$nat_sz")" \
		"$(ratio "$img_sz" "$nat_sz")" "<= 64 KiB" "$(verdict "$(le "$img_sz" 65536)")"
	row "peak RSS, hello (pith --mem 2M)" "$rss_p KiB" "$rss_n KiB" \
		"$(ratio "$rss_p" "$rss_n")" "<= 3072 KiB" "$(verdict "$(le "$rss_p" 3072)")"
	row "hello runs in 2 MiB guest memory" "$([ $runs2m = 1 ] && echo yes || echo no)" "-" \
		"-" "yes" "$(verdict $runs2m)"
}

build_all
measure
report
