# bench/build.mk: `make bench` (the benchmarks, then docs/benchmarks.md), `make bench-deps`,
# `make bench-report`. Benchmarks are never part of `make check`.
#
#   make bench-deps                        apt-get install the benchmarks' packages (root)
#   make bench                             every benchmark in BENCHES, then the report
#   make bench BENCHES="compare surface"   only those; the other results stay as they are
#   make bench-report                      docs/benchmarks.md and docs/bench/*.png again
#
# Results go to PITH_RESULTS (default build/bench/results). compare, density, surface and
# containers write their <name>.tsv and <name>.md there themselves; the older benchmarks print
# tables, which are captured into <name>.md. A benchmark's old results are removed before it
# runs, so a failed run reads "not run" in the report instead of showing stale figures.
# Durations here (2 cores): surface ~5 s; boot ~1 min (100 runs); threads ~1 min; net several
# minutes (3 rounds x 2 sides x a 10 s wrk run and 2 x 500 MB bulk transfers); fs a few minutes
# (1 GiB written and read natively and in Pith, 100000 random reads, 10000 small files); compare
# and density: see their usage comments (density goes up to the machine's instance limit);
# containers (bench/containers.sh: Pith vs runc/crun through ctr, podman, docker) 3-5 minutes.

BENCH_PACKAGES := crun qemu-system-x86 wrk hyperfine gnuplot-nox cpio cloc curl jq xz-utils \
		  containerd podman docker.io runc
BENCHES ?= compare density surface boot net fs threads containers
PITH_RESULTS ?= $(abspath $(B)/bench/results)
export PITH_RESULTS

BENCH_KNOWN := compare density surface boot net fs threads containers
BENCH_UNKNOWN := $(filter-out $(BENCH_KNOWN),$(BENCHES))

# $(1): a command printing a benchmark's tables, $(2): its name. Its stdout becomes
# $(PITH_RESULTS)/$(2).md (and is shown) if it succeeds; else $(2) is added to $$failed.
BENCH_CAPTURE = if ( $(1) ) >$(PITH_RESULTS)/$(2).md.part; then \
	  mv $(PITH_RESULTS)/$(2).md.part $(PITH_RESULTS)/$(2).md; cat $(PITH_RESULTS)/$(2).md; \
	  else rm -f $(PITH_RESULTS)/$(2).md.part; failed="$$failed $(2)"; fi

.PHONY: bench bench-deps bench-report bench-run

# Installs the missing packages only (as the deps target in the top Makefile does).
bench-deps:
	$(call install_debs,$(BENCH_PACKAGES))

# The report is written even when a benchmark failed; make then fails.
bench: all examples bench-deps
	@rc=0; $(MAKE) --no-print-directory bench-run || rc=$$?; bench/report.sh && exit $$rc

# One benchmark after the other, never in parallel (even under -j). A benchmark's old results
# are removed before it runs. Note: `make -n bench-run` runs them too (the loop calls $(MAKE)).
bench-run:
	@[ -z "$(BENCH_UNKNOWN)" ] || { echo "bench: unknown benchmark(s): $(BENCH_UNKNOWN)" \
	  "(known: $(BENCH_KNOWN))" >&2; exit 2; }
	@mkdir -p $(PITH_RESULTS)
	@failed=""; for b in $(BENCHES); do \
	  echo "== bench: $$b" >&2; \
	  rm -f $(PITH_RESULTS)/$$b.tsv $(PITH_RESULTS)/$$b.md; \
	  case $$b in \
	  compare | density | surface | containers) bench/$$b.sh || failed="$$failed $$b" ;; \
	  boot) $(call BENCH_CAPTURE,bench/boot.sh,boot) ;; \
	  net) $(call BENCH_CAPTURE,$(MAKE) --no-print-directory net-tools >&2 && bench/net.sh,net) ;; \
	  fs) $(call BENCH_CAPTURE,$(MAKE) -s --no-print-directory bench-fs,fs) ;; \
	  threads) $(call BENCH_CAPTURE,$(MAKE) -s --no-print-directory bench-threads,threads) ;; \
	  esac; \
	done; \
	[ -z "$$failed" ] || { echo "bench: failed:$$failed" >&2; exit 1; }

bench-report:
	bench/report.sh
