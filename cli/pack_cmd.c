/* pith pack: a Pith image as an OCI image layout tar that docker, podman and containerd load. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pith/abi.h>

#include "elf.h"
#include "oci_layout.h"
#include "run_args.h"
#include "size.h"

#define PACK_SUFFIX ".pith"

/* The command line, parsed. */
struct pack_opts {
	const char *out, *ref, *image;
	char mem[32]; /* --mem, canonical ("64M") */
	char **env;   /* -e NAME=VALUE, a later NAME replacing an earlier one */
	int nenv;
	char **ports; /* -p, as "80/tcp", sorted, unique */
	int nports;
	char **args; /* after the image */
	int nargs;
	char name[OCI_LAYOUT_NAME_MAX + 1], tag[160];
	char file[256]; /* the layer's file: the image's basename, ending in .pith */
	char out_buf[4096];
	char err[1536]; /* why it failed */
	bool usage;	/* err is a usage error */
};

/* Record why pack fails in o->err (pack_cmd__main prints it, once); return -1. usage: the
   command line is wrong (the message then points to pith help). */
__attribute__((format(printf, 3, 4))) static int fail(struct pack_opts *o, bool usage,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
	o->usage = usage;
	return -1;
}

/* -e NAME=VALUE: NAME not empty; replaces an earlier NAME. */
static int opts__env(struct pack_opts *o, char *spec)
{
	char *eq = strchr(spec, '=');
	size_t namelen = eq ? (size_t)(eq - spec) : 0;

	if (namelen == 0)
		return fail(o, true, "-e %s: write NAME=VALUE", spec);
	for (int i = 0; i < o->nenv; i++)
		if (strncmp(o->env[i], spec, namelen + 1) == 0) {
			o->env[i] = spec;
			return 0;
		}
	o->env[o->nenv++] = spec;
	return 0;
}

static int port__cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* -p PORT[/tcp|/udp], 1..65535: stored as "PORT/PROTO" (Docker's ExposedPorts keys). */
static int opts__port(struct pack_opts *o, const char *spec)
{
	char *end, *key;
	long port = strtol(spec, &end, 10);
	const char *proto = *end == '/' ? end + 1 : "tcp";

	if (spec[0] < '0' || spec[0] > '9' || port < 1 || port > 65535 || (*end && *end != '/') ||
	    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
		return fail(o, true,
			    "-p %s: write a port 1..65535, optionally /tcp or /udp (e.g. -p 80)",
			    spec);
	if (asprintf(&key, "%ld/%s", port, proto) < 0)
		return fail(o, false, "out of memory");
	for (int i = 0; i < o->nports; i++)
		if (strcmp(o->ports[i], key) == 0) {
			free(key);
			return 0;
		}
	o->ports[o->nports++] = key;
	qsort(o->ports, (size_t)o->nports, sizeof(o->ports[0]), port__cmp);
	return 0;
}

/* --mem SIZE, as pith run --mem takes it; kept in canonical form. */
static int opts__mem(struct pack_opts *o, const char *text)
{
	char err[256];
	uint64_t bytes;

	if (size__parse("--mem", text, PITH_MEM_MIN, PITH_MEM_MAX, &bytes, err, sizeof(err)) < 0)
		return fail(o, true, "%s", err);
	size__format(bytes, o->mem, sizeof(o->mem));
	return 0;
}

/* An option's handler returned rc (0 or -1): opts__take's result. */
static int took(int rc)
{
	return rc < 0 ? -1 : 1;
}

/* The option at argv[*i]: 1 taken, 0 not an option of pack, -1 error (printed). */
static int opts__take(struct pack_opts *o, int argc, char **argv, int *i)
{
	char *v = NULL;
	int rc;

	if ((rc = run_args__option_value(argc, argv, i, "--output", "-o", &v)) != 0)
		return rc < 0 ? fail(o, true, "-o needs a file") : (o->out = v, 1);
	if ((rc = run_args__option_value(argc, argv, i, "--tag", "-t", &v)) != 0)
		return rc < 0 ? fail(o, true, "-t needs NAME[:TAG]") : (o->ref = v, 1);
	if ((rc = run_args__option_value(argc, argv, i, "--mem", NULL, &v)) != 0)
		return rc < 0 ? fail(o, true, "--mem needs a size (e.g. 128M)")
			      : took(opts__mem(o, v));
	if ((rc = run_args__option_value(argc, argv, i, "--port", "-p", &v)) != 0)
		return rc < 0 ? fail(o, true, "-p needs a port") : took(opts__port(o, v));
	if ((rc = run_args__option_value(argc, argv, i, "--env", "-e", &v)) != 0)
		return rc < 0 ? fail(o, true, "-e needs NAME=VALUE") : took(opts__env(o, v));
	return 0;
}

/* Options up to the image (or "--"), then the image and its arguments. 1 means --help. */
static int opts__parse(struct pack_opts *o, int argc, char **argv)
{
	int i = 0;

	o->env = calloc((size_t)argc + 1, sizeof(char *));
	o->ports = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->env || !o->ports)
		return fail(o, false, "out of memory");
	snprintf(o->mem, sizeof(o->mem), "64M"); /* pith run's default */
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++) {
		int rc;

		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
		rc = opts__take(o, argc, argv, &i);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return fail(o, true, "unknown option '%s'", argv[i]);
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return fail(o, true,
			    "no image given (write 'pith pack [OPTIONS] IMAGE.pith [ARGS...]')");
	o->image = argv[i];
	o->args = argv + i + 1;
	o->nargs = argc - i - 1;
	return 0;
}

/* The image's basename without .pith: the layer's file (with .pith) and the default output. */
static int opts__file(struct pack_opts *o)
{
	const char *base = strrchr(o->image, '/') ? strrchr(o->image, '/') + 1 : o->image;
	size_t len = strlen(base), slen = strlen(PACK_SUFFIX);

	if (len > slen && strcmp(base + len - slen, PACK_SUFFIX) == 0)
		len -= slen;
	if (len == 0 || len + slen >= sizeof(o->file))
		return fail(o, true, "%s: cannot make a file name from the image's name", o->image);
	snprintf(o->file, sizeof(o->file), "%.*s" PACK_SUFFIX, (int)len, base);
	if (!o->out) {
		snprintf(o->out_buf, sizeof(o->out_buf), "%.*s.oci.tar", (int)len, base);
		o->out = o->out_buf;
	}
	return 0;
}

/* NAME[:TAG] from -t, else the file's name and latest; checked as image references are. */
static int opts__ref(struct pack_opts *o)
{
	const char *ref = o->ref ? o->ref : o->file;
	const char *colon = o->ref ? strrchr(ref, ':') : NULL;
	size_t namelen = o->ref ? strlen(ref) : strlen(ref) - strlen(PACK_SUFFIX);
	const char *tag = "latest";
	char err[512];

	if (colon && !strchr(colon, '/')) {
		namelen = (size_t)(colon - ref);
		tag = colon + 1;
	}
	if (namelen >= sizeof(o->name) || strlen(tag) >= sizeof(o->tag))
		return fail(o, true,
			    "-t %s: too long (a name has at most %d characters, a tag 128)", ref,
			    OCI_LAYOUT_NAME_MAX);
	snprintf(o->name, sizeof(o->name), "%.*s", (int)namelen, ref);
	snprintf(o->tag, sizeof(o->tag), "%s", tag);
	if (oci_layout__check_ref(o->name, o->tag, err, sizeof(err)) == 0)
		return 0;
	return fail(o, true, "%s%s", err,
		    o->ref ? ""
			   : " (taken from the image's file name; give one with -t NAME[:TAG])");
}

/* IMAGE must be a Pith image (the ABI note) of the ABI this pith runs. */
static int image__check(struct pack_opts *o, const struct elf_image *img, const char *path)
{
	if (!img->has_abi_note)
		return fail(o, false,
			    "%s is not a Pith image (it has no Pith ABI note; 'pith inspect' "
			    "shows an image's kind): build one with 'pith build'",
			    path);
	if (img->abi.abi_version != PITH_ABI_VERSION)
		return fail(o, false,
			    "%s is a Pith image of ABI version %u; this pith runs version %u "
			    "only: rebuild it with this pith",
			    path, img->abi.abi_version, PITH_ABI_VERSION);
	return 0;
}

static int fd__write_all(int fd, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write data to path atomically: a temporary file beside it (mode 0666 less the umask), renamed
   over path. Nothing is left behind on failure. */
static int out__write(struct pack_opts *o, const char *path, const uint8_t *data, size_t len)
{
	char tmp[sizeof(((struct pack_opts *)0)->out_buf) + 16];
	mode_t mask = umask(0);
	int fd, ok, err;

	umask(mask);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return fail(o, false, "%s: name too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fail(o, false, "cannot write %s: %s", path, strerror(errno));
	ok = fd__write_all(fd, data, len) == 0 && fchmod(fd, 0666 & ~mask) == 0;
	err = errno;
	if (close(fd) < 0 && ok) {
		ok = 0;
		err = errno;
	}
	if (ok && rename(tmp, path) == 0)
		return 0;
	err = ok ? errno : err;
	unlink(tmp);
	return fail(o, false, "cannot write %s: %s", path, strerror(err));
}

/* Read and check the image, build the layout, write it. */
static int pack(struct pack_opts *o)
{
	struct elf_image img;
	struct tar t = {0};
	char err[1024];
	int rc;

	if (elf_image__open(&img, o->image, PITH_MEM_MAX, err, sizeof(err)) < 0)
		return fail(o, false, "%s", err);
	rc = image__check(o, &img, o->image);
	if (rc == 0) {
		struct oci_layout_image li = {.name = o->name,
					      .tag = o->tag,
					      .file = o->file,
					      .data = img.data,
					      .size = img.size,
					      .mem = o->mem,
					      .args = o->args,
					      .nargs = o->nargs,
					      .env = o->env,
					      .nenv = o->nenv,
					      .ports = o->ports,
					      .nports = o->nports};

		rc = oci_layout__write(&li, &t, err, sizeof(err)) < 0
			 ? fail(o, false, "%s", err)
			 : out__write(o, o->out, t.data, t.len);
	}
	tar__free(&t);
	elf_image__close(&img);
	return rc;
}

static void opts__free(struct pack_opts *o)
{
	for (int i = 0; o->ports && i < o->nports; i++)
		free(o->ports[i]);
	free(o->ports);
	free(o->env);
}

int pack_cmd__main(int argc, char **argv)
{
	struct pack_opts o = {0};
	int rc = opts__parse(&o, argc, argv);

	if (rc == 1)
		cli__help();
	if (rc == 0)
		rc = opts__file(&o);
	if (rc == 0)
		rc = opts__ref(&o);
	if (rc == 0)
		rc = pack(&o);
	opts__free(&o);
	if (rc < 0 && o.usage)
		return cli__usage_error("pack: %s", o.err);
	if (rc < 0)
		return cli__error("pack: %s", o.err);
	return 0;
}
