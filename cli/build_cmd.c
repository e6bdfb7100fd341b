/* pith build: compile and link C sources into a Pith image by running pith-cc. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pith/abi.h>

struct build_args {
	const char *out;       /* -o OUT, or the default */
	char *default_out;     /* allocated when there is no -o */
	const char *first_src; /* the first argument ending in .c */
	char **cc_argv;	       /* "pith-cc", "-O2", "-o", OUT, then every other argument, NULL */
	int cc_argc;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Split -o OUT (or -oOUT) from the arguments for pith-cc; 1 for --help, -1 on a usage error. */
static int parse_args(struct build_args *b, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		if (strcmp(a, "-o") == 0 && i + 1 >= argc) {
			cli__usage_error("build: -o needs a file name");
			return -1;
		}
		if (strncmp(a, "-o", 2) == 0) {
			b->out = a[2] ? a + 2 : argv[++i];
			continue;
		}
		if (!b->first_src && a[0] != '-' && ends_with(a, ".c"))
			b->first_src = a;
		b->cc_argv[b->cc_argc++] = argv[i];
	}
	return 0;
}

/* OUT by default: the first source's base name, .c replaced by .pith, in the current folder. */
static char *default_out(const char *src)
{
	const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	size_t stem = strlen(base) - 2;
	char *out = malloc(stem + sizeof(".pith"));

	if (out)
		snprintf(out, stem + sizeof(".pith"), "%.*s.pith", (int)stem, base);
	return out;
}

/* pith-cc and the toolchain it uses must both be where make puts them. */
static int find_toolchain(char *cc, size_t len)
{
	char lib[PATH_MAX];
	struct stat st;

	if (cli__prefix_path(lib, sizeof(lib), "lib/pith") < 0 ||
	    cli__prefix_path(cc, len, "bin/pith-cc") < 0)
		return -1;
	if (stat(lib, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cli__error("toolchain not found at %s; run make", lib);
		return -1;
	}
	if (access(cc, X_OK) < 0) {
		cli__error("pith-cc not found at %s; run make", cc);
		return -1;
	}
	return 0;
}

/* Run cc with argv and wait; pith-cc's own exit status, or PITH_EXIT_ERROR if it died. */
static int run_compiler(const char *cc, char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return cli__error("cannot start %s: %s; try again", cc, strerror(errno));
	if (pid == 0) {
		execv(cc, argv);
		fprintf(stderr, "pith: cannot run %s: %s; run make\n", cc, strerror(errno));
		_exit(PITH_EXIT_ERROR);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli__error("lost track of %s: %s", cc, strerror(errno));
	if (WIFSIGNALED(status))
		return cli__error("%s was killed by signal %d", cc, WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* OUT when there is no -o; -1 after a message if there is no source to name it after. */
static int choose_out(struct build_args *b)
{
	if (b->cc_argc == 4) {
		cli__usage_error("build: no source files given");
		return -1;
	}
	if (b->out)
		return 0;
	if (!b->first_src) {
		cli__usage_error("build: no .c source to name the image after; give -o OUT");
		return -1;
	}
	b->out = b->default_out = default_out(b->first_src);
	if (!b->out) {
		cli__error("out of memory");
		return -1;
	}
	return 0;
}

static int build(struct build_args *b)
{
	char cc[PATH_MAX];

	if (choose_out(b) < 0 || find_toolchain(cc, sizeof(cc)) < 0)
		return PITH_EXIT_ERROR;
	b->cc_argv[0] = "pith-cc";
	b->cc_argv[1] = "-O2";
	b->cc_argv[2] = "-o";
	b->cc_argv[3] = (char *)b->out;
	return run_compiler(cc, b->cc_argv);
}

int build_cmd__main(int argc, char **argv)
{
	struct build_args b = {.cc_argc = 4}; /* cc_argv[0..3] are set once OUT is known */
	int rc;

	b.cc_argv = calloc((size_t)argc + 5, sizeof(*b.cc_argv));
	if (!b.cc_argv)
		return cli__error("out of memory");
	rc = parse_args(&b, argc, argv);
	if (rc == 0) {
		rc = build(&b);
	} else if (rc > 0) {
		cli__help();
		rc = 0;
	} else {
		rc = PITH_EXIT_ERROR;
	}
	free(b.default_out);
	free(b.cc_argv);
	return rc;
}
