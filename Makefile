# Pith: top-level build. `make run` boots the httpd example; `make check` runs every test.
# Each folder contributes a fragment (*/build.mk); this file holds only what they share.

B        := build
TOOLDIR  := $(B)/lib/pith
PITH     := $(B)/bin/pith
PITHCC   := $(B)/bin/pith-cc
HOSTCC   ?= gcc
HOSTCFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
              -D_GNU_SOURCE -Iinclude -Ivmm -Icli

# Where images are linked: PITH_IMAGE_BASE from the ABI header (one definition for every link).
PITH_IMAGE_BASE := $(shell sed -nE 's/^\#define PITH_IMAGE_BASE[[:space:]]+(0x[0-9a-fA-F]+)ULL.*/\1/p' \
		     include/pith/abi.h)
ifeq ($(PITH_IMAGE_BASE),)
$(error no PITH_IMAGE_BASE in include/pith/abi.h)
endif
PITH_ABI_VERSION := $(shell sed -nE 's/^\#define PITH_ABI_VERSION[[:space:]]+([0-9]+)u.*/\1/p' \
		      include/pith/abi.h)

# The pith binary (CLI + monitor) is linked statically against Debian's musl (musl-gcc): it
# starts in a fraction of the time of static glibc, whose start-up runs many CPUID
# instructions, each a VM exit on nested virtualization. The kernel's UAPI headers come from
# the host (linux-libc-dev) through a folder of links, so no glibc header is mixed in.
MONCC    := musl-gcc
MON_HOSTINC := $(B)/hostinc
MONCFLAGS = $(HOSTCFLAGS) -isystem $(MON_HOSTINC)

# Debian packages the build and the tests need. `make deps` installs the missing ones.
DEB_PACKAGES := gcc make binutils perl util-linux strace linux-libc-dev musl-tools dpkg-dev \
                ca-certificates debian-archive-keyring passt iproute2 curl iputils-ping clang \
                libclang-rt-14-dev e2fsprogs

# Debian packages only the container tests need (tests/oci*, tests/pack): `make test-deps`,
# which those suites depend on, so that `make run` does not install container engines.
TEST_DEB_PACKAGES := jq containerd runc crun podman docker.io netavark python3-grpcio \
                     containernetworking-plugins

# $(call install_debs,PACKAGES): apt-get install the ones that are missing (root needed then).
define install_debs
@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "pith: need root to install:$$missing (or install them yourself)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi
endef

.PHONY: all deps run run-hello check clean distclean
all: $(PITH) $(PITHCC) toolchain

deps: $(B)/.deps
$(B)/.deps:
	@mkdir -p $(B)
	$(call install_debs,$(DEB_PACKAGES))
	@touch $@

.PHONY: test-deps
test-deps: $(B)/.test-deps
$(B)/.test-deps: | $(B)/.deps
	$(call install_debs,$(TEST_DEB_PACKAGES))
	@touch $@

$(MON_HOSTINC): | $(B)/.deps
	@mkdir -p $@
	ln -sfn /usr/include/linux $@/linux
	ln -sfn /usr/include/asm-generic $@/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $@/asm

include musl/build.mk
include kernel/build.mk
include vmm/build.mk
include cli/build.mk
include tests/build.mk
include examples/build.mk
include bench/build.mk

toolchain: $(TOOLCHAIN)

# `make run` boots the httpd example, with examples/httpd/www as its root filesystem, with
# user-mode networking (passt, no root needed).
run: $(B)/site.pith
	@echo "httpd unikernel: open http://127.0.0.1:8080/ (Ctrl-C stops it)"
	$(PITH) run -p 8080:80 $(B)/site.pith

run-hello: all
	$(PITH) build -o $(B)/hello.pith examples/hello/hello.c
	$(PITH) run $(B)/hello.pith -- one two

clean:
	rm -rf $(B)/obj $(B)/bin $(B)/tests $(B)/*.pith $(B)/kernel
distclean:
	rm -rf $(B)
