# tests/pack/build.mk: pith pack (issue 7): the OCI image layout tar it writes, checked with tar,
# sha256sum, jq and cmp (tests/pack/run.sh; no container engine, no KVM).

CHECK_SUITES += check-pack
.PHONY: check-pack
check-pack: all examples $(B)/.test-deps
	@tests/lib/run-tests.sh check-pack tests/pack/run.sh
