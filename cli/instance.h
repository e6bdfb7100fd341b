/* The instances' state store (pith run -d/--name/--rm, ps, logs, stop, kill, rm, inspect). */
#ifndef CLI_INSTANCE_H
#define CLI_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define INSTANCE_ID_LEN	  12 /* hex digits */
#define INSTANCE_PATH_MAX 1024

/* <state>/<id>/run: the processes, written once the guest started. */
struct instance_run {
	long keeper_pid, monitor_pid;
	unsigned long long keeper_start, monitor_start; /* field 22 of /proc/PID/stat */
	uint64_t started;				/* CLOCK_REALTIME ns */
};

/* <state>/<id>/exit: how it ended. status -1 with signal 0: dead, nothing known. */
struct instance_exit {
	int status, signal;
	uint64_t finished; /* CLOCK_REALTIME ns */
};

struct instance {
	char id[INSTANCE_ID_LEN + 1];
	char dir[INSTANCE_PATH_MAX];
	char *config; /* the config file's text (key=value lines), malloc'd */
	bool has_run, has_exit;
	struct instance_run run;
	struct instance_exit exit;
};

enum instance_state { INSTANCE_STARTING, INSTANCE_RUNNING, INSTANCE_EXITED, INSTANCE_DEAD };

/* The state folder ($PITH_STATE_DIR, /run/pith as root, $XDG_RUNTIME_DIR/pith), created 0700
   with its names/ folder. Returns 0, or -1 after printing "pith: ...". */
int state__dir(char *buf, size_t len);

/*
 * A new instance: a fresh id (its folder), its config (config_text plus id= and name=), and
 * name's claim (NULL: no name). Returns 0 with inst loaded, or PITH_EXIT_ERROR after printing
 * why (the name in use, no state folder...).
 */
int instance__create(struct instance *inst, const char *name, const char *config_text);

/* Load the instance called ref (a name, an id or a unique id prefix). 0, or 1 after printing
   "pith: no such instance: REF" (or that the prefix is ambiguous). */
int instance__find(struct instance *inst, const char *ref);

/* (Re)read run and exit of a loaded instance. */
void instance__refresh(struct instance *inst);

void instance__free(struct instance *inst);

/* The ids of every instance, sorted by creation (malloc'd array of strings), in *ids. Returns
   the count, or -1 after printing why. */
int instance__list(char ***ids);
void instance__list_free(char **ids, int n);

/* Load the instance with this id (from instance__list). 0, or -1 if it vanished. */
int instance__load(struct instance *inst, const char *id);

/* The value of key in the config ("" if absent), copied into buf. */
const char *instance__get(const struct instance *inst, const char *key, char *buf, size_t len);

/* The state, from the files and the processes' liveness (never from a stored flag alone). */
enum instance_state instance__state(struct instance *inst);

/* "running", "exited (3)", "killed (SIGKILL)", "dead", "starting" in buf. */
const char *instance__state_text(struct instance *inst, char *buf, size_t len);

/* Whether the monitor is alive. */
bool instance__monitor_alive(const struct instance *inst);
bool instance__keeper_alive(const struct instance *inst);

/* Write run / exit atomically (tmp + rename) into dir. 0 or -1 (errno). */
int instance__write_run(const char *dir, const struct instance_run *run);
int instance__write_exit(const char *dir, const struct instance_exit *ex);

/*
 * Wait (polling every 10 ms) up to timeout_ns until the monitor is dead, then until the keeper
 * recorded exit or is gone too (then record it as dead). Returns 0 if it ended, -1 on timeout.
 */
int instance__wait_end(struct instance *inst, uint64_t timeout_ns);

/* Remove the instance's files, its folder and its name's claim. 0, or -1 (errno). */
int instance__remove(const struct instance *inst);
int instance__remove_dir(const char *dir, const char *id);

/* The path of the instance's log file in buf. */
const char *instance__log_path(const struct instance *inst, char *buf, size_t len);

/* Process liveness: /proc/PID/stat exists, start time matches, state is not Z. */
bool proc__alive(long pid, unsigned long long start);
/* Field 22 of /proc/PID/stat (start time in clock ticks). 0 or -1. */
int proc__start_time(long pid, unsigned long long *start);

/*
 * /proc/PID/stat read into buf (len bytes at most, NUL-terminated); *comm_end points at the ')'
 * closing the command name (which may itself hold spaces and parentheses): the fields from the
 * state (field 3) on follow it. 0, or -1 if the process is gone or the line is malformed.
 */
int proc__stat(long pid, char *buf, size_t len, const char **comm_end);

uint64_t clock__realtime_ns(void);

/* "SIGKILL" for 9 (or "signal N") in buf. */
const char *signal__name(int sig, char *buf, size_t len);
/* A signal given as KILL, SIGKILL, kill or 9: its number, or -1. */
int signal__parse(const char *text);

#endif
