/* The arguments of `pith run`, parsed into the monitor's configuration. */
#ifndef CLI_RUN_ARGS_H
#define CLI_RUN_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm.h"

#define RUN_ARGS_DEFAULT_MEM	   (64ULL << 20)
#define RUN_ARGS_DEFAULT_TIMESLICE 10000000ULL	  /* --timeslice: 10 ms, in ns */
#define RUN_ARGS_TIMESLICE_MAX	   10000000000ULL /* 10 s */

enum { RUN_ARGS_OK = 0, RUN_ARGS_HELP = 1, RUN_ARGS_ERROR = -1 };

/*
 * Parse argv (the arguments after "run") into cfg: image_path, mem_size, argc/argv (argv[0] is
 * the image path as given), envc/envp (only the -e variables; "-e NAME" copies NAME=value from
 * host_env, or nothing if NAME is unset there; a later -e for the same NAME replaces an earlier
 * one), trace, verbose, selftest_seccomp, stats, timeslice_ns (--timeslice DURATION: digits
 * and a unit, ns, us, ms or s, more than 0 and at most 10 s; default 10 ms), the NIC (net:
 * validated, see cli/run_net_args.c; tap_fd is -1 unless --tap-fd was given) and the disks (blk:
 * the syntax validated, see cli/run_disk_args.c; the files are checked when the monitor opens
 * them). compat_kernel is left NULL. Returns RUN_ARGS_OK, RUN_ARGS_HELP (for -h/--help), or
 * RUN_ARGS_ERROR with a one-line message in err, without the "pith: " prefix. On RUN_ARGS_OK the
 * caller frees with run_args__free.
 */
int run_args__parse(struct vmm_config *cfg, int argc, char **argv, char *const *host_env, char *err,
		    size_t errlen);

void run_args__free(struct vmm_config *cfg);

#define RUN_NAME_MAX 63 /* --name: at most this many characters */

/* The options of `pith run` that are not the monitor's: the operations commands' (issue 6). */
struct run_ops {
	bool detach;	  /* -d, --detach: start in the background, print the id */
	bool rm;	  /* --rm: remove the instance once it ended */
	const char *name; /* --name NAME (validated), or NULL */
};

/*
 * As run_args__parse, also taking -d/--detach, --name NAME and --rm (before the image) into ops
 * (zeroed first). run_args__parse refuses them as unknown options.
 */
int run_args__parse_ops(struct vmm_config *cfg, struct run_ops *ops, int argc, char **argv,
			char *const *host_env, char *err, size_t errlen);

/* Whether name is a valid instance name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters. */
bool run_args__valid_name(const char *name);

/*
 * A duration as --timeslice takes it (digits and a unit: ns, us, ms or s; "0" alone is 0), in
 * ns. Returns 0, or -1 if text is not one.
 */
int run_args__duration(const char *text, uint64_t *ns);

/* Internal to cli/run_args.c and cli/run_net_args.c. */

/*
 * If argv[*i] is option lopt (as "--mem V" or "--mem=V") or sopt (as "-e V" or "-eV"; sopt may
 * be NULL), set *val to V, advancing *i past a separate value. Returns 1 if it matched, 0 if
 * not, -1 if the value is missing.
 */
int run_args__option_value(int argc, char **argv, int *i, const char *lopt, const char *sopt,
			   char **val);

/* The networking options being parsed into cfg. */
struct run_net_args {
	struct net_config *cfg;
	bool kind_given; /* --net (or --tap-fd) chose the kind; else -p may */
	char *err;
	size_t errlen;
};

/* The networking option at argv[*i], if it is one: 1 taken, 0 not one, -1 error (in err). */
int run_net_args__take(struct run_net_args *n, int argc, char **argv, int *i);

/* After the last option: the kind that -p implies, dhcp, and the checks across options. */
int run_net_args__finish(struct run_net_args *n);

/* The disk option at argv[*i] (--disk), if it is one: 1 taken, 0 not one, -1 error (in err). */
int run_disk_args__take(struct blk_config *cfg, int argc, char **argv, int *i, char *err,
			size_t errlen);

/* After the last option: default mount points (/mnt/disk<N>), no mount point twice or nested. */
int run_disk_args__finish(struct blk_config *cfg, char *err, size_t errlen);

/* Frees the file names run_disk_args__take copied. */
void run_disk_args__free(struct blk_config *cfg);

#endif
