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

#include "elf.h"
#include "rootfs.h"

struct build_args {
	const char *out;       /* -o OUT, or the default */
	char *default_out;     /* allocated when there is no -o */
	const char *first_src; /* the first argument ending in .c */
	char **cc_argv;	       /* "pith-cc", "-O2", "-o", OUT, then every other argument, NULL */
	int cc_argc;
	struct rootfs *files;  /* --rootfs / --copy: the image's root filesystem, or NULL */
	const char *files_opt; /* the first of those options (for the warning) */
	bool has_rootfs;       /* --rootfs was given (once only) */
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* --copy's SRC:DEST, split at the last ':'; 0 or -1 after a message. */
static int add_copy(struct build_args *b, char *arg)
{
	char err[8192], *colon = strrchr(arg, ':');

	if (!colon || colon == arg || !colon[1]) {
		cli__usage_error("build: --copy needs SRC:DEST (got '%s')", arg);
		return -1;
	}
	*colon = 0;
	if (rootfs__add(b->files, "--copy", arg, colon + 1, err, sizeof(err)) < 0) {
		cli__error("%s", err);
		return -1;
	}
	return 0;
}

static int add_rootfs(struct build_args *b, const char *dir)
{
	char err[8192];

	if (b->has_rootfs) {
		cli__usage_error("build: --rootfs given twice; use --copy SRC:DEST for more files");
		return -1;
	}
	b->has_rootfs = true;
	if (rootfs__add(b->files, "--rootfs", dir, "/", err, sizeof(err)) < 0) {
		cli__error("%s", err);
		return -1;
	}
	return 0;
}

/*
 * --rootfs DIR, --copy SRC:DEST (or --opt=VALUE) at argv[*i]: 1 if it was one (consumed, *i
 * moved past its value), 0 if not, -1 after a message.
 */
static int parse_files_opt(struct build_args *b, int argc, char **argv, int *i)
{
	const char *opts[] = {"--rootfs", "--copy"};

	for (int k = 0; k < 2; k++) {
		size_t n = strlen(opts[k]);
		char *v;

		if (strncmp(argv[*i], opts[k], n) != 0 || (argv[*i][n] && argv[*i][n] != '='))
			continue;
		v = argv[*i][n] ? argv[*i] + n + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (!v || !*v) {
			cli__usage_error("build: %s needs a value", opts[k]);
			return -1;
		}
		if (!b->files && !(b->files = rootfs__new())) {
			cli__error("out of memory");
			return -1;
		}
		if (!b->files_opt)
			b->files_opt = opts[k];
		return (k == 0 ? add_rootfs(b, v) : add_copy(b, v)) < 0 ? -1 : 1;
	}
	return 0;
}

/* Split -o OUT (or -oOUT), --rootfs and --copy from the arguments for pith-cc; 1 for --help,
   -1 on a usage error. */
static int parse_args(struct build_args *b, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int rc;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		rc = parse_files_opt(b, argc, argv, &i);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
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

/* Whether the image at path links the component (its PITH_NOTE_COMPONENT note). */
static bool image_has_component(const char *path, const char *component)
{
	struct elf_image img;
	char err[512];
	bool found = false;

	if (elf_image__open(&img, path, PITH_MEM_MAX, err, sizeof(err)) < 0)
		return false;
	for (unsigned i = 0; i < img.ncomponents; i++)
		found |= strcmp(img.components[i], component) == 0;
	elf_image__close(&img);
	return found;
}

/* Links the files (--rootfs/--copy) in: their archive's assembly becomes one more input. */
static int add_files_object(struct build_args *b, struct rootfs_object *obj)
{
	char err[8192];

	if (rootfs__make_object(b->files, obj, err, sizeof(err)) < 0) {
		cli__error("%s", err);
		return -1;
	}
	b->cc_argv[b->cc_argc++] = obj->asm_file;
	return 0;
}

static int build(struct build_args *b)
{
	struct rootfs_object obj = {.dir = ""};
	char cc[PATH_MAX];
	int rc;

	if (choose_out(b) < 0 || find_toolchain(cc, sizeof(cc)) < 0)
		return PITH_EXIT_ERROR;
	b->cc_argv[0] = "pith-cc";
	b->cc_argv[1] = "-O2";
	b->cc_argv[2] = "-o";
	b->cc_argv[3] = (char *)b->out;
	if (b->files && add_files_object(b, &obj) < 0) {
		rootfs__remove_object(&obj);
		return PITH_EXIT_ERROR;
	}
	rc = run_compiler(cc, b->cc_argv);
	rootfs__remove_object(&obj);
	if (rc == 0 && b->files && !image_has_component(b->out, "vfs"))
		fprintf(stderr,
			"pith: warning: %s: the program never opens a file; the files are "
			"not included\n",
			b->files_opt);
	return rc;
}

int build_cmd__main(int argc, char **argv)
{
	struct build_args b = {.cc_argc = 4}; /* cc_argv[0..3] are set once OUT is known */
	int rc;

	b.cc_argv = calloc((size_t)argc + 6, sizeof(*b.cc_argv));
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
	rootfs__free(b.files);
	return rc;
}
