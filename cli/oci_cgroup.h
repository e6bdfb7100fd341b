/* pith-oci's cgroups: put the monitor into linux.cgroupsPath (v1 hierarchies and v2). */
#ifndef CLI_OCI_CGROUP_H
#define CLI_OCI_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Put process pid into cgroups_path ("/default/ID", or systemd's "slice:prefix:name", mapped to
 * "/slice/prefix-name.scope" with nested slices expanded as systemd does) in every mounted cgroup
 * hierarchy (each v1 controller, and the v2 tree if mounted) that lets us: mkdir as needed, then
 * write pid to cgroup.procs. memory_limit > 0 is written to memory.limit_in_bytes (v1) or
 * memory.max (v2) before joining. The folders this call created are appended to *created, one
 * absolute path per line (a malloc'd string, deepest last; the caller frees), for
 * oci_cgroup__remove. A hierarchy that refuses is skipped, its reason appended to warn (a line
 * each). Returns the number of hierarchies joined (0 is possible: cgroups are best effort), or -1
 * if cgroups_path is malformed (message in warn).
 */
int oci_cgroup__join(const char *cgroups_path, long pid, int64_t memory_limit, char **created,
		     char *warn, size_t warnlen);

/* rmdir the folders listed in created (as oci_cgroup__join wrote them), deepest first; folders
   already gone are fine, busy ones are left. Returns 0, or -1 if one could not be removed. */
int oci_cgroup__remove(const char *created);

#endif
