/* config.json of an OCI bundle (runtime-spec config.md, config-linux.md) into struct oci_spec. */
#include "oci_spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Where messages go: "FILE: MESSAGE". */
struct spec_ctx {
	const char *file;
	char *err;
	size_t errlen;
};

/* The member names of "hooks", by enum oci_hook_kind (config.md "POSIX-platform Hooks"). */
static const char *const hook_names[OCI_HOOK_KINDS] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_spec__hook_name(enum oci_hook_kind kind)
{
	return kind < OCI_HOOK_KINDS ? hook_names[kind] : "unknown";
}

/* config-linux.md "Namespaces": the types a runtime should support. */
static const char *const ns_types[] = {"pid", "network", "mount",  "ipc",
				       "uts", "user",	 "cgroup", "time"};
#define NS_TYPES (sizeof(ns_types) / sizeof(ns_types[0]))

__attribute__((format(printf, 2, 3))) static int spec__fail(struct spec_ctx *ctx, const char *fmt,
							    ...)
{
	size_t n = (size_t)snprintf(ctx->err, ctx->errlen, "%s: ", ctx->file);
	va_list ap;

	if (n < ctx->errlen) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + n, ctx->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int spec__oom(struct spec_ctx *ctx)
{
	return spec__fail(ctx, "out of memory");
}

/* A copy of s into *out (NULL stays NULL). */
static int spec__dup(struct spec_ctx *ctx, const char *s, char **out)
{
	*out = s ? strdup(s) : NULL;
	return s && !*out ? spec__oom(ctx) : 0;
}

static void strv__free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/*
 * The array of strings a (NULL: absent, giving an empty vector) into a NULL-terminated copy
 * *out of *n entries; with env, entries without '=' are dropped. field names a in messages.
 */
static int strv__from(struct spec_ctx *ctx, const struct json *a, const char *field, bool env,
		      char ***out, size_t *n)
{
	size_t count = a ? a->len : 0, k = 0;
	char **v;

	*out = NULL, *n = 0;
	if (a && a->type != JSON_ARRAY)
		return spec__fail(ctx, "%s must be an array of strings", field);
	if (!(v = calloc(count + 1, sizeof(*v))))
		return spec__oom(ctx);
	for (size_t i = 0; i < count; i++) {
		const struct json *s = a->kids[i];

		if (s->type != JSON_STRING) {
			strv__free(v);
			return spec__fail(ctx, "%s[%zu] must be a string", field, i);
		}
		if (env && !strchr(s->string, '='))
			continue;
		if (!(v[k++] = strdup(s->string))) {
			strv__free(v);
			return spec__oom(ctx);
		}
	}
	*out = v, *n = k;
	return 0;
}

/* The optional string member key of obj into *out (NULL if absent). */
static int spec__string(struct spec_ctx *ctx, const struct json *obj, const char *key,
			const char *field, char **out)
{
	const struct json *s = json__get(obj, key);

	*out = NULL;
	if (s && s->type != JSON_STRING)
		return spec__fail(ctx, "%s must be a string", field);
	return spec__dup(ctx, s ? s->string : NULL, out);
}

/* The optional boolean member key of obj into *out (false if absent). */
static int spec__bool(struct spec_ctx *ctx, const struct json *obj, const char *key,
		      const char *field, bool *out)
{
	const struct json *b = json__get(obj, key);

	if (b && b->type != JSON_BOOL)
		return spec__fail(ctx, "%s must be true or false", field);
	*out = b && b->boolean;
	return 0;
}

/* The member key of root, which must be an object if present; *out NULL if absent. */
static int spec__object(struct spec_ctx *ctx, const struct json *root, const char *key,
			const char *field, const struct json **out)
{
	*out = json__get(root, key);
	if (*out && (*out)->type != JSON_OBJECT)
		return spec__fail(ctx, "%s must be an object", field);
	return 0;
}

/* ---- process, root, annotations ------------------------------------------------------------ */

/* config.md "Process": args (at least one entry, POSIX), env, cwd, terminal. */
static int spec__process(struct spec_ctx *ctx, const struct json *root, struct oci_spec *spec)
{
	const struct json *proc, *args;
	size_t nenv;

	if (spec__object(ctx, root, "process", "process", &proc) < 0)
		return -1;
	if (!proc)
		return spec__fail(ctx, "process is missing (it names the Pith image to run)");
	args = json__get(proc, "args");
	if (!args || args->type != JSON_ARRAY || args->len == 0)
		return spec__fail(ctx, "process.args must be a non-empty array of strings");
	if (strv__from(ctx, args, "process.args", false, &spec->args, &spec->nargs) < 0 ||
	    strv__from(ctx, json__get(proc, "env"), "process.env", true, &spec->env, &nenv) < 0)
		return -1;
	spec->nenv = nenv;
	if (spec__string(ctx, proc, "cwd", "process.cwd", &spec->cwd) < 0)
		return -1;
	if (!spec->cwd && spec__dup(ctx, "/", &spec->cwd) < 0)
		return -1;
	return spec__bool(ctx, proc, "terminal", "process.terminal", &spec->terminal);
}

/* bundle + "/" + path, without a leading "./" in path and a trailing '/' in bundle. */
static char *path__join(const char *bundle, const char *path)
{
	size_t blen = strlen(bundle);
	char *out;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (blen > 1 && bundle[blen - 1] == '/')
		blen--;
	if (asprintf(&out, "%.*s/%s", (int)blen, bundle, path) < 0)
		return NULL;
	return out;
}

/* config.md "Root": path (required; absolute, or relative to the bundle), readonly. */
static int spec__root(struct spec_ctx *ctx, const struct json *root, const char *bundle,
		      struct oci_spec *spec)
{
	const struct json *r;
	const char *path;

	if (spec__object(ctx, root, "root", "root", &r) < 0)
		return -1;
	if (!r)
		return spec__fail(ctx, "root is missing (root.path names the rootfs)");
	if (!json__get(r, "path"))
		return spec__fail(ctx, "root.path is missing");
	path = json__get_string(r, "path");
	if (!path || !path[0])
		return spec__fail(ctx, "root.path must be a non-empty string");
	spec->root_path = path[0] == '/' ? strdup(path) : path__join(bundle, path);
	if (!spec->root_path)
		return spec__oom(ctx);
	return spec__bool(ctx, r, "readonly", "root.readonly", &spec->root_readonly);
}

/* config.md "Annotations": an object of strings; keys must not be empty. */
static int spec__annotations(struct spec_ctx *ctx, const struct json *root, struct oci_spec *spec)
{
	const struct json *a;
	size_t n;

	if (spec__object(ctx, root, "annotations", "annotations", &a) < 0)
		return -1;
	n = a ? a->len : 0;
	spec->ann_keys = calloc(n + 1, sizeof(char *));
	spec->ann_values = calloc(n + 1, sizeof(char *));
	if (!spec->ann_keys || !spec->ann_values)
		return spec__oom(ctx);
	for (size_t i = 0; i < n; i++) {
		if (!a->keys[i][0])
			return spec__fail(ctx, "annotations: a key must not be empty");
		if (a->kids[i]->type != JSON_STRING)
			return spec__fail(ctx, "annotations.%s must be a string", a->keys[i]);
		spec->ann_keys[i] = strdup(a->keys[i]);
		spec->ann_values[i] = strdup(a->kids[i]->string);
		spec->nann = i + 1;
		if (!spec->ann_keys[i] || !spec->ann_values[i])
			return spec__oom(ctx);
	}
	return 0;
}

/* ---- hooks --------------------------------------------------------------------------------- */

/* One hook object h (field: e.g. "hooks.prestart[0]") into *hook. */
static int spec__hook(struct spec_ctx *ctx, const struct json *h, const char *field,
		      struct oci_hook *hook)
{
	char name[96];
	const struct json *t;
	size_t n;

	if (h->type != JSON_OBJECT)
		return spec__fail(ctx, "%s must be an object", field);
	hook->path = NULL;
	if (json__get(h, "path") && !json__get_string(h, "path"))
		return spec__fail(ctx, "%s.path must be a string", field);
	if (!json__get_string(h, "path") || json__get_string(h, "path")[0] != '/')
		return spec__fail(ctx, "%s.path must be an absolute path", field);
	if (spec__dup(ctx, json__get_string(h, "path"), &hook->path) < 0)
		return -1;
	snprintf(name, sizeof(name), "%s.args", field);
	if (strv__from(ctx, json__get(h, "args"), name, false, &hook->args, &n) < 0)
		return -1;
	snprintf(name, sizeof(name), "%s.env", field);
	if (strv__from(ctx, json__get(h, "env"), name, true, &hook->env, &n) < 0)
		return -1;
	t = json__get(h, "timeout");
	if (t && (t->type != JSON_NUMBER || !t->is_integer || t->integer <= 0 ||
		  t->integer > 1000000000))
		return spec__fail(ctx, "%s.timeout must be an integer greater than 0 (seconds)",
				  field);
	hook->timeout = t ? (int)t->integer : 0;
	return 0;
}

/* config.md "POSIX-platform Hooks": each kind an array of hooks. */
static int spec__hooks(struct spec_ctx *ctx, const struct json *root, struct oci_spec *spec)
{
	const struct json *hooks, *list;
	char field[64];

	if (spec__object(ctx, root, "hooks", "hooks", &hooks) < 0)
		return -1;
	for (int k = 0; hooks && k < OCI_HOOK_KINDS; k++) {
		struct oci_hooks *hs = &spec->hooks[k];

		if (!(list = json__get(hooks, oci_spec__hook_name(k))))
			continue;
		if (list->type != JSON_ARRAY)
			return spec__fail(ctx, "hooks.%s must be an array", oci_spec__hook_name(k));
		if (list->len && !(hs->v = calloc(list->len, sizeof(*hs->v))))
			return spec__oom(ctx);
		for (size_t i = 0; i < list->len; i++) {
			snprintf(field, sizeof(field), "hooks.%s[%zu]", oci_spec__hook_name(k), i);
			hs->n = i + 1;
			if (spec__hook(ctx, list->kids[i], field, &hs->v[i]) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- linux --------------------------------------------------------------------------------- */

/* Index of type in ns_types, or -1. */
static int ns__index(const char *type)
{
	for (size_t i = 0; i < NS_TYPES; i++)
		if (strcmp(ns_types[i], type) == 0)
			return (int)i;
	return -1;
}

/* Namespace entry i; only the network one is kept. seen: the types met so far. */
static int spec__namespace(struct spec_ctx *ctx, const struct json *e, size_t i, bool *seen,
			   struct oci_spec *spec)
{
	const char *type = json__get_string(e, "type"), *path = json__get_string(e, "path");
	int t;

	if (e->type != JSON_OBJECT)
		return spec__fail(ctx, "linux.namespaces[%zu] must be an object", i);
	if (!type)
		return spec__fail(ctx, "linux.namespaces[%zu].type must be a string", i);
	if ((t = ns__index(type)) < 0)
		return spec__fail(ctx, "linux.namespaces[%zu].type: unknown namespace type \"%s\"",
				  i, type);
	if (seen[t])
		return spec__fail(ctx, "linux.namespaces[%zu]: namespace type \"%s\" given twice",
				  i, type);
	seen[t] = true;
	if (json__get(e, "path") && (!path || path[0] != '/'))
		return spec__fail(ctx, "linux.namespaces[%zu].path must be an absolute path", i);
	if (strcmp(type, "network") != 0)
		return 0;
	spec->netns = path ? OCI_NETNS_PATH : OCI_NETNS_NEW;
	return spec__dup(ctx, path, &spec->netns_path);
}

/* config-linux.md "Memory": limit in bytes, -1 for unlimited; 0 taken as none too. */
static int spec__memory(struct spec_ctx *ctx, const struct json *linux_, struct oci_spec *spec)
{
	const struct json *res = json__get(linux_, "resources"), *m, *limit;

	if (res && res->type != JSON_OBJECT)
		return spec__fail(ctx, "linux.resources must be an object");
	m = json__get(res, "memory");
	if (m && m->type != JSON_OBJECT)
		return spec__fail(ctx, "linux.resources.memory must be an object");
	limit = json__get(m, "limit");
	if (limit && (limit->type != JSON_NUMBER || !limit->is_integer || limit->integer < -1))
		return spec__fail(ctx, "linux.resources.memory.limit must be an integer: bytes, or "
				       "-1 for no limit");
	spec->memory_limit = limit && limit->integer > 0 ? limit->integer : 0;
	return 0;
}

/* config-linux.md: namespaces (network only), cgroupsPath, resources.memory.limit. */
static int spec__linux(struct spec_ctx *ctx, const struct json *root, struct oci_spec *spec)
{
	const struct json *lx, *nss;
	bool seen[NS_TYPES] = {false};

	spec->netns = OCI_NETNS_HOST;
	if (spec__object(ctx, root, "linux", "linux", &lx) < 0 || !lx)
		return lx ? -1 : 0;
	nss = json__get(lx, "namespaces");
	if (nss && nss->type != JSON_ARRAY)
		return spec__fail(ctx, "linux.namespaces must be an array");
	for (size_t i = 0; nss && i < nss->len; i++)
		if (spec__namespace(ctx, nss->kids[i], i, seen, spec) < 0)
			return -1;
	if (spec__string(ctx, lx, "cgroupsPath", "linux.cgroupsPath", &spec->cgroups_path) < 0)
		return -1;
	return spec__memory(ctx, lx, spec);
}

/* ---- the interface ------------------------------------------------------------------------- */

static int spec__from_json(struct oci_spec *spec, const struct json *root, const char *bundle,
			   struct spec_ctx *ctx)
{
	if (root->type != JSON_OBJECT)
		return spec__fail(ctx, "the configuration must be a JSON object");
	if (!json__get(root, "ociVersion"))
		return spec__fail(ctx, "ociVersion is missing");
	if (spec__string(ctx, root, "ociVersion", "ociVersion", &spec->oci_version) < 0 ||
	    spec__process(ctx, root, spec) < 0 || spec__root(ctx, root, bundle, spec) < 0 ||
	    spec__annotations(ctx, root, spec) < 0 || spec__hooks(ctx, root, spec) < 0 ||
	    spec__linux(ctx, root, spec) < 0)
		return -1;
	return 0;
}

/* Fill spec from the parsed root; on error spec is freed (and left zeroed). */
static int spec__fill(struct oci_spec *spec, const struct json *root, const char *bundle,
		      struct spec_ctx *ctx)
{
	if (spec__from_json(spec, root, bundle, ctx) == 0)
		return 0;
	oci_spec__free(spec);
	return -1;
}

int oci_spec__load(struct oci_spec *spec, const char *bundle, char *err, size_t errlen)
{
	struct spec_ctx ctx = {.err = err, .errlen = errlen};
	struct json *root;
	char *file;
	int rc;

	memset(spec, 0, sizeof(*spec));
	if (!(file = path__join(bundle, "config.json"))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctx.file = file;
	root = json__parse_file(file, err, errlen); /* its messages name the file */
	rc = root ? spec__fill(spec, root, bundle, &ctx) : -1;
	json__free(root);
	free(file);
	return rc;
}

int oci_spec__parse(struct oci_spec *spec, const char *text, size_t len, const char *bundle,
		    const char *file, char *err, size_t errlen)
{
	struct spec_ctx ctx = {.file = file, .err = err, .errlen = errlen};
	char msg[256];
	struct json *root;
	int rc;

	memset(spec, 0, sizeof(*spec));
	root = json__parse(text, len, msg, sizeof(msg));
	if (!root)
		return spec__fail(&ctx, "%s", msg);
	rc = spec__fill(spec, root, bundle, &ctx);
	json__free(root);
	return rc;
}

static void hook__free(struct oci_hook *h)
{
	free(h->path);
	strv__free(h->args);
	strv__free(h->env);
}

void oci_spec__free(struct oci_spec *spec)
{
	free(spec->oci_version);
	strv__free(spec->args);
	strv__free(spec->env);
	free(spec->cwd);
	free(spec->root_path);
	for (size_t i = 0; i < spec->nann; i++) {
		free(spec->ann_keys[i]);
		free(spec->ann_values[i]);
	}
	free(spec->ann_keys);
	free(spec->ann_values);
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < spec->hooks[k].n; i++)
			hook__free(&spec->hooks[k].v[i]);
		free(spec->hooks[k].v);
	}
	free(spec->netns_path);
	free(spec->cgroups_path);
	memset(spec, 0, sizeof(*spec));
}

const char *oci_spec__annotation(const struct oci_spec *spec, const char *key)
{
	for (size_t i = spec->nann; i-- > 0;)
		if (strcmp(spec->ann_keys[i], key) == 0)
			return spec->ann_values[i];
	return NULL;
}
