/* pith rm [-f] INSTANCE...: remove ended instances (state, log, name); -f kills running ones. */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "instance.h"

#define RM_END_WAIT_NS 5000000000ULL /* -f: until the keeper recorded the end */

/* Kill a running instance and wait for its end to be recorded; 0 or -1. */
static int rm__kill(struct instance *inst)
{
	if (instance__monitor_alive(inst))
		kill((pid_t)inst->run.monitor_pid, SIGKILL);
	return instance__wait_end(inst, RM_END_WAIT_NS);
}

/* Remove one instance; 0, or 1 after printing why not. */
static int rm__one(const char *ref, bool force)
{
	struct instance inst;
	enum instance_state s;
	int rc = 0;

	if (instance__find(&inst, ref) != 0)
		return 1;
	s = instance__state(&inst);
	if ((s == INSTANCE_RUNNING || s == INSTANCE_STARTING) && !force) {
		cli__error("instance %s is running; pith stop it first or use rm -f", ref);
		rc = 1;
	} else if (force && s == INSTANCE_RUNNING && rm__kill(&inst) < 0) {
		cli__error("instance %s did not end after SIGKILL", ref);
		rc = 1;
	} else if (instance__remove(&inst) < 0) {
		cli__error("cannot remove %s: %s", inst.dir, strerror(errno));
		rc = 1;
	}
	instance__free(&inst);
	return rc;
}

int rm_cmd__main(int argc, char **argv)
{
	bool force = false;
	int i, rc = 0;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cli__help();
			return 0;
		}
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
			force = true;
		else
			return cli__usage_error("rm: unknown option '%s'", argv[i]);
	}
	if (i >= argc)
		return cli__usage_error("rm: no instance given");
	for (; i < argc; i++)
		rc |= rm__one(argv[i], force);
	return rc;
}
