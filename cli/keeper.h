/* The keeper: the process that starts an instance's monitor, waits for it and records its end. */
#ifndef CLI_KEEPER_H
#define CLI_KEEPER_H

#include <stdbool.h>

#include "instance.h"
#include "vmm.h"

/*
 * pith run -d: fork a detached keeper (its own session, stdin /dev/null, output into the log),
 * which forks the monitor. Once the guest started, prints the id on stdout and returns 0. If the
 * monitor ended before that, prints the log on stderr, removes the instance and returns the
 * monitor's status (125 when Pith could not start it).
 */
int keeper__detached(struct vmm_config *cfg, struct instance *inst, bool rm);

/*
 * pith run --name/--rm in the foreground: this process is the keeper. The monitor's stdout and
 * stderr go to ours and to the log; SIGINT/SIGTERM/SIGHUP are passed on to it. Returns its
 * status (128+N if signal N ended it), after recording it (or removing the instance with rm).
 */
int keeper__foreground(struct vmm_config *cfg, struct instance *inst, bool rm);

#endif
