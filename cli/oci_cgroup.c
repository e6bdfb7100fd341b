/* pith-oci's cgroups: join linux.cgroupsPath in every mounted hierarchy, set the memory limit. */
#include "oci_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HIERS  32
#define MAX_DEPTH  32
#define CG_PATHMAX 4096

/* One mounted cgroup hierarchy (from /proc/self/mountinfo, man 5 proc). */
struct hier {
	char mnt[CG_PATHMAX];
	char name[64]; /* "memory", "cpu,cpuacct", "name=systemd", "cgroup2" */
	char dev[32];  /* major:minor, to skip a hierarchy mounted twice */
	int v2, memory, cpuset;
};

/* A growing string (the created list). */
struct sbuf {
	char *s;
	size_t len, cap;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static int sbuf__add(struct sbuf *b, const char *line)
{
	size_t n = strlen(line);
	char *s;

	if (b->len + n + 2 > b->cap) {
		size_t cap = (b->len + n + 2) * 2;

		s = realloc(b->s, cap);
		if (!s)
			return -1;
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, line, n);
	b->len += n;
	b->s[b->len++] = '\n';
	b->s[b->len] = 0;
	return 0;
}

/* Append one line to warn (truncated when full). */
static void warn__add(char *warn, size_t warnlen, const char *fmt, ...)
{
	size_t at = strnlen(warn, warnlen);
	va_list ap;

	if (at + 1 >= warnlen)
		return;
	va_start(ap, fmt);
	vsnprintf(warn + at, warnlen - at, fmt, ap);
	va_end(ap);
	at = strnlen(warn, warnlen);
	if (at + 1 < warnlen) {
		warn[at] = '\n';
		warn[at + 1] = 0;
	}
}

/* Write text to dir/name; 0 or an errno. */
static int file__put(const char *dir, const char *name, const char *text)
{
	char path[CG_PATHMAX + 64];
	int fd, e = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		e = errno;
	close(fd);
	return e;
}

/* Read dir/name into buf (trailing newline removed); 0 or an errno. */
static int file__get(const char *dir, const char *name, char *buf, size_t len)
{
	char path[CG_PATHMAX + 64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* ---- the path: "/a/b" or systemd's "slice:prefix:name" -----------------------------------------
 */

/* Append "/" + s (len n) to out; -1 if it does not fit. */
static int path__add(char *out, size_t outlen, const char *s, size_t n)
{
	size_t at = strlen(out);

	if (at + n + 2 > outlen)
		return -1;
	out[at] = '/';
	memcpy(out + at + 1, s, n);
	out[at + 1 + n] = 0;
	return 0;
}

/*
 * systemd's slice expansion (systemd.slice(5)): "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice"
 * (the root slice) -> "". Names with "--", a leading or trailing '-', or a '/' are refused.
 */
static int slice__expand(const char *slice, char *out, size_t outlen)
{
	size_t n = strlen(slice), base;

	out[0] = 0;
	if (!strcmp(slice, "-.slice"))
		return 0;
	if (n <= 6 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/'))
		return -1;
	base = n - 6;
	if (slice[0] == '-' || slice[base - 1] == '-' || strstr(slice, "--"))
		return -1;
	for (size_t i = 0; i < base; i++) {
		char part[CG_PATHMAX];

		if (slice[i] != '-')
			continue;
		if (snprintf(part, sizeof(part), "%.*s.slice", (int)i, slice) >=
			(int)sizeof(part) ||
		    path__add(out, outlen, part, strlen(part)) < 0)
			return -1;
	}
	return path__add(out, outlen, slice, n);
}

/* runc's systemd convention: "slice:prefix:name" -> "/<slice expanded>/prefix-name.scope"
   (slice "" = system.slice; a name ending in ".slice" is a slice itself). */
static int path__systemd(const char *in, char *out, size_t outlen)
{
	char slice[256], prefix[256], name[256], unit[800];
	const char *c1 = strchr(in, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c2 || strchr(c2 + 1, ':') || c1 - in >= 256 || c2 - c1 > 256 || strlen(c2) > 256)
		return -1;
	snprintf(slice, sizeof(slice), "%.*s", (int)(c1 - in), in);
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	snprintf(name, sizeof(name), "%s", c2 + 1);
	if (!*name || strchr(name, '/') || strchr(prefix, '/'))
		return -1;
	if (slice__expand(*slice ? slice : "system.slice", out, outlen) < 0)
		return -1;
	if (strlen(name) > 6 && !strcmp(name + strlen(name) - 6, ".slice"))
		snprintf(unit, sizeof(unit), "%s", name);
	else
		snprintf(unit, sizeof(unit), "%s%s%s.scope", prefix, *prefix ? "-" : "", name);
	return path__add(out, outlen, unit, strlen(unit));
}

/* A plain path, absolute (from the hierarchy's root) or relative (taken from the root too; the
   runtime spec lets the runtime choose): normalized, ".." and "." refused. */
static int path__plain(const char *in, char *out, size_t outlen)
{
	out[0] = 0;
	for (const char *p = in; *p;) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		if (n && path__add(out, outlen, p, n) < 0)
			return -1;
		p += n + (p[n] == '/');
	}
	return 0;
}

static int path__parse(const char *in, char *out, size_t outlen)
{
	return strchr(in, ':') ? path__systemd(in, out, outlen) : path__plain(in, out, outlen);
}

/* ---- the hierarchies ---------------------------------------------------------------------- */

/* Is word one of the comma-separated options in opts? */
static int opts__has(const char *opts, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = opts; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ',' || p[n] == 0))
			return 1;
	return 0;
}

/* Does the space-separated list in dir/cgroup.controllers (v2) hold "memory"? */
static int v2__has_memory(const char *dir)
{
	char val[512];

	if (file__get(dir, "cgroup.controllers", val, sizeof(val)))
		return 0;
	for (char *p = val; *p; p++)
		*p = *p == ' ' ? ',' : *p;
	return opts__has(val, "memory");
}

/* One mountinfo line: a cgroup or cgroup2 mount into h; 0 if it is not one. */
static int hier__parse(const char *line, struct hier *h)
{
	char dev[32], mnt[CG_PATHMAX], type[32], opts[512];
	const char *sep = strstr(line, " - ");

	if (!sep || sscanf(line, "%*s %*s %31s %*s %4095s", dev, mnt) != 2 ||
	    sscanf(sep + 3, "%31s %*s %511s", type, opts) != 2)
		return 0;
	if (strcmp(type, "cgroup") && strcmp(type, "cgroup2"))
		return 0;
	*h = (struct hier){.v2 = !strcmp(type, "cgroup2")};
	snprintf(h->mnt, sizeof(h->mnt), "%s", mnt);
	snprintf(h->dev, sizeof(h->dev), "%s", dev);
	h->memory = h->v2 ? v2__has_memory(mnt) : opts__has(opts, "memory");
	h->cpuset = !h->v2 && opts__has(opts, "cpuset");
	snprintf(h->name, sizeof(h->name), "%s", h->v2 ? "cgroup2" : strrchr(mnt, '/') + 1);
	return 1;
}

/* Every cgroup hierarchy mounted here, each once. */
static int hier__list(struct hier *hs, int max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		int dup = 0;

		if (!hier__parse(line, &hs[n]))
			continue;
		for (int i = 0; i < n; i++)
			dup |= !strcmp(hs[i].dev, hs[n].dev);
		n += !dup;
	}
	fclose(f);
	return n;
}

/* ---- joining one hierarchy ---------------------------------------------------------------- */

/* rmdir made[n-1..0]. */
static void made__undo(char made[][CG_PATHMAX], int n)
{
	while (n-- > 0)
		rmdir(made[n]);
}

/* v1 cpuset: a new folder gets its parent's cpus and mems (empty ones refuse tasks). */
static int cpuset__init(const char *dir, const char *parent)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char val[1024];
	int e;

	for (int i = 0; i < 2; i++)
		if ((e = file__get(parent, files[i], val, sizeof(val))) ||
		    (e = file__put(dir, files[i], val)))
			return e;
	return 0;
}

/* v2: enable the memory controller for parent's children (needed for memory.max). */
static int v2__enable_memory(const char *parent)
{
	char val[512];

	if (!file__get(parent, "cgroup.subtree_control", val, sizeof(val)) && strstr(val, "memory"))
		return 0;
	return file__put(parent, "cgroup.subtree_control", "+memory");
}

/* mkdir each missing folder of h->mnt + path; made[] gets those it created. errno-style result;
 *nmade counts them (undone by the caller on failure). */
static int hier__mkdirs(const struct hier *h, const char *path, int64_t limit,
			char made[][CG_PATHMAX], int *nmade)
{
	char dir[CG_PATHMAX], parent[CG_PATHMAX];
	size_t len = strlen(h->mnt);
	int e;

	if (len + strlen(path) >= sizeof(dir))
		return ENAMETOOLONG;
	memcpy(dir, h->mnt, len + 1);
	for (const char *p = path; *p == '/';) {
		size_t n = strcspn(p + 1, "/") + 1;

		if (*nmade == MAX_DEPTH)
			return ENAMETOOLONG;
		memcpy(parent, dir, len + 1);
		memcpy(dir + len, p, n);
		dir[len += n] = 0;
		p += n;
		if (h->v2 && h->memory && limit > 0 && (e = v2__enable_memory(parent)))
			return e;
		if (mkdir(dir, 0755) < 0) {
			if (errno == EEXIST)
				continue;
			return errno;
		}
		memcpy(made[(*nmade)++], dir, len + 1);
		if (h->cpuset && (e = cpuset__init(dir, parent)))
			return e;
	}
	return 0;
}

/* The limit, then the pid: "what: errno" on failure in why. */
static int hier__enter(const struct hier *h, const char *dir, long pid, int64_t limit,
		       const char **why)
{
	char num[32];
	int e;

	if (limit > 0 && h->memory) {
		snprintf(num, sizeof(num), "%" PRId64, limit);
		*why = h->v2 ? "memory.max" : "memory.limit_in_bytes";
		if ((e = file__put(dir, *why, num)))
			return e;
	}
	snprintf(num, sizeof(num), "%ld", pid);
	*why = "cgroup.procs";
	return file__put(dir, "cgroup.procs", num);
}

/* Join h: 0 or -1 (warned, nothing of ours left in h). */
static int hier__join(const struct hier *h, const char *path, long pid, int64_t limit,
		      struct sbuf *created, char *warn, size_t warnlen)
{
	static char made[MAX_DEPTH][CG_PATHMAX];
	char dir[CG_PATHMAX];
	const char *why = "mkdir";
	int nmade = 0, e;

	e = hier__mkdirs(h, path, limit, made, &nmade);
	memcpy(dir, h->mnt, strlen(h->mnt) + 1);
	if (!e)
		memcpy(dir + strlen(dir), path, strlen(path) + 1);
	if (!e)
		e = hier__enter(h, dir, pid, limit, &why);
	for (int i = 0; !e && i < nmade; i++)
		if (sbuf__add(created, made[i]) < 0)
			e = ENOMEM;
	if (!e)
		return 0;
	made__undo(made, nmade);
	warn__add(warn, warnlen, "cgroup %s: %s in %s: %s", h->name, why, dir, strerror(e));
	return -1;
}

int oci_cgroup__join(const char *cgroups_path, long pid, int64_t memory_limit, char **created,
		     char *warn, size_t warnlen)
{
	static struct hier hs[MAX_HIERS];
	struct sbuf b = {0};
	char path[CG_PATHMAX];
	int n, joined = 0;

	*created = NULL;
	if (warnlen)
		warn[0] = 0;
	if (cgroups_path && !*cgroups_path) {
		*created = strdup(""); /* no linux.cgroupsPath: nothing to join */
		return 0;
	}
	if (!cgroups_path || path__parse(cgroups_path, path, sizeof(path)) < 0) {
		warn__add(warn, warnlen, "malformed cgroups path '%s'",
			  cgroups_path ? cgroups_path : "(null)");
		return -1;
	}
	n = hier__list(hs, MAX_HIERS);
	for (int i = 0; i < n; i++)
		joined += hier__join(&hs[i], path, pid, memory_limit, &b, warn, warnlen) == 0;
	*created = b.s ? b.s : strdup("");
	return joined;
}

/*
 * rmdir dir; EBUSY is retried while *budget_ms lasts: the monitor's helper process (which shares
 * the VM's memory and tears it down) may outlive the monitor by a few milliseconds.
 */
static int cgdir__remove(const char *dir, int *budget_ms)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};

	for (;;) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || *budget_ms <= 0)
			return -1;
		nanosleep(&tick, NULL);
		*budget_ms -= 10;
	}
}

int oci_cgroup__remove(const char *created)
{
	const char *end = created ? created + strlen(created) : NULL;
	int rc = 0, budget_ms = 1000;

	while (end && end > created) {
		const char *start = end - 1;
		char dir[CG_PATHMAX];

		while (start > created && start[-1] != '\n')
			start--;
		snprintf(dir, sizeof(dir), "%.*s", (int)(end - start), start);
		dir[strcspn(dir, "\n")] = 0;
		if (*dir && cgdir__remove(dir, &budget_ms) < 0)
			rc = -1;
		end = start;
	}
	return rc;
}
