/* pith-oci delete (kill if forced, wait, undo the network and cgroups, poststop hooks, remove
   the state) and list. */
#include "oci_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oci_cgroup.h"
#include "oci_net.h"

/* SIGKILL, then wait (up to 5 s) until the process is dead or a zombie. 0, or -1 on timeout. */
static int delete__kill(const struct oci_state *st)
{
	kill((pid_t)st->pid, SIGKILL);
	for (int i = 0; i < 5000; i++) {
		if (!oci_state__alive(st))
			return 0;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	return -1;
}

/* A stopped container's leftovers: the redirect on its interface, cgroups, hooks, state. */
static int delete__cleanup(const struct oci_globals *g, const struct oci_state *st)
{
	char err[1024];

	if (st->netns[0] == '/' && st->ifname[0] &&
	    oci_net__unwire(st->netns, st->ifname, err, sizeof(err)) < 0)
		oci__warn(g, "%s", err);
	if (st->cgroups[0] && oci_cgroup__remove(st->cgroups) < 0)
		oci__warn(g, "cannot remove the cgroups of container %s", st->id);
	oci__saved_hooks(g, st, OCI_HOOK_POSTSTOP, "stopped");
	if (oci_state__remove(g->root, st->id, err, sizeof(err)) < 0)
		return oci__error(g, "%s", err);
	return 0;
}

static int delete__pith(const struct oci_globals *g, const struct oci_state *st, bool force)
{
	const char *status = oci_state__status(st);

	/* runc deletes a created container (its process waits for start) without --force */
	if (strcmp(status, "stopped") != 0 && strcmp(status, "created") != 0 && !force)
		return oci__error(g, "cannot delete container %s that is not stopped: %s", st->id,
				  status);
	if (strcmp(status, "stopped") != 0 && delete__kill(st) < 0)
		return oci__error(g, "container %s: process %ld did not die after SIGKILL", st->id,
				  st->pid);
	return delete__cleanup(g, st);
}

/* runc deletes it, then our record goes (also with --force if runc no longer knows it). */
static int delete__delegated(struct oci_globals *g, const struct oci_state *st, int argc,
			     char **argv, bool force)
{
	char err[1024];
	int rc = oci_runc__call(g, argc, argv);

	if ((rc == 0 || force) && oci_state__remove(g->root, st->id, err, sizeof(err)) < 0)
		return oci__error(g, "%s", err);
	return force ? 0 : rc;
}

/*
 * delete --force's load: a missing container is 1 (quiet); an unreadable state.json (truncated,
 * garbage) is warned about and taken as "does not exist" (1): its folder goes, but the process
 * and cgroups it may name cannot be known.
 */
static int delete__load_forced(const struct oci_globals *g, const char *id, struct oci_state *st)
{
	char err[1024];
	int rc = oci_state__load(g->root, id, st, err, sizeof(err));

	if (rc < 0)
		oci__warn(g, "container %s: unreadable state file (%s): removing its folder", id,
			  err);
	return rc < 0 ? 1 : rc;
}

int oci_delete__main(struct oci_globals *g, int argc, char **argv)
{
	struct oci_state st;
	bool force = false;
	char err[1024];
	const char *id;
	int i, rc, lock;

	for (i = 1; i < argc && (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0);
	     i++)
		force = true;
	if (!(id = oci__one_id(g, argc, argv, i)) || (lock = oci__lock(g, id)) == -2)
		return 1;
	rc = force ? delete__load_forced(g, id, &st) : oci__find(g, id, &st, false);
	if (rc == 1 && oci_state__valid_id(id)) /* a folder without state: create died there */
		oci_state__remove(g->root, id, err, sizeof(err));
	if (rc == 0)
		rc = st.delegated ? delete__delegated(g, &st, argc, argv, force)
				  : delete__pith(g, &st, force);
	else
		rc = rc == 1 && force ? 0 : 1;
	oci_state__free(&st); /* zeroed by a failed load */
	if (lock >= 0)
		close(lock);
	return rc;
}

/* One row of list (table: ID PID STATUS BUNDLE CREATED OWNER, as runc; -q: the ID alone). */
static void list__row(const struct oci_state *st, const char *format, bool quiet, bool first)
{
	const char *status = st->delegated ? "runc" : oci_state__status(st);

	if (quiet) {
		printf("%s\n", st->id);
	} else if (strcmp(format, "json") == 0) {
		fputs(first ? "" : ",", stdout);
		oci_state__write_json(stdout, st, status);
	} else {
		printf("%-12s %-8ld %-10s %-40s %-30s %s\n", st->id,
		       strcmp(status, "stopped") == 0 ? 0 : st->pid, status, st->bundle,
		       st->created, "root");
	}
}

static int list__all(const struct oci_globals *g, const char *format, bool quiet)
{
	DIR *d = opendir(g->root);
	struct dirent *e;
	struct oci_state st;
	char err[1024];
	bool first = true;

	if (!quiet && strcmp(format, "json") == 0)
		fputs("[", stdout);
	else if (!quiet)
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' &&
		    oci_state__load(g->root, e->d_name, &st, err, sizeof(err)) == 0) {
			list__row(&st, format, quiet, first);
			first = false;
			oci_state__free(&st);
		}
	if (!quiet && strcmp(format, "json") == 0)
		fputs("]\n", stdout);
	if (d)
		closedir(d);
	return 0;
}

int oci_list__main(struct oci_globals *g, int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
			quiet = true;
			continue;
		}
		if ((rc = oci__opt_value(g, argc, argv, &i, "--format", "-f", &format)) <= 0)
			return rc < 0 ? 1 : oci__usage(g, "list: unknown argument %s", argv[i]);
	}
	if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return oci__usage(g, "list: --format must be table or json, not %s", format);
	return list__all(g, format, quiet);
}
