/* pith run: parse the arguments, find the compat kernel, and hand over to the monitor. */
#include "cli.h"

#include <unistd.h>

#include <pith/abi.h>

#include "run_args.h"
#include "vmm.h"

extern char **environ;

/* Looked up only when the image is a static Linux ELF: it costs a readlink of /proc/self/exe. */
static int compat_kernel_path(char *path, size_t len)
{
	return cli__prefix_path(path, len, "lib/pith/lib/compat-kernel.elf");
}

int run_cmd__main(int argc, char **argv)
{
	struct vmm_config cfg;
	char err[512];
	int rc = run_args__parse(&cfg, argc, argv, environ, err, sizeof(err));

	if (rc == RUN_ARGS_HELP) {
		cli__help();
		return 0;
	}
	if (rc != RUN_ARGS_OK)
		return cli__error("%s", err);
	cfg.compat_kernel = compat_kernel_path;
	rc = vmm__run(&cfg);
	run_args__free(&cfg);
	return rc;
}
