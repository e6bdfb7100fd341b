/* pith-oci's state store: <root>/<ID>/state.json, written atomically, read back by every command.
 */
#ifndef CLI_OCI_STATE_H
#define CLI_OCI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define OCI_ID_MAX 1024

/* What state.json holds (see /tmp/oci-design.md, "State"). Strings are malloc'd. */
struct oci_state {
	char *id;
	long pid;			 /* the stub, later the monitor */
	unsigned long long pid_start;	 /* field 22 of /proc/PID/stat */
	char *bundle, *rootfs, *created; /* created: RFC 3339 UTC with nanoseconds */
	char status[16];		 /* as last recorded: created, running, paused */
	char **ann_keys, **ann_values;
	size_t nann;
	char *netns;	/* "" the host's, a path, or "new" */
	char *ifname;	/* the wired interface, "" if none */
	char *cgroups;	/* oci_cgroup__join's list, "" if none */
	bool delegated; /* handed to runc */
};

/* Whether id is a valid container ID: [A-Za-z0-9_+.-]+, not starting with '.', <= 1024. */
bool oci_state__valid_id(const char *id);

/* "<root>/<id>" (or "<root>/<id>/<file>" when file is not NULL) in buf; -1 if too long. */
int oci_state__path(char *buf, size_t len, const char *root, const char *id, const char *file);

/* Write <root>/<id>/state.json atomically (tmp + rename). 0, or -1 with a message in err. */
int oci_state__save(const char *root, const struct oci_state *st, char *err, size_t errlen);

/*
 * Read <root>/<id>/state.json into st (zeroed first). Returns 0; 1 if the container does not
 * exist (no folder, or a folder without a readable state: a create that died half-way); -1 with
 * a message in err. On 0, free with oci_state__free.
 */
int oci_state__load(const char *root, const char *id, struct oci_state *st, char *err,
		    size_t errlen);

void oci_state__free(struct oci_state *st);

/* The status now: "stopped" (no process, a zombie or another process with that pid), "paused",
   "created" or "running". */
const char *oci_state__status(const struct oci_state *st);

/* Whether the recorded process is alive (same start time, not a zombie). */
bool oci_state__alive(const struct oci_state *st);

/* runc's state JSON (runtime-spec runtime.md "State") of st, with status as given (pid 0 when
   stopped), on f, without a newline. */
void oci_state__write_json(FILE *f, const struct oci_state *st, const char *status);

/* The same into a malloc'd string (for hooks' stdin), or NULL. */
char *oci_state__json(const struct oci_state *st, const char *status);

/* Remove <root>/<id> and what it holds. 0, or -1 with a message in err. */
int oci_state__remove(const char *root, const char *id, char *err, size_t errlen);

/* The current time as RFC 3339 UTC with nanoseconds ("2026-11-27T17:00:00.123456789Z"). */
void oci_state__now(char *buf, size_t len);

#endif
