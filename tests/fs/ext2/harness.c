/* ext2 host tests: mounting images on the fake disk, path helpers, e2fsprogs as the oracle. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host_blk.h"
#include "test.h"

#include "harness.h"

/* ---- what the VFS gives filesystems: the log and the clock ------------------------------ */

char h_last_log[512];

void h_log_clear(void)
{
	h_last_log[0] = 0;
}

void pith_vfs_log(const struct pith_mount *m, const char *msg)
{
	snprintf(h_last_log, sizeof(h_last_log), "pith: %s: %s", m ? m->path : "vfs", msg);
	fprintf(stderr, "%s\n", h_last_log);
}

void pith_vfs_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

/* ---- mounting ------------------------------------------------------------------------------ */

struct host_blk_fault h_mount_fault;

int h_mount(struct h_fs *h, const char *img, bool ro)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->disk = host_blk_open(img, ro);
	if (!h->disk)
		return -ENODEV;
	if (h_mount_fault.count)
		host_blk_fail(h->disk, h_mount_fault);
	h->m.type = &pith_ext2_type;
	h->m.dev = h->disk;
	h->m.readonly = ro;
	snprintf(h->m.path, sizeof(h->m.path), "/mnt");
	err = h->m.type->mount(&h->m);
	if (err)
		host_blk_close(h->disk);
	return err;
}

int h_unmount(struct h_fs *h)
{
	int err;

	pith_vnode_put(h->m.root);
	h->m.root = NULL;
	err = h->m.type->unmount(&h->m);
	host_blk_close(h->disk);
	return err;
}

/* ---- paths -------------------------------------------------------------------------------- */

int h_walk(struct h_fs *h, const char *path, struct pith_vnode **out)
{
	struct pith_vnode *dir = h->m.root;

	pith_vnode_hold(dir);
	while (*path) {
		const char *end = strchr(path, '/');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		struct pith_vnode *next;
		int err = 0;

		if (len == 0) {
			path++;
			continue;
		}
		if (!S_ISDIR(dir->mode))
			err = -ENOTDIR;
		else if (!(len == 1 && path[0] == '.'))
			err = dir->ops->lookup(dir, path, len, &next);
		else
			pith_vnode_hold(next = dir);
		pith_vnode_put(dir);
		if (err)
			return err;
		dir = next;
		path += len;
	}
	*out = dir;
	return 0;
}

/* The directory holding path's last component, held, and that component. */
static int h_parent(struct h_fs *h, const char *path, struct pith_vnode **dir, const char **name)
{
	char tmp[1024];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*name = path;
		return h_walk(h, "", dir);
	}
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(slash - path), path);
	*name = slash + 1;
	return h_walk(h, tmp, dir);
}

/* The file at path, created if missing. */
static int h_open(struct h_fs *h, const char *path, bool trunc, struct pith_vnode **vn)
{
	struct pith_vnode *dir;
	const char *name;
	int err = h_parent(h, path, &dir, &name);

	if (err)
		return err;
	err = dir->ops->lookup(dir, name, strlen(name), vn);
	if (err == -ENOENT)
		err = dir->ops->create(dir, name, strlen(name), S_IFREG | 0644, 0, vn);
	else if (!err && trunc && (*vn)->size)
		err = (*vn)->ops->truncate(*vn, 0);
	pith_vnode_put(dir);
	return err;
}

long h_pwrite(struct h_fs *h, const char *path, const void *data, size_t len, uint64_t off)
{
	struct pith_vnode *vn;
	size_t done = 0;
	long n = h_open(h, path, false, &vn);

	if (n < 0)
		return n;
	while (done < len) {
		n = vn->ops->write(vn, (const char *)data + done, len - done, off + done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	pith_vnode_put(vn);
	return done ? (long)done : n;
}

long h_write_file(struct h_fs *h, const char *path, const void *data, size_t len)
{
	struct pith_vnode *vn;
	int err = h_open(h, path, true, &vn);

	if (err)
		return err;
	pith_vnode_put(vn);
	return len ? h_pwrite(h, path, data, len, 0) : 0;
}

long h_read_file(struct h_fs *h, const char *path, void *buf, size_t cap)
{
	struct pith_vnode *vn;
	long n = h_walk(h, path, &vn);

	if (n < 0)
		return n;
	n = vn->ops->read(vn, buf, cap, 0);
	pith_vnode_put(vn);
	return n;
}

int h_mkdir(struct h_fs *h, const char *path)
{
	struct pith_vnode *dir, *vn;
	const char *name;
	int err = h_parent(h, path, &dir, &name);

	if (err)
		return err;
	err = dir->ops->mkdir(dir, name, strlen(name), 0755, &vn);
	pith_vnode_put(dir);
	if (!err)
		pith_vnode_put(vn);
	return err;
}

int h_symlink(struct h_fs *h, const char *path, const char *target)
{
	struct pith_vnode *dir, *vn;
	const char *name;
	int err = h_parent(h, path, &dir, &name);

	if (err)
		return err;
	err = dir->ops->symlink(dir, name, strlen(name), target, strlen(target), &vn);
	pith_vnode_put(dir);
	if (!err)
		pith_vnode_put(vn);
	return err;
}

/* unlink or rmdir of path. */
static int h_remove(struct h_fs *h, const char *path, bool is_dir)
{
	struct pith_vnode *dir, *vn;
	const char *name;
	int err = h_parent(h, path, &dir, &name);

	if (err)
		return err;
	err = dir->ops->lookup(dir, name, strlen(name), &vn);
	if (!err) {
		if (is_dir)
			err = dir->ops->rmdir(dir, name, strlen(name), vn);
		else
			err = dir->ops->unlink(dir, name, strlen(name), vn);
		pith_vnode_put(vn);
	}
	pith_vnode_put(dir);
	return err;
}

int h_unlink(struct h_fs *h, const char *path)
{
	return h_remove(h, path, false);
}

int h_rmdir(struct h_fs *h, const char *path)
{
	return h_remove(h, path, true);
}

int h_rename(struct h_fs *h, const char *from, const char *to)
{
	struct pith_vnode *od, *nd, *vn = NULL, *target = NULL;
	const char *on, *nn;
	int err = h_parent(h, from, &od, &on);

	if (err)
		return err;
	err = h_parent(h, to, &nd, &nn);
	if (!err) {
		err = od->ops->lookup(od, on, strlen(on), &vn);
		if (!err && nd->ops->lookup(nd, nn, strlen(nn), &target) < 0)
			target = NULL;
		if (!err && target != vn)
			err = od->ops->rename(od, on, strlen(on), vn, nd, nn, strlen(nn), target);
		if (vn)
			pith_vnode_put(vn);
		if (target)
			pith_vnode_put(target);
		pith_vnode_put(nd);
	}
	pith_vnode_put(od);
	return err;
}

int h_link(struct h_fs *h, const char *existing, const char *path)
{
	struct pith_vnode *dir, *vn;
	const char *name;
	int err = h_walk(h, existing, &vn);

	if (err)
		return err;
	err = h_parent(h, path, &dir, &name);
	if (!err) {
		err = dir->ops->link(dir, name, strlen(name), vn);
		pith_vnode_put(dir);
	}
	pith_vnode_put(vn);
	return err;
}

struct list_ctx {
	void (*cb)(const char *name, void *);
	void *ctx;
	long n;
	unsigned in_call; /* entries given in this readdir call */
};

/* Stops after 37 entries per call, so that resuming from cookies is exercised. */
static bool list_fill(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		      uint64_t next)
{
	struct list_ctx *lc = ctx;
	char buf[256];

	(void)ino, (void)type, (void)next;
	if (lc->in_call == 37)
		return false;
	lc->in_call++;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	if (strcmp(buf, ".") && strcmp(buf, "..")) {
		lc->n++;
		if (lc->cb)
			lc->cb(buf, lc->ctx);
	}
	return true;
}

long h_list(struct h_fs *h, const char *path, void (*cb)(const char *name, void *), void *ctx)
{
	struct list_ctx lc = {cb, ctx, 0, 0};
	struct pith_vnode *dir;
	uint64_t cookie = 0;
	int err = h_walk(h, path, &dir);

	if (err)
		return err;
	while (!err) {
		lc.in_call = 0;
		err = dir->ops->readdir(dir, &cookie, list_fill, &lc);
		if (lc.in_call == 0)
			break;
	}
	pith_vnode_put(dir);
	return err ? err : lc.n;
}

/* ---- the host side: shell, e2fsprogs, temporary files ----------------------------------- */

int h_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(NULL);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long h_sh_out(char *buf, size_t cap, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	size_t n = 0;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(NULL);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < cap) {
		size_t r = fread(buf + n, 1, cap - 1 - n, p);

		if (r == 0)
			break;
		n += r;
	}
	buf[n] = 0;
	pclose(p);
	return (long)n;
}

int h_fsck(const char *img)
{
	static char out[65536];
	long n = h_sh_out(out, sizeof(out), "e2fsck -fn %s 2>&1; echo \"status $?\"", img);
	const char *st = n > 0 ? strstr(out, "status ") : NULL;
	int status = st ? atoi(st + 7) : -1;

	if (status != 0)
		fprintf(stderr, "e2fsck -fn %s (status %d):\n%s", img, status, out);
	return status;
}

int h_mkfs(const char *img, const char *opts, const char *size)
{
	return h_sh("rm -f %s && truncate -s %s %s && "
		    "mkfs.ext2 -q -F -t ext2 %s %s >/dev/null 2>&1",
		    img, size, img, opts, img);
}

uint64_t h_file_hash(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint64_t h = 1469598103934665603ull;
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		h = (h ^ (uint8_t)c) * 1099511628211ull;
	fclose(f);
	return h;
}

#define TMP_MAX_FILES 64
static char tmp_names[TMP_MAX_FILES][128];
static unsigned ntmp;
static pid_t tmp_owner;

const char *h_tmp(const char *tag)
{
	char name[128], *p;

	snprintf(name, sizeof(name), "/tmp/pith-ext2-%d-%s", (int)getpid(), tag);
	for (unsigned i = 0; i < ntmp; i++)
		if (strcmp(tmp_names[i], name) == 0)
			return tmp_names[i];
	if (ntmp == TMP_MAX_FILES)
		abort();
	p = tmp_names[ntmp++];
	memcpy(p, name, sizeof(name));
	if (!tmp_owner) {
		tmp_owner = getpid();
		atexit(h_cleanup);
	}
	return p;
}

void h_cleanup(void)
{
	if (getpid() != tmp_owner)
		return;
	for (unsigned i = 0; i < ntmp; i++)
		unlink(tmp_names[i]);
	ntmp = 0;
}

#define CASES_MAX 64
static struct h_case {
	const char *name;
	bool ok;
	unsigned passed, failed; /* the child's own checks */
} cases[CASES_MAX];
static unsigned ncases;

/* Runs fn in a child whose stdout is a pipe; the child's closing "N passed, N failed" line is
   read back into c. True if the child exited with 0. */
static bool fork_counted(struct h_case *c, void (*fn)(void *), void *arg)
{
	char out[256] = "";
	int p[2], st;
	pid_t pid;
	FILE *f;

	fflush(NULL);
	if (pipe(p) < 0)
		return false;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], 1) < 0)
			_exit(2);
		h_fork_child(fn, arg);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (f && fgets(out, sizeof(out), f))
		if (sscanf(out, "%u passed, %u failed", &c->passed, &c->failed) != 2)
			fputs(out, stdout); /* the child's other output */
	if (f)
		fclose(f);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The child inherits the parent's counts, so the parent checks nothing until h_finish. */
bool h_fork_case(const char *name, void (*fn)(void *), void *arg)
{
	struct h_case c = {name, false, 0, 0};

	c.ok = fork_counted(&c, fn, arg);
	if (!c.ok)
		fprintf(stderr, "case %s: failed\n", name);
	if (ncases < CASES_MAX)
		cases[ncases++] = c;
	return c.ok;
}

/* Every check a case's child made counts here as one check (its failures were printed by the
   child); a child that crashed or reported nothing is one more failure. */
int h_finish(void)
{
	h_cleanup();
	for (unsigned i = 0; i < ncases; i++) {
		for (unsigned k = 0; k < cases[i].passed; k++)
			test__check(true, __FILE__, __LINE__, "case %s", cases[i].name);
		for (unsigned k = 0; k < cases[i].failed; k++)
			test__check(false, __FILE__, __LINE__, "case %s: a check failed (above)",
				    cases[i].name);
		if (!cases[i].ok && !cases[i].failed)
			CHECKF(false, "case %s: crashed or reported nothing", cases[i].name);
	}
	return test__done();
}

/* In a child: runs fn, removes the child's own temporary files, prints its summary. */
void h_fork_child(void (*fn)(void *), void *arg)
{
	unsigned n0 = ntmp;

	fn(arg);
	while (ntmp > n0)
		unlink(tmp_names[--ntmp]);
	_exit(test__done());
}

bool h_fork_run(const char *name, void (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(2);
		h_fork_child(fn, arg);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return false;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "case %s: failed (status %#x)\n", name, st);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void h_fill(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)(x >> 7);
	}
}
