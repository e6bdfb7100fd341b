/* pith-oci's commands (cli/oci_*.c) and the helpers they share, internal to pith-oci. */
#ifndef CLI_OCI_CMD_H
#define CLI_OCI_CMD_H

#include <stdint.h>

#include "oci.h"
#include "oci_state.h"

/* Each takes argv[0] = the command's name, then its arguments; returns the exit status. */
int oci_create__main(struct oci_globals *g, int argc, char **argv);
int oci_start__main(struct oci_globals *g, int argc, char **argv);
int oci_run__main(struct oci_globals *g, int argc, char **argv);
int oci_state__main(struct oci_globals *g, int argc, char **argv);
int oci_kill__main(struct oci_globals *g, int argc, char **argv);
int oci_delete__main(struct oci_globals *g, int argc, char **argv);
int oci_ps__main(struct oci_globals *g, int argc, char **argv);
int oci_pause__main(struct oci_globals *g, int argc, char **argv);
int oci_resume__main(struct oci_globals *g, int argc, char **argv);
int oci_list__main(struct oci_globals *g, int argc, char **argv);
int oci_exec__main(struct oci_globals *g, int argc, char **argv);

/* A usage error: "pith-oci: CMD: MSG" (logged like oci__error); returns 1. */
int oci__usage(const struct oci_globals *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Load container id's state: 0; 1 after the error "container ID does not exist" (quiet: no
 * message, for delete --force); -1 after another error.
 */
int oci__find(const struct oci_globals *g, const char *id, struct oci_state *st, bool quiet);

/* Run the hooks of one kind from the state folder's copy of config.json, with the state (status
   as given) on their stdin; failures are warnings (poststart, poststop: the runtime-spec says
   they only warn). */
void oci__saved_hooks(const struct oci_globals *g, const struct oci_state *st,
		      enum oci_hook_kind kind, const char *status);

/*
 * Serialise the commands that change container id (start, kill, delete, pause, resume): an
 * exclusive flock(2) on its state folder, released when the fd is closed (or the process ends).
 * Waits up to OCI_LOCK_WAIT_MS (longer than start's own bound, OCI_START_TIMEOUT_S). The fd;
 * -1 if there is no such folder (nothing locked: the caller's oci__find reports it); -2 after
 * the error "container ID is busy".
 */
#define OCI_LOCK_WAIT_MS    60000
#define OCI_START_TIMEOUT_S 30 /* see oci_start.c */
int oci__lock(const struct oci_globals *g, const char *id);

/* If argv[*i] is option lopt (--x V or --x=V) or sopt (-x V): *val = V. 1 matched, 0 not, -1
   the value is missing (error printed). */
int oci__opt_value(const struct oci_globals *g, int argc, char **argv, int *i, const char *lopt,
		   const char *sopt, const char **val);

/* The one positional argument a command takes after its options (index i): the ID, or NULL after
   a usage error. */
const char *oci__one_id(const struct oci_globals *g, int argc, char **argv, int i);

/* --- oci_stub.c: the container's process until start, then the monitor --- */

struct vmm_config;
struct oci_stub_args {
	const struct oci_globals *g;
	const struct oci_spec *spec;
	struct oci_state *st;
	int image_fd;
	const char *argv0; /* the guest's argv[0] */
	char **run_argv;   /* the `pith run` arguments before the network's (NULL-terminated) */
	int console_fd;	   /* the pty slave for 0-2, or -1 */
	int dirfd;	   /* <root>/<ID> */
	int report;	   /* the socket to create: "ok" or an error text */
};

/* Fork the stub; its pid, or -1 with a message in err. The stub never returns. */
long oci_stub__fork(struct oci_stub_args *a, char *err, size_t errlen);

/* The `pith run` arguments for the spec's guest (memory, env, image, args): a NULL-terminated
   malloc'd array (strings malloc'd), or NULL with a message in err. */
char **oci_stub__run_argv(const struct oci_spec *spec, int image_fd, uint64_t mem, char *err,
			  size_t errlen);
void oci_stub__argv_free(char **argv);

#endif
