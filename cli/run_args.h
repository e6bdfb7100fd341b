/* The arguments of `pith run`, parsed into the monitor's configuration. */
#ifndef CLI_RUN_ARGS_H
#define CLI_RUN_ARGS_H

#include <stddef.h>

#include "vmm.h"

#define RUN_ARGS_DEFAULT_MEM (64ULL << 20)

enum { RUN_ARGS_OK = 0, RUN_ARGS_HELP = 1, RUN_ARGS_ERROR = -1 };

/*
 * Parse argv (the arguments after "run") into cfg: image_path, mem_size, argc/argv (argv[0] is
 * the image path as given), envc/envp (only the -e variables; "-e NAME" copies NAME=value from
 * host_env, or nothing if NAME is unset there; a later -e for the same NAME replaces an earlier
 * one), trace, verbose, selftest_seccomp. compat_kernel is left NULL. Returns RUN_ARGS_OK,
 * RUN_ARGS_HELP (for -h/--help), or RUN_ARGS_ERROR with a one-line message in err, without the
 * "pith: " prefix. On RUN_ARGS_OK the caller frees with run_args__free.
 */
int run_args__parse(struct vmm_config *cfg, int argc, char **argv, char *const *host_env, char *err,
		    size_t errlen);

void run_args__free(struct vmm_config *cfg);

#endif
