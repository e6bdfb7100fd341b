/* The arguments of `pith run`: options, the image, the guest's argv and environment. */
#include "run_args.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pith/abi.h>

#include "size.h"

struct parser {
	struct vmm_config *cfg;
	struct run_ops *ops; /* NULL: the operations options are unknown ones */
	char **env; /* the guest environment being built: entries point into argv or host_env */
	int envc;
	char *const *host_env;
	struct run_net_args net;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return RUN_ARGS_ERROR;
}

/* The host's "NAME=value" entry for the namelen-byte name, or NULL if it is unset. */
static char *host_lookup(char *const *host_env, const char *name, size_t namelen)
{
	for (; host_env && *host_env; host_env++)
		if (strncmp(*host_env, name, namelen) == 0 && (*host_env)[namelen] == '=')
			return *host_env;
	return NULL;
}

/* Add "NAME=value" to the guest environment, replacing an earlier entry for the same NAME. */
static void env_set(struct parser *p, char *entry, size_t namelen)
{
	for (int i = 0; i < p->envc; i++)
		if (strncmp(p->env[i], entry, namelen + 1) == 0) {
			p->env[i] = entry;
			return;
		}
	p->env[p->envc++] = entry;
}

/* One -e argument: NAME=VALUE, or NAME to copy from the host environment. */
static int take_env(struct parser *p, char *spec)
{
	char *eq = strchr(spec, '=');
	size_t namelen = eq ? (size_t)(eq - spec) : strlen(spec);
	char *entry = eq ? spec : host_lookup(p->host_env, spec, namelen);

	if (namelen == 0)
		return fail(p, "-e '%s': empty variable name; write -e NAME=VALUE", spec);
	if (entry)
		env_set(p, entry, namelen);
	return RUN_ARGS_OK;
}

static int take_mem(struct parser *p, const char *text)
{
	return size__parse("--mem", text, PITH_MEM_MIN, PITH_MEM_MAX, &p->cfg->mem_size, p->err,
			   p->errlen) < 0
		   ? RUN_ARGS_ERROR
		   : RUN_ARGS_OK;
}

/* Units of --timeslice, in nanoseconds. */
static const struct {
	const char *name;
	uint64_t ns;
} duration_units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};

/* Digits then a unit, as "10ms"; no sign, fraction or space. 0 with *ns set, else -1. */
static int duration__parse(const char *text, uint64_t *ns, const char **unit)
{
	uint64_t n = 0;
	const char *s = text;

	for (; *s >= '0' && *s <= '9'; s++)
		if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, *s - '0', &n))
			n = UINT64_MAX; /* saturates: refused as too long below */
	*unit = s;
	if (s == text)
		return -1;
	for (size_t u = 0; u < sizeof(duration_units) / sizeof(duration_units[0]); u++)
		if (strcmp(s, duration_units[u].name) == 0) {
			if (__builtin_mul_overflow(n, duration_units[u].ns, ns))
				*ns = UINT64_MAX;
			return 0;
		}
	return -1;
}

static int take_timeslice(struct parser *p, const char *text)
{
	const char *unit;
	uint64_t ns;

	if (duration__parse(text, &ns, &unit) < 0) {
		if (unit == text)
			return fail(p, "--timeslice '%s': not a duration; write e.g. 10ms or 500us",
				    text);
		if (*unit == '.')
			return fail(p,
				    "--timeslice %s: no fractions; use a smaller unit, e.g. 1500us",
				    text);
		if (*unit)
			return fail(p,
				    "--timeslice %s: unknown unit '%s'; use ns, us, ms or s, e.g. "
				    "10ms",
				    text, unit);
		return fail(p, "--timeslice %s: missing unit; write e.g. 10ms or 500us", text);
	}
	if (ns == 0)
		return fail(p, "--timeslice %s: must be longer than 0; write e.g. 10ms", text);
	if (ns > RUN_ARGS_TIMESLICE_MAX)
		return fail(p, "--timeslice %s: longer than the maximum, 10s; write e.g. 10ms",
			    text);
	p->cfg->timeslice_ns = ns;
	return RUN_ARGS_OK;
}

int run_args__option_value(int argc, char **argv, int *i, const char *lopt, const char *sopt,
			   char **val)
{
	char *a = argv[*i];
	size_t llen = strlen(lopt);

	if (strcmp(a, lopt) == 0 || (sopt && strcmp(a, sopt) == 0)) {
		if (*i + 1 >= argc)
			return -1;
		*val = argv[++*i];
		return 1;
	}
	if (strncmp(a, lopt, llen) == 0 && a[llen] == '=') {
		*val = a + llen + 1;
		return 1;
	}
	if (sopt && strncmp(a, sopt, strlen(sopt)) == 0) {
		*val = a + strlen(sopt);
		return 1;
	}
	return 0;
}

/* A flag without a value; returns 1 if argv[i] was one. */
static int take_flag(struct parser *p, const char *a)
{
	if (strcmp(a, "--trace") == 0)
		p->cfg->trace = true;
	else if (strcmp(a, "--verbose") == 0)
		p->cfg->verbose = true;
	else if (strcmp(a, "--stats") == 0)
		p->cfg->stats = true;
	else if (strcmp(a, "--selftest-seccomp") == 0) /* hidden: a test hook, see vmm.h */
		p->cfg->selftest_seccomp = true;
	else
		return 0;
	return 1;
}

int run_args__duration(const char *text, uint64_t *ns)
{
	const char *unit;

	if (strcmp(text, "0") == 0) {
		*ns = 0;
		return 0;
	}
	return duration__parse(text, ns, &unit);
}

bool run_args__valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > RUN_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

/* -d, --name, --rm: 1 taken, 0 not one of them, RUN_ARGS_ERROR (message in err). */
static int take_ops_option(struct parser *p, int argc, char **argv, int *i)
{
	char *a = argv[*i], *val = NULL;
	int m;

	if (!p->ops)
		return 0;
	if (strcmp(a, "-d") == 0 || strcmp(a, "--detach") == 0) {
		p->ops->detach = true;
		return 1;
	}
	if (strcmp(a, "--rm") == 0) {
		p->ops->rm = true;
		return 1;
	}
	m = run_args__option_value(argc, argv, i, "--name", NULL, &val);
	if (m < 0)
		return fail(p, "run: --name needs a name, e.g. --name web1; see 'pith help'");
	if (m == 0)
		return 0;
	if (!run_args__valid_name(val))
		return fail(p,
			    "run: --name '%s': a name is a letter or digit, then letters, digits, "
			    "'_', '.' or '-', at most %d characters",
			    val, RUN_NAME_MAX);
	p->ops->name = val;
	return 1;
}

/* The option at argv[*i] (an argument starting with '-', before the image). */
static int take_option(struct parser *p, int argc, char **argv, int *i)
{
	char *a = argv[*i], *val = NULL;
	int m;

	if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
		return RUN_ARGS_HELP;
	if (take_flag(p, a))
		return RUN_ARGS_OK;
	m = take_ops_option(p, argc, argv, i);
	if (m != 0)
		return m > 0 ? RUN_ARGS_OK : RUN_ARGS_ERROR;
	m = run_args__option_value(argc, argv, i, "--mem", NULL, &val);
	if (m > 0)
		return take_mem(p, val);
	if (m < 0)
		return fail(p, "run: --mem needs a size, e.g. --mem 64M; see 'pith help'");
	m = run_args__option_value(argc, argv, i, "--timeslice", NULL, &val);
	if (m > 0)
		return take_timeslice(p, val);
	if (m < 0)
		return fail(p,
			    "run: --timeslice needs a duration, e.g. --timeslice 10ms; see 'pith "
			    "help'");
	m = run_args__option_value(argc, argv, i, "--env", "-e", &val);
	if (m > 0)
		return take_env(p, val);
	if (m < 0)
		return fail(p, "run: %s needs NAME=VALUE or NAME; see 'pith help'", a);
	m = run_net_args__take(&p->net, argc, argv, i);
	if (m != 0)
		return m > 0 ? RUN_ARGS_OK : RUN_ARGS_ERROR;
	m = run_disk_args__take(&p->cfg->blk, argc, argv, i, p->err, p->errlen);
	if (m != 0)
		return m > 0 ? RUN_ARGS_OK : RUN_ARGS_ERROR;
	return fail(p, "run: unknown option '%s'; see 'pith help'", a);
}

/* The guest's argv: the image path as given, then everything from argv[first] on. */
static int take_guest_args(struct parser *p, int argc, char **argv, int image, int first)
{
	char **gargv = calloc((size_t)(argc - first) + 2, sizeof(*gargv));

	if (!gargv)
		return fail(p, "out of memory for the guest's arguments");
	gargv[0] = argv[image];
	for (int j = first; j < argc; j++)
		gargv[1 + j - first] = argv[j];
	p->cfg->image_path = argv[image];
	p->cfg->argc = 1 + argc - first;
	p->cfg->argv = gargv;
	return RUN_ARGS_OK;
}

/* Options up to the image (or "--"), then the image and the guest's arguments. */
static int parse_all(struct parser *p, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		int rc;

		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == 0)
			break;
		rc = take_option(p, argc, argv, &i);
		if (rc != RUN_ARGS_OK)
			return rc;
	}
	if (i >= argc)
		return fail(p, "run: no image given; see 'pith help'");
	if (run_net_args__finish(&p->net) < 0 ||
	    run_disk_args__finish(&p->cfg->blk, p->err, p->errlen) < 0)
		return RUN_ARGS_ERROR;
	return take_guest_args(p, argc, argv, i,
			       i + 1 < argc && strcmp(argv[i + 1], "--") == 0 ? i + 2 : i + 1);
}

int run_args__parse(struct vmm_config *cfg, int argc, char **argv, char *const *host_env, char *err,
		    size_t errlen)
{
	return run_args__parse_ops(cfg, NULL, argc, argv, host_env, err, errlen);
}

int run_args__parse_ops(struct vmm_config *cfg, struct run_ops *ops, int argc, char **argv,
			char *const *host_env, char *err, size_t errlen)
{
	struct parser p = {
	    .cfg = cfg, .ops = ops, .host_env = host_env, .err = err, .errlen = errlen};
	int rc;

	if (ops)
		*ops = (struct run_ops){0};
	memset(cfg, 0, sizeof(*cfg));
	cfg->net.tap_fd = -1;
	cfg->ready_fd = -1;
	p.net = (struct run_net_args){.cfg = &cfg->net, .err = err, .errlen = errlen};
	cfg->mem_size = RUN_ARGS_DEFAULT_MEM;
	cfg->timeslice_ns = RUN_ARGS_DEFAULT_TIMESLICE;
	p.env = calloc((size_t)argc + 1, sizeof(*p.env));
	if (!p.env)
		return fail(&p, "out of memory for the guest's environment");
	rc = parse_all(&p, argc, argv);
	if (rc != RUN_ARGS_OK) {
		free(p.env);
		run_args__free(cfg);
		return rc;
	}
	cfg->envc = p.envc;
	cfg->envp = p.env;
	return RUN_ARGS_OK;
}

void run_args__free(struct vmm_config *cfg)
{
	free((void *)cfg->argv);
	free((void *)cfg->envp);
	run_disk_args__free(&cfg->blk);
	cfg->argv = NULL;
	cfg->envp = NULL;
	cfg->argc = cfg->envc = 0;
}
