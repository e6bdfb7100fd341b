# musl/build.mk: Debian's musl 1.2.3 built with Pith's syscall_arch.h, installed in $(TOOLDIR),
# and the pith-cc compiler driver in $(PITHCC).

# Exists once musl's headers, libc.a and crt objects are installed in $(TOOLDIR).
MUSL_STAMP := $(TOOLDIR)/.musl-installed
MUSL_INPUTS := musl/build.mk musl/build.sh musl/fetch.sh musl/syscall_arch.h \
               kernel/syscall/syscalls.def $(shell find musl/overrides -type f)

TOOLCHAIN += $(MUSL_STAMP) $(PITHCC)

$(MUSL_STAMP): $(MUSL_INPUTS) | $(B)/.deps
	@echo "  MUSL    $(TOOLDIR) (Debian's musl 1.2.3 with Pith's syscall_arch.h)"
	@musl/build.sh $(B)/musl $(TOOLDIR)
	@touch $@

# pith-cc takes the image base from the ABI header, so there is one place that defines it.
$(PITHCC): cli/pith-cc.in include/pith/abi.h musl/build.mk
	@mkdir -p $(@D)
	@sed "s/@PITH_IMAGE_BASE@/$(PITH_IMAGE_BASE)/" $< >$@.tmp && chmod +x $@.tmp && mv $@.tmp $@
