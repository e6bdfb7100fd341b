/* pith ps: the instances, one line each (id, name, image, state, uptime, memory, RSS, ports). */
#include "cli.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"

/* One process of the host, as much of /proc/PID/stat as ps needs. */
struct proc_info {
	long pid, ppid, rss_pages;
	char comm[32];
};

/* The host's processes (read once per ps), for the RSS of the monitors and their passt. */
struct proc_table {
	struct proc_info *p;
	int n;
};

static int proc__read(long pid, struct proc_info *pi)
{
	char buf[1024];
	const char *open_paren, *close_paren;

	if (proc__stat(pid, buf, sizeof(buf), &close_paren) < 0)
		return -1;
	open_paren = strchr(buf, '(');
	if (!open_paren || close_paren < open_paren)
		return -1;
	snprintf(pi->comm, sizeof(pi->comm), "%.*s", (int)(close_paren - open_paren - 1),
		 open_paren + 1);
	pi->pid = pid;
	/* after ')': state (3), ppid (4), ..., rss (24) */
	return sscanf(
		   close_paren + 1,
		   " %*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %ld",
		   &pi->ppid, &pi->rss_pages) == 2
		   ? 0
		   : -1;
}

static void proc_table__load(struct proc_table *t)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int cap = 0;

	t->p = NULL;
	t->n = 0;
	while (d && (e = readdir(d))) {
		long pid = strtol(e->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		if (t->n == cap) {
			struct proc_info *more =
			    realloc(t->p, sizeof(*more) * (size_t)(cap = cap * 2 + 256));

			if (!more)
				break;
			t->p = more;
		}
		if (proc__read(pid, &t->p[t->n]) == 0)
			t->n++;
	}
	if (d)
		closedir(d);
}

/* The RSS in KiB of the monitor and its children of another program (passt; the monitor's
   helper shares its memory and its name, so it is not counted twice). */
static long long rss__kib(const struct proc_table *t, long monitor)
{
	long page_kib = sysconf(_SC_PAGESIZE) / 1024;
	const struct proc_info *m = NULL;
	long long pages = 0;

	for (int i = 0; i < t->n; i++)
		if (t->p[i].pid == monitor)
			m = &t->p[i];
	if (!m)
		return -1;
	pages = m->rss_pages;
	for (int i = 0; i < t->n; i++)
		if (t->p[i].ppid == monitor && strcmp(t->p[i].comm, m->comm) != 0)
			pages += t->p[i].rss_pages;
	return pages * page_kib;
}

/* 3s, 2m10s, 1h2m, 3d4h */
static const char *duration__text(uint64_t ns, char *buf, size_t len)
{
	unsigned long long s = ns / 1000000000ULL;

	if (s < 60)
		snprintf(buf, len, "%llus", s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%llud%lluh", s / 86400, s / 3600 % 24);
	return buf;
}

/* 64M, 1G, 512K */
static const char *mem__text(unsigned long long bytes, char *buf, size_t len)
{
	if (bytes && bytes % (1ULL << 30) == 0)
		snprintf(buf, len, "%lluG", bytes >> 30);
	else if (bytes && bytes % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", bytes >> 20);
	else
		snprintf(buf, len, "%lluK", bytes >> 10);
	return buf;
}

/* 3.1M, 900K */
static const char *rss__text(long long kib, char *buf, size_t len)
{
	if (kib < 0)
		snprintf(buf, len, "-");
	else if (kib < 1024)
		snprintf(buf, len, "%lldK", kib);
	else if (kib < 1024 * 1024)
		snprintf(buf, len, "%.1fM", kib / 1024.0);
	else
		snprintf(buf, len, "%.1fG", kib / (1024.0 * 1024.0));
	return buf;
}

#define PS_COLS 8

/* One line of the table. */
struct ps_row {
	char col[PS_COLS][320];
	unsigned long long created;
};

static const char *const ps_header[PS_COLS] = {"ID",	 "NAME", "IMAGE", "STATE",
					       "UPTIME", "MEM",	 "RSS",	  "PORTS"};

/* UPTIME: how long it has run, or how long ago it ended. */
static void row__uptime(struct ps_row *r, const struct instance *inst, enum instance_state s)
{
	uint64_t now = clock__realtime_ns();
	char d[32];

	if (s == INSTANCE_RUNNING && inst->has_run)
		duration__text(now - inst->run.started, r->col[4], sizeof(r->col[4]));
	else if (inst->has_exit && inst->exit.finished)
		snprintf(r->col[4], sizeof(r->col[4]), "%s ago",
			 duration__text(now - inst->exit.finished, d, sizeof(d)));
	else
		snprintf(r->col[4], sizeof(r->col[4]), "-");
}

static void row__fill(struct ps_row *r, struct instance *inst, const struct proc_table *t)
{
	enum instance_state s = instance__state(inst);
	char v[INSTANCE_PATH_MAX];
	const char *slash;

	snprintf(r->col[0], sizeof(r->col[0]), "%s", inst->id);
	instance__get(inst, "name", v, sizeof(v));
	snprintf(r->col[1], sizeof(r->col[1]), "%.300s", v[0] ? v : "-");
	instance__get(inst, "image", v, sizeof(v));
	slash = strrchr(v, '/');
	snprintf(r->col[2], sizeof(r->col[2]), "%.300s", slash ? slash + 1 : v);
	instance__state_text(inst, r->col[3], sizeof(r->col[3]));
	row__uptime(r, inst, s);
	mem__text(strtoull(instance__get(inst, "mem", v, sizeof(v)), NULL, 10), r->col[5],
		  sizeof(r->col[5]));
	rss__text(s == INSTANCE_RUNNING ? rss__kib(t, inst->run.monitor_pid) : -1, r->col[6],
		  sizeof(r->col[6]));
	instance__get(inst, "ports", v, sizeof(v));
	snprintf(r->col[7], sizeof(r->col[7]), "%.300s", v[0] ? v : "-");
	r->created = strtoull(instance__get(inst, "created", v, sizeof(v)), NULL, 10);
}

static int row__newest_first(const void *a, const void *b)
{
	const struct ps_row *x = a, *y = b;

	return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

static void rows__print(struct ps_row *rows, int n)
{
	size_t w[PS_COLS];

	for (int c = 0; c < PS_COLS; c++) {
		w[c] = strlen(ps_header[c]);
		for (int i = 0; i < n; i++)
			if (strlen(rows[i].col[c]) > w[c])
				w[c] = strlen(rows[i].col[c]);
	}
	for (int i = -1; i < n; i++) {
		for (int c = 0; c < PS_COLS - 1; c++)
			printf("%-*s  ", (int)w[c], i < 0 ? ps_header[c] : rows[i].col[c]);
		printf("%s\n", i < 0 ? ps_header[PS_COLS - 1] : rows[i].col[PS_COLS - 1]);
	}
}

/* The table's rows (the running instances, or all) in *rows; their count. */
static int rows__collect(struct ps_row **rows, bool all)
{
	struct proc_table t;
	char **ids;
	int n = instance__list(&ids), k = 0;

	if (n < 0)
		return -1;
	proc_table__load(&t);
	*rows = calloc((size_t)n + 1, sizeof(**rows));
	for (int i = 0; *rows && i < n; i++) {
		struct instance inst;
		enum instance_state s;

		if (instance__load(&inst, ids[i]) < 0)
			continue; /* removed meanwhile */
		s = instance__state(&inst);
		if (all || s == INSTANCE_RUNNING || s == INSTANCE_STARTING)
			row__fill(&(*rows)[k++], &inst, &t);
		instance__free(&inst);
	}
	free(t.p);
	instance__list_free(ids, n);
	qsort(*rows, (size_t)k, sizeof(**rows), row__newest_first);
	return *rows ? k : -1;
}

int ps_cmd__main(int argc, char **argv)
{
	bool all = false, quiet = false;
	struct ps_row *rows;
	int n;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cli__help();
			return 0;
		}
		if (a[0] != '-' || a[1] == 0 || strspn(a + 1, "aq") != strlen(a + 1)) {
			if (strcmp(a, "--all") == 0 || strcmp(a, "--quiet") == 0) {
				all |= a[2] == 'a';
				quiet |= a[2] == 'q';
				continue;
			}
			return cli__usage_error("ps: unknown argument '%s'", a);
		}
		all |= strchr(a, 'a') != NULL;
		quiet |= strchr(a, 'q') != NULL;
	}
	n = rows__collect(&rows, all);
	if (n < 0)
		return 1;
	if (quiet)
		for (int i = 0; i < n; i++)
			printf("%s\n", rows[i].col[0]);
	else
		rows__print(rows, n);
	free(rows);
	return 0;
}
