/* The instances' state store: the state folder, ids and names, run/exit records, liveness. */
#include "instance.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pith/abi.h>

#include "cli.h"

uint64_t clock__realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Where the state lives, before creating it; NULL if nothing says. */
static const char *state__base(char *buf, size_t len)
{
	const char *env = getenv("PITH_STATE_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, len, "/run/pith");
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/pith", xdg);
	else
		return NULL;
	return buf;
}

int state__dir(char *buf, size_t len)
{
	static char dir[INSTANCE_PATH_MAX - 64];
	char names[INSTANCE_PATH_MAX];

	if (!dir[0]) {
		if (!state__base(dir, sizeof(dir))) {
			cli__error("no folder for the instances' state: set PITH_STATE_DIR or "
				   "XDG_RUNTIME_DIR");
			return -1;
		}
		snprintf(names, sizeof(names), "%s/names", dir);
		if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(names, 0700) < 0 && errno != EEXIST)) {
			cli__error("cannot create the state folder %s: %s", names, strerror(errno));
			dir[0] = 0;
			return -1;
		}
	}
	snprintf(buf, len, "%s", dir);
	return 0;
}

/* Read a whole (small) file into a malloc'd string; NULL if it cannot be read. */
static char *file__read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf && (r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (n + 1 == cap) {
			char *b = realloc(buf, cap *= 2);

			if (!b)
				free(buf);
			buf = b;
		}
	}
	close(fd);
	if (buf)
		buf[n] = 0;
	return buf;
}

/* Write text to dir/name through a temporary file and rename (atomic for readers). */
static int file__write_atomic(const char *dir, const char *name, const char *text)
{
	char tmp[INSTANCE_PATH_MAX + 32], path[INSTANCE_PATH_MAX + 16];
	size_t len = strlen(text);
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, name, (long)getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The value of key in key=value text, copied into buf ("" if absent). */
static const char *kv__get(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	buf[0] = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && l[klen] == '=') {
			const char *v = l + klen + 1, *e = strchrnul(v, '\n');
			size_t n = (size_t)(e - v) < len - 1 ? (size_t)(e - v) : len - 1;

			memcpy(buf, v, n);
			buf[n] = 0;
			break;
		}
	return buf;
}

static unsigned long long kv__ull(const char *text, const char *key)
{
	char buf[32];

	return strtoull(kv__get(text, key, buf, sizeof(buf)), NULL, 10);
}

const char *instance__get(const struct instance *inst, const char *key, char *buf, size_t len)
{
	return kv__get(inst->config, key, buf, len);
}

int instance__write_run(const char *dir, const struct instance_run *r)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "keeper_pid=%ld\nkeeper_start=%llu\nmonitor_pid=%ld\nmonitor_start=%llu\n"
		 "started=%llu\n",
		 r->keeper_pid, r->keeper_start, r->monitor_pid, r->monitor_start,
		 (unsigned long long)r->started);
	return file__write_atomic(dir, "run", text);
}

int instance__write_exit(const char *dir, const struct instance_exit *ex)
{
	char text[128];

	snprintf(text, sizeof(text), "status=%d\nsignal=%d\nfinished=%llu\n", ex->status,
		 ex->signal, (unsigned long long)ex->finished);
	return file__write_atomic(dir, "exit", text);
}

void instance__refresh(struct instance *inst)
{
	char path[INSTANCE_PATH_MAX + 16], buf[32];
	char *text;

	snprintf(path, sizeof(path), "%s/run", inst->dir);
	text = file__read(path);
	inst->has_run = text != NULL;
	if (text) {
		inst->run.keeper_pid = (long)kv__ull(text, "keeper_pid");
		inst->run.keeper_start = kv__ull(text, "keeper_start");
		inst->run.monitor_pid = (long)kv__ull(text, "monitor_pid");
		inst->run.monitor_start = kv__ull(text, "monitor_start");
		inst->run.started = kv__ull(text, "started");
		free(text);
	}
	snprintf(path, sizeof(path), "%s/exit", inst->dir);
	text = file__read(path);
	inst->has_exit = text != NULL;
	if (text) {
		inst->exit.status = atoi(kv__get(text, "status", buf, sizeof(buf)));
		inst->exit.signal = atoi(kv__get(text, "signal", buf, sizeof(buf)));
		inst->exit.finished = kv__ull(text, "finished");
		free(text);
	}
}

int instance__load(struct instance *inst, const char *id)
{
	char state[INSTANCE_PATH_MAX - 32], path[INSTANCE_PATH_MAX + 32];

	memset(inst, 0, sizeof(*inst));
	if (state__dir(state, sizeof(state)) < 0)
		return -1;
	snprintf(inst->id, sizeof(inst->id), "%s", id);
	snprintf(inst->dir, sizeof(inst->dir), "%s/%s", state, id);
	snprintf(path, sizeof(path), "%s/config", inst->dir);
	inst->config = file__read(path);
	if (!inst->config)
		return -1;
	instance__refresh(inst);
	return 0;
}

void instance__free(struct instance *inst)
{
	free(inst->config);
	inst->config = NULL;
}

/* A fresh random id, 12 hex digits. */
static void id__new(char id[INSTANCE_ID_LEN + 1])
{
	unsigned char b[INSTANCE_ID_LEN / 2];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		uint64_t t = clock__realtime_ns() ^ ((uint64_t)getpid() << 32);

		memcpy(b, &t, sizeof(b));
	}
	for (size_t i = 0; i < sizeof(b); i++) {
		id[2 * i] = "0123456789abcdef"[b[i] >> 4];
		id[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
	}
	id[INSTANCE_ID_LEN] = 0;
}

/* Claim name for id: the symlink names/<name> -> ../<id>. A stale claim (its instance folder
   gone) is taken over. 0, or PITH_EXIT_ERROR after printing who holds it. */
static int name__claim(const char *state, const char *name, const char *id)
{
	char link[INSTANCE_PATH_MAX + 80], target[INSTANCE_PATH_MAX], held[80];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/names/%s", state, name);
	snprintf(target, sizeof(target), "../%s", id);
	for (int tries = 0; tries < 2; tries++) {
		struct stat st;

		if (symlink(target, link) == 0)
			return 0;
		if (errno != EEXIST)
			return cli__error("cannot claim the name '%s': %s", name, strerror(errno));
		if (stat(link, &st) == 0)
			break;
		unlink(link); /* its instance is gone: the claim is stale */
	}
	n = readlink(link, held, sizeof(held) - 1);
	held[n > 3 ? n : 0] = 0;
	return cli__error("the name '%s' is already in use by instance %s; pith rm it or choose "
			  "another name",
			  name, n > 3 ? held + 3 : "?");
}

/* mkdir <state>/<id> with a fresh id; 0 or -1 after printing. */
static int instance__mkdir(struct instance *inst, const char *state)
{
	for (int tries = 0; tries < 8; tries++) {
		id__new(inst->id);
		snprintf(inst->dir, sizeof(inst->dir), "%s/%s", state, inst->id);
		if (mkdir(inst->dir, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	cli__error("cannot create %s: %s", inst->dir, strerror(errno));
	return -1;
}

int instance__create(struct instance *inst, const char *name, const char *config_text)
{
	char state[INSTANCE_PATH_MAX - 32];
	size_t len = strlen(config_text) + 128;
	char *text = malloc(len);

	memset(inst, 0, sizeof(*inst));
	if (!text || state__dir(state, sizeof(state)) < 0 || instance__mkdir(inst, state) < 0) {
		free(text);
		return PITH_EXIT_ERROR;
	}
	snprintf(text, len, "id=%s\nname=%s\n%s", inst->id, name ? name : "", config_text);
	if (file__write_atomic(inst->dir, "config", text) < 0) {
		cli__error("cannot write %s/config: %s", inst->dir, strerror(errno));
		rmdir(inst->dir);
		free(text);
		return PITH_EXIT_ERROR;
	}
	inst->config = text;
	if (name && name__claim(state, name, inst->id) != 0) {
		instance__remove_dir(inst->dir, NULL);
		instance__free(inst);
		return PITH_EXIT_ERROR;
	}
	return 0;
}

static bool id__valid(const char *s)
{
	size_t n = strlen(s);

	if (n != INSTANCE_ID_LEN)
		return false;
	return strspn(s, "0123456789abcdef") == n;
}

/* The id of the instance named name, in id; 0 or -1. */
static int name__lookup(const char *state, const char *name, char id[INSTANCE_ID_LEN + 1])
{
	char link[INSTANCE_PATH_MAX + 80], held[80];
	ssize_t n;

	if (strchr(name, '/') || name[0] == '.')
		return -1;
	snprintf(link, sizeof(link), "%s/names/%s", state, name);
	n = readlink(link, held, sizeof(held) - 1);
	if (n != 3 + INSTANCE_ID_LEN || strncmp(held, "../", 3) != 0)
		return -1;
	memcpy(id, held + 3, INSTANCE_ID_LEN);
	id[INSTANCE_ID_LEN] = 0;
	return 0;
}

/* The one id starting with prefix, in id: 0; -1 none; -2 several. */
static int id__by_prefix(const char *prefix, char id[INSTANCE_ID_LEN + 1])
{
	char **ids;
	int n = instance__list(&ids), found = 0;
	size_t plen = strlen(prefix);

	for (int i = 0; i < n; i++)
		if (strncmp(ids[i], prefix, plen) == 0) {
			if (found++ == 0)
				snprintf(id, INSTANCE_ID_LEN + 1, "%s", ids[i]);
		}
	instance__list_free(ids, n);
	return found == 1 ? 0 : found ? -2 : -1;
}

int instance__find(struct instance *inst, const char *ref)
{
	char state[INSTANCE_PATH_MAX], id[INSTANCE_ID_LEN + 1];
	int rc = -1;

	if (state__dir(state, sizeof(state)) < 0)
		return 1;
	if (name__lookup(state, ref, id) == 0) {
		rc = 0;
	} else if (id__valid(ref)) {
		snprintf(id, sizeof(id), "%s", ref);
		rc = 0;
	} else if (*ref && strspn(ref, "0123456789abcdef") == strlen(ref))
		rc = id__by_prefix(ref, id);
	if (rc == -2) {
		cli__error("instance id prefix '%s' is ambiguous; give more of the id", ref);
		return 1;
	}
	if (rc < 0 || instance__load(inst, id) < 0) {
		cli__error("no such instance: %s", ref);
		return 1;
	}
	return 0;
}

static int str__cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int instance__list(char ***ids)
{
	char state[INSTANCE_PATH_MAX];
	struct dirent *e;
	int n = 0, cap = 64;
	DIR *d;

	*ids = NULL;
	if (state__dir(state, sizeof(state)) < 0 || !(d = opendir(state)))
		return -1;
	*ids = malloc(sizeof(char *) * (size_t)cap);
	while (*ids && (e = readdir(d))) {
		if (!id__valid(e->d_name))
			continue;
		if (n == cap) {
			char **more = realloc(*ids, sizeof(char *) * (size_t)(cap *= 2));

			if (!more)
				break;
			*ids = more;
		}
		(*ids)[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (*ids)
		qsort(*ids, (size_t)n, sizeof(char *), str__cmp);
	return n;
}

void instance__list_free(char **ids, int n)
{
	for (int i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Signal numbers and names (signal(7)), for ps's "killed (SIGKILL)" and kill -s. */
static const struct {
	int sig;
	const char *name;
} signal_names[] = {{SIGHUP, "HUP"},   {SIGINT, "INT"},	   {SIGQUIT, "QUIT"}, {SIGILL, "ILL"},
		    {SIGTRAP, "TRAP"}, {SIGABRT, "ABRT"},  {SIGBUS, "BUS"},   {SIGFPE, "FPE"},
		    {SIGKILL, "KILL"}, {SIGUSR1, "USR1"},  {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"},
		    {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"},  {SIGTERM, "TERM"}, {SIGCHLD, "CHLD"},
		    {SIGCONT, "CONT"}, {SIGSTOP, "STOP"},  {SIGTSTP, "TSTP"}, {SIGTTIN, "TTIN"},
		    {SIGTTOU, "TTOU"}, {SIGURG, "URG"},	   {SIGXCPU, "XCPU"}, {SIGXFSZ, "XFSZ"},
		    {SIGSYS, "SYS"},   {SIGWINCH, "WINCH"}};

const char *signal__name(int sig, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].sig == sig) {
			snprintf(buf, len, "SIG%s", signal_names[i].name);
			return buf;
		}
	snprintf(buf, len, "signal %d", sig);
	return buf;
}

int signal__parse(const char *text)
{
	char *end;
	long n;

	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (strcasecmp(text, signal_names[i].name) == 0)
			return signal_names[i].sig;
	n = strtol(text, &end, 10);
	return *text && !*end && n > 0 && n < 65 ? (int)n : -1;
}

int proc__stat(long pid, char *buf, size_t len, const char **comm_end)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*comm_end = strrchr(buf, ')');
	return *comm_end ? 0 : -1;
}

int proc__start_time(long pid, unsigned long long *start)
{
	char buf[1024], st;
	const char *p;

	/* after ')': state (field 3), then fields 4..21, then starttime (22) */
	if (proc__stat(pid, buf, sizeof(buf), &p) < 0 ||
	    sscanf(p + 1,
		   " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %llu",
		   &st, start) != 2)
		return -1;
	return st == 'Z' || st == 'X' ? -1 : 0;
}

bool proc__alive(long pid, unsigned long long start)
{
	unsigned long long now;

	return pid > 0 && proc__start_time(pid, &now) == 0 && now == start;
}

bool instance__monitor_alive(const struct instance *inst)
{
	return inst->has_run && proc__alive(inst->run.monitor_pid, inst->run.monitor_start);
}

bool instance__keeper_alive(const struct instance *inst)
{
	return inst->has_run && proc__alive(inst->run.keeper_pid, inst->run.keeper_start);
}

/* No run record yet: starting if recent (the keeper writes it within a moment), else dead. */
static enum instance_state instance__unstarted(const struct instance *inst)
{
	uint64_t created = kv__ull(inst->config, "created");

	return clock__realtime_ns() - created < 30000000000ULL ? INSTANCE_STARTING : INSTANCE_DEAD;
}

enum instance_state instance__state(struct instance *inst)
{
	if (inst->has_exit)
		return inst->exit.status < 0 ? INSTANCE_DEAD : INSTANCE_EXITED;
	if (!inst->has_run)
		return instance__unstarted(inst);
	if (instance__monitor_alive(inst))
		return INSTANCE_RUNNING;
	/* The monitor is gone: a live keeper records its exit within moments. */
	for (int i = 0; i < 20 && !inst->has_exit && instance__keeper_alive(inst); i++) {
		usleep(5000);
		instance__refresh(inst);
	}
	if (inst->has_exit)
		return inst->exit.status < 0 ? INSTANCE_DEAD : INSTANCE_EXITED;
	return INSTANCE_DEAD;
}

const char *instance__state_text(struct instance *inst, char *buf, size_t len)
{
	static const char *const names[] = {"starting", "running", "exited", "dead"};
	enum instance_state s = instance__state(inst);
	char sig[32];

	if (s == INSTANCE_EXITED && inst->exit.signal > 0)
		snprintf(buf, len, "killed (%s)",
			 signal__name(inst->exit.signal, sig, sizeof(sig)));
	else if (s == INSTANCE_EXITED)
		snprintf(buf, len, "exited (%d)", inst->exit.status);
	else
		snprintf(buf, len, "%s", names[s]);
	return buf;
}

int instance__wait_end(struct instance *inst, uint64_t timeout_ns)
{
	uint64_t t0 = clock__realtime_ns();

	for (;;) {
		instance__refresh(inst);
		if (inst->has_exit)
			return 0;
		if (!instance__monitor_alive(inst) && !instance__keeper_alive(inst)) {
			struct instance_exit ex = {-1, 0, clock__realtime_ns()};

			instance__refresh(inst); /* the keeper may have written it just now */
			if (!inst->has_exit && instance__write_exit(inst->dir, &ex) == 0)
				instance__refresh(inst);
			return 0;
		}
		if (clock__realtime_ns() - t0 >= timeout_ns)
			return -1;
		usleep(10000);
	}
}

int instance__remove_dir(const char *dir, const char *id)
{
	char path[INSTANCE_PATH_MAX + 300], name[80], state[INSTANCE_PATH_MAX], held[80];
	char *config;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/config", dir);
	config = file__read(path);
	kv__get(config, "name", name, sizeof(name));
	free(config);
	if (id && name[0] && state__dir(state, sizeof(state)) == 0 &&
	    name__lookup(state, name, held) == 0 && strcmp(held, id) == 0) {
		snprintf(path, sizeof(path), "%s/names/%s", state, name);
		unlink(path);
	}
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	return rmdir(dir) < 0 && errno != ENOENT ? -1 : 0;
}

int instance__remove(const struct instance *inst)
{
	return instance__remove_dir(inst->dir, inst->id);
}

const char *instance__log_path(const struct instance *inst, char *buf, size_t len)
{
	snprintf(buf, len, "%s/log", inst->dir);
	return buf;
}
