# tests/ops/build.mk: the operations commands (issue 6): pith run -d/--name/--rm, ps, logs, stop,
# kill, rm and inspect against real guests (tests/ops/run.sh, which builds its guests from
# tests/ops/guests/ with `pith build`; needs /dev/kvm, passt and curl).

CHECK_SUITES += check-ops
.PHONY: check-ops
check-ops: all examples
	@tests/lib/run-tests.sh check-ops tests/ops/run.sh
