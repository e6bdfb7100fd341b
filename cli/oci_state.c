/* pith-oci's state store: <root>/<ID>/state.json (atomic writes), liveness and runc's state JSON.
 */
#include "oci_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "instance.h"
#include "json.h"

bool oci_state__valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > OCI_ID_MAX || id[0] == '.')
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-") ==
	       n;
}

int oci_state__path(char *buf, size_t len, const char *root, const char *id, const char *file)
{
	int n = file ? snprintf(buf, len, "%s/%s/%s", root, id, file)
		     : snprintf(buf, len, "%s/%s", root, id);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void oci_state__now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char day[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", day, ts.tv_nsec);
}

static void json__field(FILE *f, const char *key, const char *value, bool comma)
{
	fprintf(f, "%s", comma ? "," : "");
	json__write_string(f, key);
	fputc(':', f);
	json__write_string(f, value ? value : "");
}

static void annotations__write(FILE *f, const struct oci_state *st)
{
	fputs(",\"annotations\":{", f);
	for (size_t i = 0; i < st->nann; i++)
		json__field(f, st->ann_keys[i], st->ann_values[i], i > 0);
	fputc('}', f);
}

void oci_state__write_json(FILE *f, const struct oci_state *st, const char *status)
{
	bool stopped = strcmp(status, "stopped") == 0;

	fputs("{\"ociVersion\":\"1.0.2\"", f);
	json__field(f, "id", st->id, true);
	fprintf(f, ",\"pid\":%ld", stopped ? 0 : st->pid);
	json__field(f, "status", status, true);
	json__field(f, "bundle", st->bundle, true);
	json__field(f, "rootfs", st->rootfs, true);
	json__field(f, "created", st->created, true);
	json__field(f, "owner", "", true);
	annotations__write(f, st);
	fputc('}', f);
}

char *oci_state__json(const struct oci_state *st, const char *status)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	oci_state__write_json(f, st, status);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The stored form: runc's fields plus ours. */
static void state__write_file(FILE *f, const struct oci_state *st)
{
	fprintf(f, "{\"id\":");
	json__write_string(f, st->id);
	fprintf(f, ",\"pid\":%ld,\"pid_start\":%llu", st->pid, st->pid_start);
	json__field(f, "bundle", st->bundle, true);
	json__field(f, "rootfs", st->rootfs, true);
	json__field(f, "created", st->created, true);
	json__field(f, "status", st->status, true);
	annotations__write(f, st);
	json__field(f, "netns", st->netns, true);
	json__field(f, "ifname", st->ifname, true);
	json__field(f, "cgroups", st->cgroups, true);
	fprintf(f, ",\"delegated\":%s}\n", st->delegated ? "true" : "false");
}

int oci_state__save(const char *root, const struct oci_state *st, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	FILE *f;
	int fd;

	if (oci_state__path(path, sizeof(path), root, st->id, "state.json") < 0)
		return snprintf(err, errlen, "%s/%s: path too long", root, st->id), -1;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	state__write_file(f, st);
	if (fflush(f) != 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static char *str__dup(const char *s)
{
	return strdup(s ? s : "");
}

static int annotations__read(struct oci_state *st, const struct json *a)
{
	size_t n = a && a->type == JSON_OBJECT ? a->len : 0;

	st->ann_keys = calloc(n + 1, sizeof(char *));
	st->ann_values = calloc(n + 1, sizeof(char *));
	if (!st->ann_keys || !st->ann_values)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *v = a->kids[i]->type == JSON_STRING ? a->kids[i]->string : "";

		st->ann_keys[i] = str__dup(a->keys[i]);
		st->ann_values[i] = str__dup(v);
		st->nann = i + 1;
		if (!st->ann_keys[i] || !st->ann_values[i])
			return -1;
	}
	return 0;
}

static long long json__int(const struct json *v, const char *key)
{
	const struct json *n = json__get(v, key);

	return n && n->type == JSON_NUMBER && n->is_integer ? n->integer : 0;
}

/* st's fields from the parsed file. 0, or -1 (out of memory). */
static int state__from_json(struct oci_state *st, const struct json *v)
{
	const struct json *d = json__get(v, "delegated");

	st->id = str__dup(json__get_string(v, "id"));
	st->pid = (long)json__int(v, "pid");
	st->pid_start = (unsigned long long)json__int(v, "pid_start");
	st->bundle = str__dup(json__get_string(v, "bundle"));
	st->rootfs = str__dup(json__get_string(v, "rootfs"));
	st->created = str__dup(json__get_string(v, "created"));
	snprintf(st->status, sizeof(st->status), "%s", json__get_string(v, "status") ?: "");
	st->netns = str__dup(json__get_string(v, "netns"));
	st->ifname = str__dup(json__get_string(v, "ifname"));
	st->cgroups = str__dup(json__get_string(v, "cgroups"));
	st->delegated = d && d->type == JSON_BOOL && d->boolean;
	if (!st->id || !st->bundle || !st->rootfs || !st->created || !st->netns || !st->ifname ||
	    !st->cgroups)
		return -1;
	return annotations__read(st, json__get(v, "annotations"));
}

int oci_state__load(const char *root, const char *id, struct oci_state *st, char *err,
		    size_t errlen)
{
	char path[PATH_MAX];
	struct json *v;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!oci_state__valid_id(id) ||
	    oci_state__path(path, sizeof(path), root, id, "state.json") < 0)
		return 1;
	if (access(path, F_OK) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 1 : -1;
	v = json__parse_file(path, err, errlen);
	if (!v)
		return -1;
	rc = state__from_json(st, v);
	json__free(v);
	if (rc < 0) {
		oci_state__free(st);
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}

void oci_state__free(struct oci_state *st)
{
	for (size_t i = 0; i < st->nann; i++) {
		free(st->ann_keys[i]);
		free(st->ann_values[i]);
	}
	free(st->ann_keys);
	free(st->ann_values);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->netns);
	free(st->ifname);
	free(st->cgroups);
	memset(st, 0, sizeof(*st));
}

bool oci_state__alive(const struct oci_state *st)
{
	return proc__alive(st->pid, st->pid_start);
}

/* The process's state letter (field 3 of /proc/PID/stat), or 0. */
static char proc__state(long pid)
{
	char buf[1024], c = 0;
	const char *p;

	if (proc__stat(pid, buf, sizeof(buf), &p) < 0 || sscanf(p + 1, " %c", &c) != 1)
		return 0;
	return c;
}

const char *oci_state__status(const struct oci_state *st)
{
	if (!oci_state__alive(st))
		return "stopped";
	if (strcmp(st->status, "paused") == 0 && proc__state(st->pid) == 'T')
		return "paused";
	if (strcmp(st->status, "created") == 0)
		return "created";
	return "running";
}

/* Remove what dirfd holds (one level: the state folder has no subfolders). */
static void dir__empty(int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd, e->d_name, 0);
	closedir(d);
}

int oci_state__remove(const char *root, const char *id, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	if (oci_state__path(path, sizeof(path), root, id, NULL) < 0)
		return snprintf(err, errlen, "%s/%s: path too long", root, id), -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		dir__empty(fd);
	if (rmdir(path) < 0 && errno != ENOENT)
		return snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno)), -1;
	return 0;
}
