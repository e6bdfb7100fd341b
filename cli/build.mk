# The pith command: the CLI (cli/*.c) and the monitor ($(VMM_SRCS)) linked into one static binary.
# Static, so that `pith run` starts fast (no dynamic loader) and stays small in memory.
# The monitor's objects ($(B)/obj/vmm/...) are built by vmm/build.mk's rule, the CLI's here.

CLI_SRCS := $(filter-out cli/pith-cc%,$(wildcard cli/*.c))
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/obj/%.o)
PITH_OBJS := $(CLI_OBJS) $(VMM_SRCS:%.c=$(B)/obj/%.o)
PITH_LDLIBS := $(VMM_LDLIBS)

$(PITH): $(PITH_OBJS) | $(B)/.deps
	@mkdir -p $(@D)
	$(MONCC) -static -o $@ $(PITH_OBJS) $(PITH_LDLIBS)

$(CLI_OBJS): $(B)/obj/%.o: %.c $(MON_HOSTINC) | $(B)/.deps
	@mkdir -p $(@D)
	$(MONCC) $(MONCFLAGS) -MMD -MP -c -o $@ $<

-include $(CLI_OBJS:.o=.d)

# pith-oci, the OCI runtime (cli/oci_*.c), is the same binary: main() dispatches on its name.
PITH_OCI := $(B)/bin/pith-oci
all: $(PITH_OCI)
$(PITH_OCI): $(PITH)
	ln -sf pith $@
