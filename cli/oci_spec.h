/* An OCI runtime bundle's config.json, reduced to what pith-oci uses (runtime-spec 1.0/1.1). */
#ifndef CLI_OCI_SPEC_H
#define CLI_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One hook (runtime-spec config.md "POSIX-platform Hooks"). */
struct oci_hook {
	char *path;  /* absolute */
	char **args; /* NULL-terminated; may be empty (then argv[0] is path) */
	char **env;  /* NULL-terminated "NAME=value" */
	int timeout; /* seconds, 0: none */
};

struct oci_hooks {
	struct oci_hook *v;
	size_t n;
};

/* The hook kinds pith-oci runs, in the order the runtime-spec lists them. */
enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS
};

/* linux.namespaces' network entry: none (the host's), a new one, or one to join. */
enum oci_netns { OCI_NETNS_HOST, OCI_NETNS_NEW, OCI_NETNS_PATH };

struct oci_spec {
	char *oci_version;
	/* process */
	char **args; /* NULL-terminated, at least one */
	size_t nargs;
	char **env; /* NULL-terminated "NAME=value" (entries without '=' are dropped) */
	size_t nenv;
	char *cwd;
	bool terminal;
	/* root */
	char *root_path; /* absolute: bundle-relative paths are resolved against the bundle */
	bool root_readonly;
	/* annotations, in file order */
	char **ann_keys, **ann_values;
	size_t nann;
	/* hooks */
	struct oci_hooks hooks[OCI_HOOK_KINDS];
	/* linux */
	enum oci_netns netns;
	char *netns_path;     /* OCI_NETNS_PATH */
	char *cgroups_path;   /* linux.cgroupsPath, or NULL */
	int64_t memory_limit; /* linux.resources.memory.limit in bytes; 0: none (-1 and absent) */
};

/*
 * Load <bundle>/config.json into spec (zeroed first). bundle is an absolute path. Returns 0, or
 * -1 with a one-line message in err that names the file and the field, e.g.
 * "/b/config.json: process.args must be a non-empty array of strings" or
 * "/b/config.json: line 4, column 2: expected ':'". On 0, free with oci_spec__free.
 */
int oci_spec__load(struct oci_spec *spec, const char *bundle, char *err, size_t errlen);

/* Same, from config.json's text (file: the name used in messages). */
int oci_spec__parse(struct oci_spec *spec, const char *text, size_t len, const char *bundle,
		    const char *file, char *err, size_t errlen);

void oci_spec__free(struct oci_spec *spec);

/* The hook kind's name in config.json ("prestart", ..., "poststop"). */
const char *oci_spec__hook_name(enum oci_hook_kind kind);

/* The value of annotation key, or NULL. */
const char *oci_spec__annotation(const struct oci_spec *spec, const char *key);

#endif
