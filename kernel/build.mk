# kernel/build.mk: the library OS, one static archive per component (libpith-<component>.a) and
# the compat kernel (all components alone, for unmodified static Linux programs).
#
# Compiled against Pith's musl headers; may call musl's memcpy/memset/memmove/memcmp/strlen, and
# nothing else of libc. Objects in $(B)/obj/kernel.

KERNEL_COMPONENTS := core syscall console fd mem time random proc sysinfo poll pipe net blk vfs ramfs ext2 sched signal
KERNEL_OBJDIR := $(B)/obj/kernel
KERNEL_LIBDIR := $(TOOLDIR)/lib
KERNEL_COMPAT := $(KERNEL_LIBDIR)/compat-kernel.elf

KERNEL_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
		 -D_GNU_SOURCE -fno-omit-frame-pointer -fno-stack-protector -fno-pie \
		 -ffunction-sections -fdata-sections -fcf-protection=none \
		 -fno-asynchronous-unwind-tables -nostdinc -isystem $(TOOLDIR)/include \
		 -isystem $(shell $(HOSTCC) -print-file-name=include) -Iinclude -Ikernel

# The image link, as pith-cc does it: static, non-PIE, at PITH_IMAGE_BASE, entry pith_start.
KERNEL_LDFLAGS := -nostdlib -static -no-pie \
		  -Wl,-Ttext-segment=$(PITH_IMAGE_BASE),-z,separate-code,-z,norelro,-z,noexecstack \
		  -Wl,--gc-sections,-e,pith_start,--build-id=none

# Sources of each component: its folder (C and assembly); core also has the x86_64 entry code.
KERNEL_SRCS_core := $(wildcard kernel/core/*.c) $(wildcard kernel/arch/x86_64/*.S)
$(foreach c,$(filter-out core,$(KERNEL_COMPONENTS)),\
	$(eval KERNEL_SRCS_$(c) := $(wildcard kernel/$(c)/*.c) $(wildcard kernel/$(c)/*.S)))

KERNEL_LIBS := $(KERNEL_COMPONENTS:%=$(KERNEL_LIBDIR)/libpith-%.a)
KERNEL_OBJS :=

# $(1): component. Its archive holds its objects; `ar D` keeps the archive deterministic.
define KERNEL_COMPONENT_RULE
KERNEL_OBJS_$(1) := $$(patsubst kernel/%,$(KERNEL_OBJDIR)/%.o,$$(KERNEL_SRCS_$(1)))
KERNEL_OBJS += $$(KERNEL_OBJS_$(1))
$(KERNEL_LIBDIR)/libpith-$(1).a: $$(KERNEL_OBJS_$(1))
	@mkdir -p $$(@D)
	@rm -f $$@
	ar rcsD $$@ $$^
endef
$(foreach c,$(KERNEL_COMPONENTS),$(eval $(call KERNEL_COMPONENT_RULE,$(c))))

$(KERNEL_OBJDIR)/%.c.o: kernel/%.c $(MUSL_STAMP)
	@mkdir -p $(@D)
	$(HOSTCC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<

$(KERNEL_OBJDIR)/%.S.o: kernel/%.S $(MUSL_STAMP)
	@mkdir -p $(@D)
	$(HOSTCC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(KERNEL_OBJS:.o=.d)

# The compat kernel: every component (--whole-archive), musl's libc.a for the mem* functions,
# no crt1; the monitor loads it beside a static Linux ELF and boots it with PITH_BOOT_COMPAT.
$(KERNEL_COMPAT): $(KERNEL_LIBS) $(MUSL_STAMP)
	$(HOSTCC) $(KERNEL_LDFLAGS) -o $@ -Wl,--whole-archive $(KERNEL_LIBS) -Wl,--no-whole-archive \
		$(KERNEL_LIBDIR)/libc.a $(shell $(HOSTCC) -print-libgcc-file-name)

TOOLCHAIN += $(KERNEL_LIBS) $(KERNEL_COMPAT)

.PHONY: kernel
kernel: $(KERNEL_LIBS) $(KERNEL_COMPAT)

include tests/kernel/build.mk
