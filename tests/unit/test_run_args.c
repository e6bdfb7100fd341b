/* Unit tests of `pith run` argument parsing: options, image, guest argv and environment. */
#include <string.h>

#include <pith/abi.h>

#include "run_args.h"
#include "test.h"

static char *host_env[] = {"HOME=/root", "TERM=xterm", "EMPTY=", "LANG=C.UTF-8", NULL};

/* Parse a NULL-terminated list of arguments (those after "run"). */
static int parse(struct vmm_config *cfg, char *err, char **args)
{
	int n = 0;

	while (args[n])
		n++;
	err[0] = 0;
	return run_args__parse(cfg, n, args, host_env, err, 256);
}

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})

/* Guest argv/envp as one string, "a|b|c", for compact comparisons. */
static const char *join(int n, char *const *v)
{
	static char buf[1024];

	buf[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, v[i]);
	}
	return buf;
}

static void expect(char **args, const char *argv_want, const char *env_want)
{
	struct vmm_config cfg;
	char err[256];

	if (!CHECKF(parse(&cfg, err, args) == RUN_ARGS_OK, "%s: %s", argv_want, err))
		return;
	CHECK_STR(join(cfg.argc, cfg.argv), argv_want);
	CHECK(cfg.argv[cfg.argc] == NULL);
	CHECK_STR(join(cfg.envc, cfg.envp), env_want);
	CHECK(cfg.envp[cfg.envc] == NULL);
	CHECK_STR(cfg.image_path, cfg.argv[0]);
	run_args__free(&cfg);
}

static void expect_error(char **args, const char *want)
{
	struct vmm_config cfg;
	char err[256];

	CHECK(parse(&cfg, err, args) == RUN_ARGS_ERROR);
	CHECK_STR(err, want);
}

static void test_argv(void)
{
	expect(ARGS("hello.pith"), "hello.pith", "");
	expect(ARGS("hello.pith", "one", "two"), "hello.pith|one|two", "");
	expect(ARGS("hello.pith", "--", "one"), "hello.pith|one", "");
	expect(ARGS("--", "hello.pith", "one"), "hello.pith|one", "");
	expect(ARGS("--", "hello.pith", "--", "one"), "hello.pith|one", "");
	expect(ARGS("hello.pith", "--", "--", "x"), "hello.pith|--|x", "");
	expect(ARGS("hello.pith", "--mem", "4M", "-e", "X=1"), "hello.pith|--mem|4M|-e|X=1", "");
	expect(ARGS("--", "--odd-name.pith"), "--odd-name.pith", "");
	expect(ARGS("./dir/x.pith", "a b", ""), "./dir/x.pith|a b|", "");
	expect(ARGS("-"), "-", "");
}

static void test_env(void)
{
	expect(ARGS("-e", "A=1", "img"), "img", "A=1");
	expect(ARGS("-eA=1", "--env", "B=2", "--env=C=3", "img"), "img", "A=1|B=2|C=3");
	expect(ARGS("-e", "HOME", "-e", "LANG", "img"), "img", "HOME=/root|LANG=C.UTF-8");
	expect(ARGS("-e", "NOT_SET", "img"), "img", "");
	expect(ARGS("-e", "EMPTY", "-e", "Z=", "img"), "img", "EMPTY=|Z=");
	expect(ARGS("-e", "A=1", "-e", "A=2", "img"), "img", "A=2");
	expect(ARGS("-e", "A=1", "-e", "AB=3", "-e", "A=x=y", "img"), "img", "A=x=y|AB=3");
	expect(ARGS("-e", "HOM", "img"), "img", ""); /* a prefix of HOME is not HOME */
	expect(ARGS("-e", "TERM=dumb", "-e", "TERM", "img"), "img", "TERM=xterm");
}

static void test_options(void)
{
	struct vmm_config cfg;
	char err[256];

	CHECK(parse(&cfg, err, ARGS("img")) == RUN_ARGS_OK);
	CHECK_U64(cfg.mem_size, 64ULL << 20);
	CHECK(!cfg.trace && !cfg.verbose && !cfg.selftest_seccomp && cfg.compat_kernel == NULL);
	run_args__free(&cfg);
	CHECK(parse(&cfg, err, ARGS("--mem", "4M", "--trace", "--verbose", "img", "--trace")) == 0);
	CHECK(cfg.mem_size == 4ULL << 20 && cfg.trace && cfg.verbose && !cfg.selftest_seccomp);
	CHECK(cfg.argc == 2 && strcmp(cfg.argv[1], "--trace") == 0);
	run_args__free(&cfg);
	CHECK(parse(&cfg, err, ARGS("--mem=1G", "--mem", "2G", "--selftest-seccomp", "img")) == 0);
	CHECK(cfg.mem_size == 2ULL << 30 && cfg.selftest_seccomp);
	run_args__free(&cfg);
	CHECK(parse(&cfg, err, ARGS("--help")) == RUN_ARGS_HELP);
	CHECK(parse(&cfg, err, ARGS("--trace", "-h", "img")) == RUN_ARGS_HELP);
}

static void test_errors(void)
{
	expect_error(ARGS("x") + 1, "run: no image given; see 'pith help'");
	expect_error(ARGS("--trace"), "run: no image given; see 'pith help'");
	expect_error(ARGS("--"), "run: no image given; see 'pith help'");
	expect_error(ARGS("--mem"), "run: --mem needs a size, e.g. --mem 64M; see 'pith help'");
	expect_error(ARGS("-e"), "run: -e needs NAME=VALUE or NAME; see 'pith help'");
	expect_error(ARGS("--env"), "run: --env needs NAME=VALUE or NAME; see 'pith help'");
	expect_error(ARGS("--bogus", "img"), "run: unknown option '--bogus'; see 'pith help'");
	expect_error(ARGS("--memory=4M", "img"),
		     "run: unknown option '--memory=4M'; see 'pith help'");
	expect_error(ARGS("-x", "img"), "run: unknown option '-x'; see 'pith help'");
	expect_error(ARGS("--mem", "512", "img"), "--mem 512: missing unit; write e.g. 512M or 2G");
	expect_error(ARGS("--mem=1T", "img"), "--mem 1T: too large; the most Pith supports is 4G");
	expect_error(ARGS("-e", "=x", "img"), "-e '=x': empty variable name; write -e NAME=VALUE");
	expect_error(ARGS("-e", "", "img"), "-e '': empty variable name; write -e NAME=VALUE");
}

int main(void)
{
	test_argv();
	test_env();
	test_options();
	test_errors();
	return test__done();
}
