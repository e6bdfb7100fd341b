/* pith run: parse the arguments, find the compat kernel, and hand over to the monitor (directly,
   or through a keeper for a registered instance: -d, --name, --rm). */
#include "cli.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pith/abi.h>

#include "instance.h"
#include "keeper.h"
#include "run_args.h"
#include "vmm.h"

extern char **environ;

/* Looked up only when the image is a static Linux ELF: it costs a readlink of /proc/self/exe. */
static int compat_kernel_path(char *path, size_t len)
{
	return cli__prefix_path(path, len, "lib/pith/lib/compat-kernel.elf");
}

/* A growing text buffer for the config file. */
struct text {
	char *buf;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void text__add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt,
			      ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->buf && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		char *b = realloc(t->buf, t->cap);
		if (!b)
			return;
		t->buf = b;
	}
}

/* One guest argument, escaped so that args= stays one line of space-separated words:
   backslash, space and control characters as \\, \x20, \xHH. */
static void text__add_arg(struct text *t, const char *a)
{
	for (; *a; a++) {
		unsigned char c = (unsigned char)*a;

		if (c == '\\')
			text__add(t, "\\\\");
		else if (c <= ' ' || c == 0x7f)
			text__add(t, "\\x%02x", c);
		else
			text__add(t, "%c", c);
	}
}

/* "8081:80/tcp,127.0.0.1:53:53/udp" */
static void text__add_ports(struct text *t, const struct net_config *net)
{
	for (unsigned i = 0; i < net->nports; i++) {
		const struct net_port *p = &net->ports[i];
		struct in_addr a = {p->host_addr};

		text__add(t, "%s", i ? "," : "");
		if (p->host_addr)
			text__add(t, "%s:", inet_ntoa(a));
		text__add(t, "%u:%u/%s", p->host, p->guest, p->udp ? "udp" : "tcp");
	}
}

static void text__add_net(struct text *t, const struct net_config *net)
{
	if (net->kind == NET_PASST)
		text__add(t, "user");
	else if (net->kind == NET_TAP && net->tap_fd >= 0)
		text__add(t, "tap-fd:%d", net->tap_fd);
	else if (net->kind == NET_TAP)
		text__add(t, "tap:%s", net->tap_name);
	else if (net->kind == NET_STREAM)
		text__add(t, "socket:%s", net->socket_path);
	else
		text__add(t, "none");
}

/* The config file's lines (after id= and name=); NULL if out of memory or no image path. */
static char *config__text(const struct vmm_config *cfg, const struct run_ops *ops)
{
	struct text t = {0};
	char image[PATH_MAX];

	if (!realpath(cfg->image_path, image))
		snprintf(image, sizeof(image), "%s",
			 cfg->image_path); /* the monitor will say why */
	text__add(&t, "image=%s\nargs=", image);
	for (int i = 1; i < cfg->argc; i++) {
		text__add(&t, "%s", i > 1 ? " " : "");
		text__add_arg(&t, cfg->argv[i]);
	}
	text__add(&t, "\nmem=%llu\nports=", (unsigned long long)cfg->mem_size);
	text__add_ports(&t, &cfg->net);
	text__add(&t, "\nnet=");
	text__add_net(&t, &cfg->net);
	text__add(&t, "\ncreated=%llu\nrm=%d\ndetached=%d\n",
		  (unsigned long long)clock__realtime_ns(), ops->rm, ops->detach);
	return t.buf;
}

/* -d, --name or --rm: an instance in the state folder, run by a keeper. */
static int run_registered(struct vmm_config *cfg, const struct run_ops *ops)
{
	struct instance inst;
	char *text = config__text(cfg, ops);
	int rc;

	if (!text)
		return cli__error("out of memory");
	rc = instance__create(&inst, ops->name, text);
	free(text);
	if (rc != 0)
		return rc;
	rc = ops->detach ? keeper__detached(cfg, &inst, ops->rm)
			 : keeper__foreground(cfg, &inst, ops->rm);
	instance__free(&inst);
	return rc;
}

int run_cmd__main(int argc, char **argv)
{
	struct vmm_config cfg;
	struct run_ops ops;
	char err[512];
	int rc = run_args__parse_ops(&cfg, &ops, argc, argv, environ, err, sizeof(err));

	if (rc == RUN_ARGS_HELP) {
		cli__help();
		return 0;
	}
	if (rc != RUN_ARGS_OK)
		return cli__error("%s", err);
	cfg.compat_kernel = compat_kernel_path;
	if (ops.detach || ops.name || ops.rm)
		rc = run_registered(&cfg, &ops);
	else
		rc = vmm__run(&cfg);
	run_args__free(&cfg);
	return rc;
}
