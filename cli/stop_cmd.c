/* pith stop (SIGTERM, then SIGKILL after a timeout, and wait) and pith kill (send a signal). */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pith/abi.h>

#include "instance.h"
#include "run_args.h"

#define STOP_DEFAULT_NS	 10000000000ULL /* -t: 10 s */
#define STOP_END_WAIT_NS 5000000000ULL	/* after SIGKILL: until the keeper recorded the end */
#define STOP_POLL_US	 10000

/* Send sig to the monitor if it is still the process we started. 0, or -1 if it is gone. */
static int monitor__signal(const struct instance *inst, int sig)
{
	if (!instance__monitor_alive(inst))
		return -1;
	return kill((pid_t)inst->run.monitor_pid, sig);
}

/* Poll until the monitor is dead or timeout_ns passed; whether it is dead. */
static bool monitor__wait_dead(struct instance *inst, uint64_t timeout_ns)
{
	uint64_t t0 = clock__realtime_ns();

	while (instance__monitor_alive(inst)) {
		if (clock__realtime_ns() - t0 >= timeout_ns)
			return false;
		usleep(STOP_POLL_US);
	}
	return true;
}

/* After the end was recorded: let the keeper reap what is left (passt and its ports). */
static void keeper__wait_gone(struct instance *inst)
{
	for (int i = 0; i < 200 && instance__keeper_alive(inst); i++)
		usleep(STOP_POLL_US);
}

/* Stop one instance; 0, or 1 after printing why not. */
static int stop__one(const char *ref, uint64_t timeout_ns)
{
	struct instance inst;
	int rc = 0;

	if (instance__find(&inst, ref) != 0)
		return 1;
	if (instance__monitor_alive(&inst)) {
		if (timeout_ns > 0 && monitor__signal(&inst, SIGTERM) == 0)
			monitor__wait_dead(&inst, timeout_ns);
		monitor__signal(&inst, SIGKILL);
		if (!monitor__wait_dead(&inst, STOP_END_WAIT_NS)) {
			cli__error("instance %s did not end after SIGKILL", ref);
			rc = 1;
		}
	}
	if (rc == 0 && instance__wait_end(&inst, STOP_END_WAIT_NS) < 0) {
		cli__error("instance %s: its end was not recorded", ref);
		rc = 1;
	}
	keeper__wait_gone(&inst);
	instance__free(&inst);
	return rc;
}

/* -t DURATION: 500ms, 2s, 0; plain digits are seconds (as docker stop -t). */
static int stop__timeout(const char *text, uint64_t *ns)
{
	char *end;
	unsigned long long s = strtoull(text, &end, 10);

	if (*text >= '0' && *text <= '9' && !*end && s <= 86400) {
		*ns = s * 1000000000ULL;
		return 0;
	}
	return run_args__duration(text, ns);
}

/* One option of stop or kill: its value parsed by parse into out (0, or -1 if malformed). */
struct cmd_option {
	const char *cmd, *lopt, *sopt, *usage;
	int (*parse)(const char *text, void *out);
	void *out;
};

/*
 * The options before the instances: -h, and opt. Returns the index of the first instance, or
 * -1 after printing the help (status 0), or -2 after a usage error (status 125).
 */
static int cmd__options(int argc, char **argv, const struct cmd_option *opt)
{
	int i;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		char *val = NULL;
		int m;

		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cli__help();
			return -1;
		}
		m = run_args__option_value(argc, argv, &i, opt->lopt, opt->sopt, &val);
		if (m < 0 || (m > 0 && opt->parse(val, opt->out) < 0)) {
			cli__usage_error("%s: %s", opt->cmd, opt->usage);
			return -2;
		}
		if (m == 0) {
			cli__usage_error("%s: unknown option '%s'", opt->cmd, argv[i]);
			return -2;
		}
	}
	if (i >= argc) {
		cli__usage_error("%s: no instance given", opt->cmd);
		return -2;
	}
	return i;
}

static int timeout__parse(const char *text, void *out)
{
	return stop__timeout(text, out);
}

static int signal__parse_into(const char *text, void *out)
{
	int sig = signal__parse(text);

	*(int *)out = sig;
	return sig < 0 ? -1 : 0;
}

int stop_cmd__main(int argc, char **argv)
{
	uint64_t timeout = STOP_DEFAULT_NS;
	const struct cmd_option opt = {
	    "stop",	    "--time", "-t", "-t needs a duration, e.g. -t 10s or -t 500ms",
	    timeout__parse, &timeout};
	int i = cmd__options(argc, argv, &opt), rc = 0;

	if (i < 0)
		return i == -1 ? 0 : PITH_EXIT_ERROR;
	for (; i < argc; i++)
		rc |= stop__one(argv[i], timeout);
	return rc;
}

/* Send sig to one instance's monitor; 0, or 1 after printing why not. */
static int kill__one(const char *ref, int sig)
{
	struct instance inst;
	int rc = 0;

	if (instance__find(&inst, ref) != 0)
		return 1;
	if (monitor__signal(&inst, sig) < 0) {
		cli__error("instance %s is not running", ref);
		rc = 1;
	}
	instance__free(&inst);
	return rc;
}

int kill_cmd__main(int argc, char **argv)
{
	int sig = SIGKILL;
	const struct cmd_option opt = {
	    "kill",
	    "--signal",
	    "-s",
	    "-s needs a signal, a name such as TERM or KILL, or a number",
	    signal__parse_into,
	    &sig};
	int i = cmd__options(argc, argv, &opt), rc = 0;

	if (i < 0)
		return i == -1 ? 0 : PITH_EXIT_ERROR;
	for (; i < argc; i++)
		rc |= kill__one(argv[i], sig);
	return rc;
}
