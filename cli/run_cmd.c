/* pith run: parse the arguments, find the compat kernel, and hand over to the monitor. */
#include "cli.h"

#include <limits.h>
#include <unistd.h>

#include <pith/abi.h>

#include "run_args.h"
#include "vmm.h"

extern char **environ;

int run_cmd__main(int argc, char **argv)
{
	struct vmm_config cfg;
	char err[512], compat[PATH_MAX];
	int rc = run_args__parse(&cfg, argc, argv, environ, err, sizeof(err));

	if (rc == RUN_ARGS_HELP) {
		cli__help();
		return 0;
	}
	if (rc != RUN_ARGS_OK)
		return cli__error("%s", err);
	if (cli__prefix_path(compat, sizeof(compat), "lib/pith/lib/compat-kernel.elf") < 0) {
		run_args__free(&cfg);
		return PITH_EXIT_ERROR;
	}
	cfg.compat_kernel = compat;
	rc = vmm__run(&cfg);
	run_args__free(&cfg);
	return rc;
}
