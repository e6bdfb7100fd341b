/* pith logs [-f] INSTANCE: the guest's output (its log file); -f follows until the end. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"

#define LOGS_POLL_US 50000 /* -f: how often it looks for more */

/* Copy what fd holds from its offset to stdout. 0, or -1 if stdout is gone. */
static int logs__drain(int fd)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return -1;
	return fflush(stdout) == 0 ? 0 : -1;
}

/* Whether the instance has ended (or was removed: --rm). */
static bool logs__ended(struct instance *inst)
{
	if (access(inst->dir, F_OK) < 0)
		return true;
	instance__refresh(inst);
	if (inst->has_exit)
		return true;
	return inst->has_run && !instance__monitor_alive(inst) && !instance__keeper_alive(inst);
}

/* Print, then keep printing what comes until the instance ended and the file is drained. */
static int logs__follow(struct instance *inst, int fd)
{
	for (;;) {
		bool ended = logs__ended(inst); /* before the read: what came before it is read */

		if (logs__drain(fd) < 0)
			return 1;
		if (ended)
			return 0;
		usleep(LOGS_POLL_US);
	}
}

int logs_cmd__main(int argc, char **argv)
{
	char path[INSTANCE_PATH_MAX + 16];
	struct instance inst;
	bool follow = false;
	const char *ref = NULL;
	int fd, rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cli__help();
			return 0;
		}
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
			follow = true;
		else if (argv[i][0] == '-')
			return cli__usage_error("logs: unknown option '%s'", argv[i]);
		else if (ref)
			return cli__usage_error("logs: one instance at a time");
		else
			ref = argv[i];
	}
	if (!ref)
		return cli__usage_error("logs: no instance given");
	if (instance__find(&inst, ref) != 0)
		return 1;
	fd = open(instance__log_path(&inst, path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		cli__error("cannot read %s: %s", path, strerror(errno));
		instance__free(&inst);
		return 1;
	}
	if (fd < 0)
		rc = 0; /* no output yet, and not following */
	else
		rc = follow ? logs__follow(&inst, fd) : logs__drain(fd) < 0;
	if (fd >= 0)
		close(fd);
	instance__free(&inst);
	return rc;
}
