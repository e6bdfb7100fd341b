/* pith-oci, Pith's OCI runtime (runc's command line): entry point and its internal interface. */
#ifndef CLI_OCI_H
#define CLI_OCI_H

#include <stdbool.h>
#include <stddef.h>

#include "oci_spec.h"

/* pith-oci's main: argv[0] is "pith-oci" (cli/main.c dispatches on it). Exit status 0 or 1. */
int oci__main(int argc, char **argv);

/* The global options every command sees. */
struct oci_globals {
	const char *root; /* --root, default OCI_DEFAULT_ROOT */
	const char *log;  /* --log FILE, or NULL */
	bool log_json;	  /* --log-format json */
	int argc;	  /* the whole original command line, for handing it to runc */
	char **argv;
};

#define OCI_DEFAULT_ROOT "/run/pith-oci"

/* Report an error: "pith-oci: MSG" on stderr and a level=error line in --log (text or JSON).
   Returns 1 (the exit status). */
int oci__error(const struct oci_globals *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A warning: only in --log (level=warning), or on stderr without --log. */
void oci__warn(const struct oci_globals *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --- oci_rootfs.c: the image inside the rootfs --- */

/*
 * Open path (absolute, as the container sees it) inside rootfs without leaving it: symlinks and
 * ".." resolve as if rootfs were / (openat2 RESOLVE_IN_ROOT). Returns an O_RDONLY|O_CLOEXEC fd
 * of a regular file, or -1 with a message in err: "PATH leads outside the container's rootfs
 * (through a symlink or '..'): refusing", "PATH: no such file in the container's rootfs (ROOTFS)",
 * "PATH is not a regular file".
 */
int oci_rootfs__open(const char *rootfs, const char *path, char *err, size_t errlen);

/* --- oci_hooks.c --- */

/*
 * Run spec's hooks of one kind in order, each with state_json on its stdin, cwd = bundle, its
 * own env and args, killed after its timeout. Returns 0, or -1 at the first failure with a
 * message in err ("prestart hook /usr/bin/x failed: exit status 2" / "...: killed after its 5 s
 * timeout" / "...: cannot run: No such file or directory").
 */
int oci_hooks__run(const struct oci_spec *spec, enum oci_hook_kind kind, const char *bundle,
		   const char *state_json, char *err, size_t errlen);

/* --- oci_console.c --- */

/*
 * For process.terminal: open a new pty (posix_openpt), send its master over the UNIX socket at
 * console_socket with SCM_RIGHTS (as runc does: one message, the fd, payload the pty's name), and
 * return the slave's fd (O_RDWR|O_NOCTTY, for the stub's 0-2), or -1 with a message in err.
 */
int oci_console__open(const char *console_socket, char *err, size_t errlen);

/* --- oci_runc.c: containers that are not Pith images --- */

/* The runc binary (absolute path; see /tmp/oci-design.md), or NULL. */
const char *oci_runc__path(void);

/*
 * Replace this process with runc, given --root <g->root>/.runc, g's --log/--log-format, then
 * argv[0..argc) (the command and its arguments as pith-oci received them). Returns only on
 * failure (1, after oci__error).
 */
int oci_runc__exec(const struct oci_globals *g, int argc, char **argv);

/* Run runc like oci_runc__exec but as a child, waiting for it: its exit status (or 1). */
int oci_runc__call(const struct oci_globals *g, int argc, char **argv);

#endif
